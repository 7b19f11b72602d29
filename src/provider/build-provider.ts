import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC, type interactionPolicy } from 'oidc-provider';
import type { FoyerConfig } from '../config/schema.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { appToClient } from './clients.js';
import { backchannelAwareFetch } from '../logout/backchannel-fetch.js';
import { createFindAccount, type AppAccessCheck } from './find-account.js';
import { guardStorage } from './adapters/storage-unavailable.js';
import { createFirstPartyOfflineAccess } from './first-party-offline-access.js';
import { createLoadExistingGrant } from './grants.js';
import { interactionTtl, UNTOUCHED_INTERACTION_TTL } from '../interaction/interaction-lifetime.js';
import { buildInteractionPolicy } from './interaction-policy.js';
import { capAtAccessEnd } from './access-end-ttl.js';
import { resourceTokenTtl } from './resource-token-ttl.js';
import type { KeyMaterial } from './keys/key-store.js';
import { providerPages } from './provider-pages.js';
import { resourceIndicators } from './resource-servers.js';
import { apiResource } from '../api/api-resource.js';
import { SCOPE_CLAIMS, type TokenClaimsHook } from './scope-claims.js';
import { StrengthCatalog } from '../strengths/strength-catalog.js';

export interface ProviderDeps {
  config: FoyerConfig;
  keys: KeyMaterial;
  adapter: NonNullable<Configuration['adapter']>;
  users: UsersRepository;
  /** App assignment, checked again whenever a code or refresh token is redeemed. */
  appAccess?: AppAccessCheck;
  renderer: PageRenderer;
  extraPrompts?: { prompt: interactionPolicy.Prompt; after: string }[];
  /** Prompts placed right after `login`, before every extra prompt (app assignment). */
  gatePrompts?: interactionPolicy.Prompt[];
  /** Conditional access: the `mfa` prompt and its login checks (src/access/access-prompt.ts). */
  extendPolicy?: (policy: interactionPolicy.DefaultPolicy) => void;
  /** Foyer's own first-party clients (My Apps), which are not in config. */
  extraClients?: ClientMetadata[];
  /** App roles, groups and optional claims in tokens (src/claims/). */
  tokenClaims?: TokenClaimsHook;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Lifetimes of what Foyer issues; the benchmark's bare baseline uses the same table. `AccessToken`
 * and `ClientCredentials` are for tokens without an API (opaque, userinfo only): a token for an
 * API lives that API's `accessTokenTtlSeconds` (resource-token-ttl.ts). `Interaction`
 * is the life of a sign-in the person is taking steps in; Foyer gives one nobody has touched less
 * (interactionTtl below), which the baseline, having no journey, does not need.
 */
export const TOKEN_TTL = {
  AccessToken: HOUR,
  AuthorizationCode: 60,
  ClientCredentials: HOUR,
  IdToken: HOUR,
  RefreshToken: 14 * DAY,
  Interaction: HOUR,
  Session: 14 * DAY,
  Grant: 14 * DAY,
} as const;

/** oidc-provider configured from Foyer's config; every option that matters is set explicitly. */
export function buildProvider(deps: ProviderDeps): Provider {
  const { config } = deps;
  const alg = config.keys.algorithm;
  const pages = providerPages(deps.renderer);
  // What says which kind of principal a token acts for, made once per composition (a config reload
  // builds a new provider, and these with it): an app's token lists its permissions in config.
  const kinds = tokenKinds(config.apps);
  const firstParty = new Set([...config.apps.filter((a) => a.firstParty).map((a) => a.id), ...(deps.extraClients ?? []).map((c) => c.client_id)]);
  const allowedOrigins = new Map(
    config.apps.map((a) => [a.id, new Set(a.redirectUris.filter((u) => /^https?:/.test(u)).map((u) => new URL(u).origin))]),
  );

  const foyerApi = apiResource(config.issuer);
  /**
   * Whether a token gets its app's roles, groups and optional claims: a user's access token for an
   * app that has any, unless it is for Foyer's own API (which reads `roles` as Graph permissions on
   * app tokens: an app's roles have no place there). Decided without awaiting anything, so the
   * tokens that get nothing (client credentials, most apps) cost no promise on the token path.
   */
  const getsAppClaims = (token: TokenFacts): token is TokenFacts & { clientId: string; accountId: string } =>
    Boolean(deps.tokenClaims && token.kind === 'AccessToken' && token.clientId && token.accountId && deps.tokenClaims.addsToAccessTokens(token.clientId)) &&
    token.resourceServer?.audience !== foyerApi;
  /** A user's access token: the roles, groups and optional claims of the app it was issued to. */
  const appClaims = async (ctx: KoaContextWithOIDC | undefined, token: TokenFacts & { clientId: string; accountId: string }) => {
    const user = ctx ? await deps.users.findByIdInRequest(ctx, token.accountId) : await deps.users.findById(token.accountId);
    return user ? deps.tokenClaims!.accessToken(ctx, token.clientId, user) : undefined;
  };

  const provider = new Provider(config.issuer, {
    adapter: deps.adapter,
    clients: [...config.apps.map(appToClient), ...(deps.extraClients ?? [])],
    // keys.algorithm is the default for ID tokens too (oidc-provider's own default is RS256);
    // apps that cannot verify it set idTokenSigningAlg.
    clientDefaults: { id_token_signed_response_alg: alg },
    // A database outage during an account lookup is a 503 temporarily_unavailable, not a 500.
    findAccount: guardedFindAccount(createFindAccount(deps.users, deps.appAccess, deps.tokenClaims)),
    jwks: { keys: deps.keys.jwks },
    cookies: { keys: deps.keys.cookieKeys },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { ...SCOPE_CLAIMS, openid: [...SCOPE_CLAIMS.openid!, ...(deps.tokenClaims?.openidClaims ?? [])] },
    // domain_hint picks the guest's home IdP directly (as Entra's does). Its validator slot is
    // oidc-provider's only hook after the scope check; it keeps a first-party app's offline_access.
    extraParams: { domain_hint: createFirstPartyOfflineAccess(firstParty) },
    // Apps read name and email from the ID token, as they do with Entra.
    conformIdTokenClaims: false,
    // The languages of the sign-in pages (locales/*.json): an app's ui_locales picks one (docs/languages.md).
    discovery: { ui_locales_supported: [...deps.renderer.languages] },
    // Apps may ask for an authentication strength with acr_values (src/strengths/, README "Authentication strengths").
    acrValues: [...new Set(['urn:foyer:acr:password', 'urn:foyer:acr:federated', ...new StrengthCatalog(deps.config.authenticationStrengths).acrValues()])],
    interactions: {
      policy: buildInteractionPolicy(deps.extraPrompts, deps.gatePrompts, deps.extendPolicy),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only confidential clients introspect, and only tokens issued to themselves.
        allowedPolicy: async (_ctx, client, token) => client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      // Apps with a backchannelLogoutUri get a logout token at sign-out (src/logout/ retries failures
      // and tells them of admin-ended sessions too).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      resourceIndicators: resourceIndicators(config.resourceServers, alg, config.issuer),
      userinfo: { enabled: true },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
    },
    pkce: {
      // Public clients must prove possession with PKCE; oidc-provider v9 only accepts S256.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    rotateRefreshToken: true,
    // First-party apps allowed the refresh_token grant get refresh tokens without a consent
    // prompt; third-party apps must ask for offline_access (which implies prompt=consent).
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || firstParty.has(client.clientId)),
    loadExistingGrant: createLoadExistingGrant(firstParty),
    // `idtyp` tells an API whether a token acts for an app or a user (Entra's claim); app tokens
    // also list the application permissions granted in config, like Graph's `roles`. JWT access
    // tokens get them from the JWT customizer instead: oidc-provider spreads a token's extra claims
    // into the JWT payload, and on Node 20's V8 that one object spread cost more than the rest of
    // building the payload (about 15 µs per token, docs/benchmarks.md).
    // Both hooks answer at once when nothing is to be read (oidc-provider awaits whatever they return).
    extraTokenClaims: (ctx, token) => {
      if (token.resourceServer?.accessTokenFormat === 'jwt') return undefined;
      const kind = kinds.of(token);
      if (!getsAppClaims(token)) return kind && { ...kind };
      return appClaims(ctx, token).then((app) => (app ? { ...app, ...kind } : kind && { ...kind }));
    },
    formats: {
      customizers: {
        jwt: (ctx, token, jwt) => {
          Object.assign(jwt.payload, kinds.of(token));
          if (!getsAppClaims(token)) return void nameGrant(token, jwt.payload);
          return appClaims(ctx, token).then((app) => {
            // The app's roles, groups and optional claims never replace what the token already says.
            if (app) for (const [name, value] of Object.entries(app)) if (!(name in jwt.payload)) jwt.payload[name] = value;
            nameGrant(token, jwt.payload);
          });
        },
      },
    },
    fetch: backchannelAwareFetch(config.apps),
    clientBasedCORS: (_ctx, origin, client) => allowedOrigins.get(client.clientId)?.has(origin) ?? false,
    renderError: (ctx, out) => pages.renderError(ctx as KoaContextWithOIDC, out),
    // Everything issued for a user ends no later than their access end (access-end-ttl.ts); an
    // access token for an API lives that API's accessTokenTtlSeconds (resource-token-ttl.ts).
    ttl: {
      ...TOKEN_TTL,
      AccessToken: capAtAccessEnd(deps.users, resourceTokenTtl(TOKEN_TTL.AccessToken)),
      ClientCredentials: resourceTokenTtl(TOKEN_TTL.ClientCredentials),
      AuthorizationCode: capAtAccessEnd(deps.users, TOKEN_TTL.AuthorizationCode),
      IdToken: capAtAccessEnd(deps.users, TOKEN_TTL.IdToken),
      RefreshToken: capAtAccessEnd(deps.users, TOKEN_TTL.RefreshToken),
      Grant: capAtAccessEnd(deps.users, TOKEN_TTL.Grant),
      Interaction: interactionTtl,
      Session: capAtAccessEnd(deps.users, sessionTtl),
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
    },
  });
  provider.proxy = config.server.trustProxy;
  return provider;
}

/**
 * A session nobody signed in to holds only the state of a logout request (GET /session/end from
 * any browser stores one): it lives as long as an untouched interaction, not 14 days.
 */
function sessionTtl(_ctx: unknown, session: { accountId?: string }): number {
  return session.accountId ? TOKEN_TTL.Session : UNTOUCHED_INTERACTION_TTL;
}

/** What the token hooks look at. */
interface TokenFacts {
  kind: string;
  clientId?: string;
  accountId?: string;
  grantId?: string;
  resourceServer?: { audience?: string };
}

/**
 * The claims that say what kind of principal a token acts for (see extraTokenClaims), one frozen
 * object per app and one for users: callers copy them into the token (Object.assign or a spread).
 */
function tokenKinds(apps: { id: string; permissions: string[] }[]) {
  const user = Object.freeze({ idtyp: 'user' });
  const noRoles = Object.freeze({ idtyp: 'app', roles: Object.freeze([]) });
  const byApp = new Map(apps.map((a) => [a.id, Object.freeze({ idtyp: 'app', roles: Object.freeze([...a.permissions]) })]));
  return {
    of(token: TokenFacts): Readonly<Record<string, unknown>> | undefined {
      if (token.kind === 'ClientCredentials') return byApp.get(token.clientId ?? '') ?? noRoles;
      if (token.kind === 'AccessToken') return user;
      return undefined;
    },
  };
}

/**
 * A JWT is checked offline, so revoking its grant (code replay, refresh-token reuse, revocation)
 * could not reach it; naming the grant lets Foyer's own API check it is alive.
 */
function nameGrant(token: TokenFacts, payload: Record<string, unknown>): void {
  if (token.kind === 'AccessToken' && token.grantId) payload.gid = token.grantId;
}

function guardedFindAccount(find: ReturnType<typeof createFindAccount>): ReturnType<typeof createFindAccount> {
  return (ctx, sub, token) => guardStorage(() => find(ctx, sub, token));
}

type InitializeKeystore = (this: Provider, jwks: { keys: unknown[] }) => void;
let initializeKeystore: InitializeKeystore | undefined;

/**
 * Swaps the signing keys of a running provider (published JWKS, signing and verification) for
 * `jwks`, so a `foyer keys rotate` reaches running nodes without a restart.
 *
 * oidc-provider reads its keystore only at construction and has no public API to change it, so
 * this calls the same internal initializer the constructor calls (lib/helpers/initialize_keystore.js,
 * which validates every key and only then replaces the keystore and the published JWKS, so a bad
 * key leaves the old set in place). Every use of the keystore inside oidc-provider reads it per
 * request. Pinned by test/scale/key-rotation.test.ts: if an oidc-provider upgrade moves that file,
 * this throws and the node keeps its keys (the old, documented "restart the nodes" behaviour).
 */
export async function replaceSigningKeys(provider: Provider, jwks: KeyMaterial['jwks']): Promise<void> {
  if (!initializeKeystore) {
    const specifier = 'oidc-provider/lib/helpers/initialize_keystore.js';
    const mod = (await import(specifier)) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new Error('oidc-provider has no keystore initializer to reload keys with');
    initializeKeystore = mod.default as InitializeKeystore;
  }
  initializeKeystore.call(provider, { keys: jwks.map((k) => ({ ...k })) });
}
