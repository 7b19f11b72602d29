import type { Middleware } from 'koa';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { AppConfig } from '../config/apps-schema.js';
import { accountUsable } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { ApiPrincipal } from './api-principal.js';
import { apiResource, type Permission } from './api-resource.js';

const unauthorized = (message: string) => new HttpError(401, 'InvalidAuthenticationToken', message);

export interface BearerAuthDeps {
  issuer: string;
  publicJwks: JSONWebKeySet;
  apps: AppConfig[];
  users: UsersRepository;
  /**
   * Whether the grant a user token was issued under still exists. oidc-provider revokes the grant
   * when a code is replayed, a rotated refresh token is reused or the app revokes a token, but a
   * JWT is checked offline and would outlive that by up to its lifetime. With this set, a user
   * token must name its grant (claim `gid`, added where tokens are issued) and the grant must live.
   */
  grantAlive?: (grantId: string) => Promise<boolean>;
  /** config.directoryRoles.allowGuests: otherwise a guest's roles (set in the database by hand, or before the switch went off) count for nothing. */
  guestRolesAllowed?: boolean;
}

/**
 * Verifies Foyer-issued JWT access tokens for the API (signature against Foyer's own public keys,
 * issuer, audience, expiry) and resolves the caller. A disabled or deleted user's token stops
 * working at once, even before it expires; with `grantAlive`, so does a token of a revoked grant.
 */
export function bearerAuth(deps: BearerAuthDeps): Middleware {
  const keys = createLocalJWKSet(deps.publicJwks);
  const audience = apiResource(deps.issuer);
  const apps = new Map(deps.apps.map((a) => [a.id, a]));
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) {
      ctx.set('WWW-Authenticate', `Bearer realm="foyer", resource="${audience}"`);
      throw unauthorized('Send an access token for this API in the Authorization header: "Bearer <token>".');
    }
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(match[1]!, keys, { issuer: deps.issuer, audience, algorithms: ['ES256', 'RS256'], typ: 'at+jwt' }));
    } catch {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw unauthorized(`The access token is invalid or expired. Request a new one with resource=${audience}.`);
    }
    const clientId = String(claims.client_id ?? '');
    const app = apps.get(clientId);
    if (!app) throw unauthorized('The token was issued to an app that is no longer registered.');
    const scopes = new Set(String(claims.scope ?? '').split(' ').filter(Boolean)) as Set<Permission>;
    let principal: ApiPrincipal;
    if (claims.idtyp === 'app') {
      principal = { kind: 'app', appId: app.id, displayName: app.displayName, permissions: new Set(app.permissions) };
    } else {
      const user = claims.sub ? await deps.users.findById(claims.sub) : undefined;
      if (!user || !accountUsable(user, deps.users.clock.now())) throw unauthorized('The signed-in user no longer exists, is disabled, or their access has ended.');
      if (deps.grantAlive && !(typeof claims.gid === 'string' && (await deps.grantAlive(claims.gid)))) {
        ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        throw unauthorized('The sign-in this token was issued for was revoked or has ended. Sign in again.');
      }
      principal = { kind: 'user', userId: user.id, displayName: user.displayName, userType: user.userType, roles: user.userType === 'Guest' && !deps.guestRolesAllowed ? [] : user.roles, scopes, appId: app.id };
    }
    ctx.state.principal = principal;
    await next();
  };
}
