/**
 * The sign-in journey (src/interaction/): the pages under `/interaction/:uid` from the email page
 * to consent, the members' password, the upstream IdPs' callbacks, and the emailed passcode. A guest
 * sign-in, one file per step: identify-step.ts (home-realm discovery) → upstream-sign-in.ts (to
 * the IdP and back, bound to the browser; upstream-from-authorization.ts runs both already at /auth
 * when the request's hint decides the IdP) → complete-sign-in.ts (link or redeem) → the access step
 * (src/access/) → consent.ts. docs/architecture.md walks through it.
 */
import type Provider from 'oidc-provider';
import type { AccessStep } from '../access/access-step.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import type { Feature } from '../core/feature.js';
import type { AccountSessions } from '../directory/account-sessions.js';
import type { SharedServices } from '../core/shared-services.js';
import { createFederation } from '../federation/federation-services.js';
import { createThrottle } from '../http/throttle.js';
import type { InvitationsRepository } from '../invitations/invitations-repository.js';
import type { RedemptionService } from '../invitations/redemption-service.js';
import { consentStep } from './consent.js';
import { SamlAssertionIds } from '../federation/saml-assertion-ids.js';
import { FederationIndex } from './federation-index.js';
import type { InteractionDetails } from './interaction-context.js';
import { keepInteractionCookies } from './interaction-lifetime.js';
import { interactionRoutes, journeySteps } from './interaction-routes.js';
import type { JourneyDeps, JourneyPartners } from './journey-deps.js';
import type { ConnectorContext } from '../federation/create-connector.js';
import { MemberIdentity } from './member-identity.js';
import { passwordLogin } from './password-login.js';
import { samlLogoutRoutes } from './saml-logout.js';
import { SAML_SESSION_MODEL, samlSignOut } from './saml-sign-out.js';
import { upstreamCallbackRoutes } from './upstream-sign-in.js';
import { upstreamFromAuthorization } from './upstream-from-authorization.js';
import type { Context } from 'koa';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import { passwordlessLogin } from '../passkeys/passwordless-login.js';

export interface SignInDeps {
  provider: Provider;
  invitations: { rows: InvitationsRepository; redemption: RedemptionService };
  /** Ends a guest's sessions when their SAML IdP sends a logout request (saml-logout.ts). */
  sessions: Pick<AccountSessions, 'revokeAll'>;
  access: { recorder: SignInRecorder; step: AccessStep; notAssigned: (ctx: Context, details: InteractionDetails) => Promise<void> };
  /** Partner organisations (src/partners/): their rules in the journey, their prompt's page, what connectors keep and SAML metadata. */
  partners?: {
    journey: JourneyPartners;
    promptPages: Record<string, (ctx: Context, details: InteractionDetails) => Promise<void>>;
    federation: Pick<ConnectorContext, 'assertedClaims' | 'samlTrust'>;
  };
  /** Passkeys (src/passkeys/): members' passwordless sign-in. */
  passkeys?: PasskeyService;
}

export function wireSignIn(shared: SharedServices, deps: SignInDeps): Feature {
  const { config, users, renderer, logger, redis } = shared;
  const { provider } = deps;
  const memberIdentity = MemberIdentity.from(config.tenant);
  // The members' IdP's groups claim is kept from its answers, like the claims partner rules read.
  const federation = memberIdentity ? { ...deps.partners?.federation, assertedClaims: [...new Set([...(deps.partners?.federation.assertedClaims ?? []), memberIdentity.claim])] } : deps.partners?.federation;
  const { registry, passcode } = createFederation(shared, federation);
  const journey: JourneyDeps = {
    provider,
    issuer: config.issuer,
    memberDomains: config.tenant.memberDomains,
    registry,
    passcode,
    passcodeSettings: config.emailPasscode,
    federationIndex: new FederationIndex(shared.adapters('FederationState')),
    usedStates: shared.adapters('UpstreamStateUsed'),
    users,
    identities: shared.identities,
    invitations: deps.invitations.rows,
    redemption: deps.invitations.redemption,
    audit: shared.audit,
    renderer,
    logger,
    secureCookies: shared.secureCookies,
    forgotPasswordUrl: config.passwordReset.enabled ? '/password/forgot' : undefined,
    members: memberIdentity ? { identity: memberIdentity, db: shared.db } : undefined,
    signIns: deps.access.recorder,
    partners: deps.partners?.journey,
  };
  // IdP-initiated SAML, only when an IdP opted in (config checked that its app has a launchUrl).
  const assertionIds = new SamlAssertionIds(shared.db, shared.now);
  const idpInitiatedOn = config.identityProviders.some((i) => i.type === 'saml' && i.allowIdpInitiated);
  if (idpInitiatedOn) {
    journey.idpInitiated = { pending: shared.adapters('IdpInitiated'), assertionIds, launchUrlOf: (app) => config.apps.find((a) => a.id === app)?.launchUrl };
  }
  if (deps.passkeys) journey.passwordless = passwordlessLogin({ passkeys: deps.passkeys, users, languages: renderer.languages, signIns: deps.access.recorder, localSignInAllowed: memberIdentity ? (email) => memberIdentity.passwordAllowed(email) : undefined });
  const { limits } = config;
  const login = passwordLogin({
    provider,
    users,
    renderer,
    logger,
    perAccount: createThrottle({ name: 'pwd-account', points: limits.passwordAttemptsPerAccount, durationSeconds: limits.lockoutSeconds }, redis),
    perAccountAnywhere: createThrottle({ name: 'pwd-account-any-ip', points: limits.passwordFailuresPerAccountPerHour, durationSeconds: 3600 }, redis),
    perIp: createThrottle({ name: 'pwd-ip', points: limits.passwordAttemptsPerIp, durationSeconds: 3600 }, redis),
    signIns: deps.access.recorder,
    passwordless: journey.passwordless,
    forgotPasswordUrl: journey.forgotPasswordUrl,
    passwordAllowed: memberIdentity ? (email) => memberIdentity.passwordAllowed(email) : undefined,
  });
  const samlSessions = shared.adapters(SAML_SESSION_MODEL);
  const steps = journeySteps(journey);
  return {
    // oidc-provider gives interaction cookies the short life of an untouched interaction; the journey keeps the hour.
    // samlSignOut: the SAML sign-in kept with the session, and the IdP told when the guest signs out here.
    // upstreamFromAuthorization: a request whose hint decides the home IdP goes from /auth straight there.
    middleware: [keepInteractionCookies(provider), samlSignOut({ store: samlSessions, connector: (id) => registry.byId(id), logger }), upstreamFromAuthorization(journey, steps)],
    // The table holds the IDs of IdP-initiated responses and of the IdPs' logout requests.
    jobs: [{ name: 'saml-assertion-ids-purge', everyMs: 3600_000, acrossNodes: true, run: () => assertionIds.purgeExpired() }],
    routers: [
      interactionRoutes({ journey, steps, login, consent: consentStep({ provider, users, renderer, issuer: config.issuer, tenantName: config.tenant.displayName }), notAssigned: deps.access.notAssigned, access: deps.access.step, promptPages: deps.partners?.promptPages }),
      upstreamCallbackRoutes(journey, steps.completion.decideAndFinish),
      samlLogoutRoutes(journey, deps.sessions, samlSessions, assertionIds, shared.now),
    ],
  };
}
