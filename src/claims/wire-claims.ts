/**
 * What apps learn about the person in their tokens (src/claims/): the `roles` claim (the app's
 * appRoles the user holds, directly or through a group), the `groups` claim with Entra's overage,
 * and each app's optional claims (Foyer's own, standard OIDC ones and attributes the guest's IdP
 * asserted, mapped per IdP). It owns the token-time hook the provider calls for ID tokens, userinfo
 * and access tokens, and the keeping of upstream claims at sign-in. Config and its checks:
 * src/config/app-claims-schema.ts; the assignments it reads: src/directory/. docs/claims.md.
 */
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import type { User } from '../directory/user-model.js';
import type { ConnectorContext } from '../federation/create-connector.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { JourneyPartners } from '../interaction/journey-deps.js';
import { SCOPE_CLAIMS } from '../provider/scope-claims.js';
import { addsAnything, planClaims } from './claims-plan.js';
import { TokenClaims } from './token-claims.js';
import { UpstreamClaimsRepository, type UpstreamClaims } from './upstream-claims-repository.js';

export interface ClaimsDeps {
  /** The partner organisations a guest belongs to (src/partners/), and a partner's name. */
  homeTenants(user: User): Promise<string[]>;
  partnerName(id: string): string | undefined;
}

interface SignInParts {
  journey: JourneyPartners;
  federation: Pick<ConnectorContext, 'assertedClaims' | 'samlTrust'>;
}

export function wireClaims(shared: SharedServices, deps: ClaimsDeps) {
  const { config, db, logger } = shared;
  const plan = planClaims(config.apps, config.identityProviders);
  const upstream = new UpstreamClaimsRepository(db);
  const tokens = new TokenClaims({
    db,
    issuer: config.issuer,
    plan,
    scopeClaims: SCOPE_CLAIMS,
    upstream,
    async homeTenant(user) {
      const id = (await deps.homeTenants(user))[0];
      return id ? { id, name: deps.partnerName(id) ?? id } : undefined;
    },
  });

  /** Keeps, from this sign-in, what optional claims read from this IdP (replacing the last sign-in's). */
  async function remember(userId: string, identity: UpstreamIdentity): Promise<void> {
    const names = plan.upstreamNames.get(identity.idpId);
    if (!names) return;
    const kept: UpstreamClaims = Object.fromEntries(Object.entries(identity.assertions ?? {}).filter(([name]) => names.has(name)));
    try {
      await upstream.save(userId, identity.idpId, kept);
    } catch (err) {
      // The sign-in stands; the app sees the claims of the previous sign-in (or none) until the next.
      logger.warn({ userId, idpId: identity.idpId, err: err instanceof Error ? err.message : String(err) }, 'keeping upstream claims failed');
    }
  }

  return {
    tokens,
    providerParts: {
      tokenClaims: {
        openidClaims: tokens.openidClaims,
        idToken: (ctx, clientId, user, base, scope) => tokens.forIdToken(ctx, clientId, user, base, scope),
        addsToAccessTokens: (clientId) => addsAnything(plan.apps.get(clientId)),
        accessToken: (ctx, clientId, user) => tokens.forAccessToken(ctx, clientId, user),
      },
    } satisfies ProviderParts,
    /**
     * The sign-in parts with upstream claims added: connectors also keep the claims optional claims
     * read, and each upstream sign-in stores them after the partner settings have kept theirs.
     */
    forSignIn<T extends SignInParts>(parts: T): T {
      if (plan.upstreamNames.size === 0) return parts;
      const wanted = new Set([...(parts.federation.assertedClaims ?? []), ...[...plan.upstreamNames.values()].flatMap((s) => [...s])]);
      return {
        ...parts,
        journey: {
          ...parts.journey,
          async remember(userId, identity) {
            await parts.journey.remember(userId, identity);
            await remember(userId, identity);
          },
        },
        federation: { ...parts.federation, assertedClaims: [...wanted] },
      };
    },
  };
}
