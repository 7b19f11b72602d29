import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Keeps `offline_access` in the request of a first-party app that asked for it.
 *
 * oidc-provider drops `offline_access` from an authorization request that does not also say
 * `prompt=consent` (OpenID Connect Core 11), because the user must agree to offline access. Foyer
 * gives first-party apps a refresh token without any consent screen anyway (issueRefreshToken), so
 * the drop only made the refresh token's scope miss what the app asked for: apps that send their
 * scope again on refresh (mod_auth_openidc sends its `OIDCScope`, "openid email offline_access")
 * were refused with `invalid_scope: refresh token missing requested scope`.
 *
 * The other reasons oidc-provider drops it still hold here: the app must be allowed the
 * refresh_token grant and use a response type with a code. Third-party apps are left alone: for
 * them `offline_access` still needs `prompt=consent` and the consent screen.
 *
 * Runs as an `extraParams` validator, oidc-provider's hook that runs right after its scope check
 * on the authorization and pushed-authorization routes.
 */
export function createFirstPartyOfflineAccess(firstParty: ReadonlySet<string>) {
  return function keepFirstPartyOfflineAccess(ctx: KoaContextWithOIDC): void {
    const { oidc } = ctx;
    const client = oidc.client;
    if (!client || !firstParty.has(client.clientId) || !client.grantTypeAllowed('refresh_token')) return;
    if (oidc.route !== 'authorization' && oidc.route !== 'pushed_authorization_request') return;
    const responseType = oidc.params?.response_type as string | undefined;
    if (!responseType?.split(' ').includes('code')) return;
    if (!requestedScope(ctx).includes('offline_access')) return;
    const scopes = ((oidc.params!.scope as string | undefined) ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('offline_access')) oidc.params!.scope = [...scopes, 'offline_access'].join(' ');
  };
}

/** The scope the app sent, before oidc-provider's scope check changed it. */
function requestedScope(ctx: KoaContextWithOIDC): string[] {
  const { oidc } = ctx;
  // A pushed request comes back by request_uri as an (unsecured) request object holding the
  // params as they were pushed (offline_access already kept there by this same check).
  const pushed = (oidc.entities as { PushedAuthorizationRequest?: { request?: string } }).PushedAuthorizationRequest;
  const request = pushed?.request ?? (oidc.params?.request as string | undefined);
  if (request) {
    try {
      const scope = decodeJwt(request).scope;
      return typeof scope === 'string' ? scope.split(' ') : [];
    } catch {
      return [];
    }
  }
  const raw = ctx.method === 'POST' ? (oidc.body as Record<string, unknown> | undefined)?.scope : ctx.query.scope;
  return typeof raw === 'string' ? raw.split(' ') : [];
}
