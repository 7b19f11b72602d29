/**
 * SAML single logout started at Foyer. When a guest signed in through a SAML IdP that has an
 * `sloUrl`, the NameID and SessionIndex of that sign-in are kept with the Foyer session (by its
 * uid, for the session's life). When the guest signs out at Foyer (RP-initiated logout, "Yes,
 * sign me out"), oidc-provider ends the session and would send the browser to the app's
 * post_logout_redirect_uri; this middleware sends it first to the IdP with a signed LogoutRequest,
 * and saml-logout.ts finishes at that same address once the IdP's signed LogoutResponse answers it.
 *
 * The Foyer session is already over before the browser leaves: an IdP that never answers leaves
 * the guest signed out here, never half signed in.
 */
import { randomBytes } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Connector, SamlSessionRef } from '../federation/connector.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { Logger } from '../logging/logger.js';
import type { FoyerAdapter } from '../provider/adapters/index.js';
import { onlyWhere } from '../http/only-where.js';
import { isAuthorizationPath, isEndSessionPath } from '../provider/protocol-paths.js';

/** The key a login result carries the SAML session under (see samlSessionResult). */
export const SAML_SESSION_RESULT_KEY = 'foyerSamlSession';
/** The oidc-provider adapter model the SAML sessions (by session uid) and pending logouts are kept under. */
export const SAML_SESSION_MODEL = 'FoyerSamlSession';
/** As long as a Foyer session can live (build-provider.ts's Session TTL). */
const SESSION_TTL_SECONDS = 14 * 24 * 3600;
/** How long Foyer waits for the IdP's LogoutResponse. */
const LOGOUT_TTL_SECONDS = 600;

export interface StoredSamlSession extends SamlSessionRef {
  idpId: string;
}

/** Where the browser goes once the IdP answered, kept under `logout:<idpId>:<LogoutRequest ID>`. */
export interface PendingSamlLogout {
  idpId: string;
  finishAt: string;
  relayState: string;
}

/** Added to the login result for a SAML identity whose IdP can end its own session. */
export function samlSessionResult(identity: UpstreamIdentity, connector: Connector | undefined): Record<string, StoredSamlSession> {
  if (!identity.samlSession || !connector?.startLogout) return {};
  return { [SAML_SESSION_RESULT_KEY]: { idpId: identity.idpId, nameId: identity.subject, ...identity.samlSession } };
}

export const pendingLogoutKey = (idpId: string, requestId: string) => `logout:${idpId}:${requestId}`;

export function samlSignOut(deps: { store: FoyerAdapter; connector: (idpId: string) => Connector | undefined; logger: Logger }): Middleware {
  const { store } = deps;
  // Only the resume (/auth/:uid) and the logout confirmation act here.
  const middleware = onlyWhere((ctx) => isAuthorizationPath(ctx.path) || isEndSessionPath(ctx.path), async (ctx: Context, next: Next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    if (!oidc?.session?.uid) return;
    if (oidc.route === 'resume') return keep(oidc);
    if (oidc.route === 'end_session_confirm' && oidc.params?.logout && ctx.status >= 300 && ctx.status < 400) return toIdp(ctx, oidc.session.uid);
  });
  return middleware;

  /**
   * A SAML login is kept for the session. Another login of the same account (the MFA step-up,
   * a passcode later) leaves the IdP's session as it was, so the record stays; another account's forgets it.
   */
  async function keep(oidc: KoaContextWithOIDC['oidc']): Promise<void> {
    const result = oidc.result as { login?: { accountId?: string } } & Record<string, unknown> | undefined;
    const accountId = result?.login?.accountId;
    if (!accountId) return;
    const saml = result[SAML_SESSION_RESULT_KEY] as StoredSamlSession | undefined;
    const key = `session:${oidc.session!.uid}`;
    if (saml) return void (await store.upsert(key, { ...saml, accountId }, SESSION_TTL_SECONDS));
    // A session this request created (the browser had none) has no record to forget: no read.
    if ((oidc.session as { new?: boolean }).new) return;
    const kept = (await store.find(key)) as { accountId?: string } | undefined;
    if (kept && kept.accountId !== accountId) await store.destroy(key);
  }

  async function toIdp(ctx: Context, sessionUid: string): Promise<void> {
    const key = `session:${sessionUid}`;
    const saml = (await store.find(key)) as StoredSamlSession | undefined;
    if (!saml) return;
    await store.destroy(key);
    const connector = deps.connector(saml.idpId);
    const finishAt = ctx.response.get('Location');
    if (!connector?.startLogout || !finishAt) return;
    const relayState = randomBytes(24).toString('base64url');
    try {
      const started = await connector.startLogout(saml, relayState);
      await store.upsert(pendingLogoutKey(saml.idpId, started.requestId), { idpId: saml.idpId, finishAt, relayState } satisfies PendingSamlLogout, LOGOUT_TTL_SECONDS);
      ctx.status = 303;
      ctx.redirect(started.redirectTo);
    } catch (err) {
      // The Foyer session is over either way; the guest still gets to the app, the IdP keeps its session.
      deps.logger.warn({ requestId: ctx.state.requestId, idpId: saml.idpId, err }, 'SAML logout request could not be sent to the IdP');
    }
  }
}
