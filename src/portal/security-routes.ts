import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import { portalUser } from './portal-auth.js';
import { beginPortalSignIn } from './portal-sign-in-routes.js';
import { isFreshlyAuthenticated, type SecurityInfoService } from './security-info.js';

/** The acr that makes Foyer's mfa prompt ask for the second factor (the conditional access module's value). */
const ACR_MFA = 'urn:foyer:acr:mfa';

const NOTICES: Record<string, string> = {
  mfaReset: 'Your authenticator app was removed. You will set one up again the next time an app asks for it.',
};

export interface SecurityDeps {
  mfa: SecurityInfoService;
  provider: Provider;
  issuer: string;
  secureCookies: boolean;
  audit: AuditLog;
  renderer: PageRenderer;
}

/**
 * Security info on My Apps (Entra's "Security info"): whether the authenticator app is set up,
 * how many recovery codes are left, and, after signing in again (with MFA when it is set up),
 * removing the authenticator or replacing the recovery codes.
 */
export function securityInfo(deps: SecurityDeps) {
  const { mfa } = deps;

  /** What the account page shows; undefined when MFA is not available on this deployment. */
  async function view(ctx: Context, user: User) {
    if (!mfa.available) return undefined;
    const status = await mfa.status(user.id);
    return {
      status,
      recoveryCodes: status === 'active' ? await mfa.remainingRecoveryCodes(user.id) : 0,
      fresh: await isFreshlyAuthenticated(ctx, deps.provider, status === 'active'),
      canRegenerate: typeof mfa.regenerateRecoveryCodes === 'function',
    };
  }

  async function requireFresh(ctx: Context): Promise<User> {
    const user = portalUser(ctx);
    if (!mfa.available) throw new HttpError(404, 'mfaUnavailable', 'Multi-factor authentication is not set up on this service.');
    const active = (await mfa.status(user.id)) === 'active';
    if (!(await isFreshlyAuthenticated(ctx, deps.provider, active))) {
      throw new HttpError(403, 'reauthenticationRequired', 'For your safety, sign in again before changing your security info: open Account and security and choose "Sign in again".');
    }
    return user;
  }

  /** GET: sign in again (with MFA when it is set up), then come back to the account page. */
  async function verify(ctx: Context): Promise<void> {
    const user = portalUser(ctx);
    const active = mfa.available && (await mfa.status(user.id)) === 'active';
    ctx.redirect(beginPortalSignIn(ctx, { issuer: deps.issuer, returnTo: '/myapps/account', loginHint: user.mail, secureCookies: deps.secureCookies, reauthenticate: { acrValues: active ? ACR_MFA : undefined } }));
  }

  /** POST: removes the authenticator app and its recovery codes. */
  async function reset(ctx: Context): Promise<void> {
    const user = await requireFresh(ctx);
    const removed = await mfa.reset(user.id);
    await deps.audit.record({ category: 'UserManagement', activity: 'Reset MFA', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, details: { selfService: true, removed }, correlationId: ctx.state.requestId });
    ctx.status = 303;
    ctx.redirect('/myapps/account?notice=mfaReset');
  }

  /** POST: new recovery codes, for the caller to show once (never in a URL, never stored in plain text). */
  async function regenerate(ctx: Context): Promise<string[]> {
    const user = await requireFresh(ctx);
    if (!mfa.regenerateRecoveryCodes || (await mfa.status(user.id)) !== 'active') throw new HttpError(409, 'mfaNotActive', 'Recovery codes come with an authenticator app; set one up first.');
    const codes = await mfa.regenerateRecoveryCodes(user.id);
    await deps.audit.record({ category: 'UserManagement', activity: 'Regenerate recovery codes', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, correlationId: ctx.state.requestId });
    return codes;
  }

  return { view, verify, reset, regenerate, notice: (ctx: Context) => (typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined) };
}

export type SecurityInfo = ReturnType<typeof securityInfo>;
