/**
 * Partner organisations (src/partners/): Entra's cross-tenant access settings, from config
 * (`partners`, `partnerDefaults`). It owns who of which organisation may come in and with which
 * IdP, which apps they may use, whose MFA counts (and how old it may be), automatic redemption and
 * invitation defaults; it applies them at invitation (through the invitation service), at
 * redemption, at every sign-in, at single sign-on (the `partner` prompt and its page) and at every
 * code and refresh-token redemption (the provider's app-access check). It also keeps SAML IdPs'
 * metadata fresh (a scheduled job), gives the API its read-only Graph view of the settings
 * (cross-tenant-access-routes.ts, mounted by src/api/), and names the partner in the sign-in log.
 */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { SIGN_IN_FACTS_MODEL, SignInFactsStore } from '../access/sign-in-facts.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import type { SamlIdpConfig } from '../config/identity-providers-schema.js';
import type { Feature } from '../core/feature.js';
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import type { InteractionDetails } from '../interaction/interaction-context.js';
import type { JourneyPartners } from '../interaction/journey-deps.js';
import type { AppAccessCheck } from '../provider/find-account.js';
import type { User } from '../directory/user-model.js';
import { admit, type RefusalCode } from './admission.js';
import type { AccountSessions } from '../directory/account-sessions.js';
import { AssertionsRepository } from './assertions-repository.js';
import { MfaTrust } from './mfa-trust.js';
import { isExternal, PartnerAccess } from './partner-access.js';
import { PartnerDirectory } from './partner-directory.js';
import { PARTNER_PROMPT, partnerGate, partnerGatePage } from './partner-gate.js';
import { refusalError, refusalNames } from './refusals.js';
import { SamlMetadataStore } from './saml-metadata-store.js';

export function wirePartners(shared: SharedServices, deps: { sessions: AccountSessions }) {
  const { config, db, users, identities, logger } = shared;
  const directory = new PartnerDirectory(config);
  const names = refusalNames(config);
  const access = new PartnerAccess({ directory, identities, assertions: new AssertionsRepository(db), names });
  const trust = new MfaTrust(directory, config.identityProviders);
  const metadata = new SamlMetadataStore(
    config.identityProviders.filter((i): i is SamlIdpConfig => i.type === 'saml'),
    { logger, registry: shared.metrics.registry },
  );
  // In the background, as OIDC discovery is: a partner whose metadata host is down fails only its
  // own sign-ins, and the first of those waits for this fetch rather than failing at once.
  void metadata.refreshAll();
  const facts = new SignInFactsStore(shared.adapters(SIGN_IN_FACTS_MODEL));
  const gate = partnerGate({ access, users, facts });

  /** Code and refresh-token redemption: the account at this app, with the IdP of the session the token came from. */
  const appAccess: AppAccessCheck = {
    async allows(clientId, userId, context) {
      if (!directory.restrictsAnything) return true;
      const user = context?.user ?? (await users.findById(userId));
      if (!user) return false;
      if (!isExternal(user)) return true;
      const session = context?.sessionUid ? await facts.find(context.sessionUid) : undefined;
      const decision = await access.forAccount({ user, appId: clientId, sessionIdp: session?.accountId === userId ? session.identityProvider : undefined });
      if (decision?.allowed !== false) return true;
      const { code, why } = decision.refusal!;
      logger.info({ userId, appId: clientId, code, reason: why }, 'token refused by the partner settings');
      await endGrants(userId, clientId, code);
      return false;
    },
  };

  /**
   * A refused refresh token is ended, not just refused: lifting the block later must not bring back
   * tokens issued before it. A partner that no longer admits the person ends every session and
   * grant; an app it no longer allows ends that app's grants. Best effort: the refusal stands anyway.
   */
  async function endGrants(userId: string, clientId: string, code: RefusalCode): Promise<void> {
    try {
      const ended = code === 'partnerAppNotAllowed' ? await deps.sessions.revokeForClient(userId, clientId) : await deps.sessions.revokeAll(userId);
      await shared.audit.record({ category: 'UserManagement', activity: 'Revoke sign-in sessions', result: 'success', resultReason: code, actor: { type: 'system' }, target: { type: 'User', id: userId }, details: { ...ended, appId: clientId } });
    } catch (err) {
      logger.warn({ userId, appId: clientId, err: err instanceof Error ? err.message : String(err) }, 'ending the grants the partner settings refused failed');
    }
  }

  const journey: JourneyPartners = {
    identityProvidersFor(email) {
      const partner = directory.byEmail(email);
      return partner?.identityProviders.length ? partner.identityProviders : undefined;
    },
    screen: (email, idpId) => refusalError(admit(directory, { email, idpId }), names),
    // With nothing limited anywhere, a sign-in pays for no lookup.
    admit: async (input) => (directory.restrictsAnything ? refusalError(await access.forSignIn(input), names) : undefined),
    upstreamMethods(identity) {
      const verdict = trust.methods(identity);
      logger.debug({ idpId: identity.idpId, methods: verdict.methods, why: verdict.why }, 'upstream methods');
      return verdict.methods;
    },
    remember: (userId, identity) => access.remember(userId, identity),
    partnerOfIdp: (idpId) => directory.byIdp(idpId)?.id ?? undefined,
  };

  return {
    directory,
    access,
    trust,
    metadata,
    /** The partner gate right after login (before the assignment gate), and the token-time check. */
    providerParts: { gatePrompts: [gate.prompt], appAccess } satisfies ProviderParts,
    /** For conditional access (externalTenants) and the sign-in log (homeTenantId). */
    forAccess: { homeTenants: access.homeTenants.bind(access), homeTenantOf: access.homeTenantOf.bind(access) },
    /** For redemption: links the settings no longer admit, automatic redemption, the guest's contact. */
    forInvitations: {
      ticket: { ticket: (row: { invited_email: string }, app?: { id: string }) => refusalError(access.forAddress(row.invited_email, app?.id), names, app?.id) },
      review: {
        autoRedeem: (email: string) => (directory.byEmail(email) ?? directory.defaults).autoRedeem,
        sponsor: (email: string) => directory.byEmail(email)?.invitations.sponsor,
      },
    },
    /** For the sign-in journey, once the provider and the sign-in log recorder exist. */
    forSignIn(provider: Provider, recorder: SignInRecorder) {
      const page = partnerGatePage({ provider, users, renderer: shared.renderer, recorder });
      return {
        journey,
        promptPages: { [PARTNER_PROMPT]: page } as Record<string, (ctx: Context, details: InteractionDetails) => Promise<void>>,
        federation: { assertedClaims: directory.claimNames(), samlTrust: (idpId: string) => metadata.trustFor(idpId) },
      };
    },
    /** For My Apps: a tile only for the apps the user's organisation may use. */
    appAllowed: async (user: User, appId: string) => (await access.forAccount({ user, appId }))?.allowed !== false,
    /** The scheduled SAML metadata refreshes. */
    feature: { jobs: metadata.jobs() } satisfies Feature,
  };
}

export type Partners = ReturnType<typeof wirePartners>;
