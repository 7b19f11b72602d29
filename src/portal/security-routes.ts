import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import { portalUser } from './portal-auth.js';
import { beginPortalSignIn } from './portal-sign-in-routes.js';
import { isFreshlyAuthenticated, type SecurityInfoService } from './security-info.js';
import { z } from 'zod';
import { readPortalSession } from './portal-session.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import { passkeyError } from '../passkeys/passkey-errors.js';
import { passkeyAnswer, passkeyName } from '../passkeys/passkey-input.js';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';

/** The acr that makes Foyer's mfa prompt ask for the second factor (the conditional access module's value). */
const ACR_MFA = 'urn:foyer:acr:mfa';

/** The notices after a post-redirect-get: the query names one, the page shows its message (locales/*.json). */
const NOTICES: Record<string, string> = {
  mfaReset: 'account.noticeMfaReset',
  passkeyAdded: 'account.noticePasskeyAdded',
  passkeyRemoved: 'account.noticePasskeyRemoved',
};

const passkeyId = z.uuid();

export interface SecurityDeps {
  mfa: SecurityInfoService;
  /** Passkeys (src/passkeys/): listed, added and removed here, each change after a fresh sign-in. */
  passkeys?: PasskeyService;
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
  const { mfa, passkeys } = deps;
  /** Any factor counts: a sign-in without one may not change factors (a stolen password must not replace them). */
  const hasFactor = async (userId: string) => (mfa.hasFactor ? mfa.hasFactor(userId) : (await mfa.status(userId)) === 'active');
  /** A My Apps passkey challenge belongs to one Foyer session of one user. */
  const scopeOf = async (ctx: Context, user: User) => `portal:${(await readPortalSession(ctx, deps.provider))?.sessionUid ?? 'none'}:${user.id}`;

  /** What the account page shows; undefined when MFA is not available on this deployment. */
  async function view(ctx: Context, user: User) {
    if (!mfa.available) return undefined;
    const status = await mfa.status(user.id);
    const factor = await hasFactor(user.id);
    const fresh = await isFreshlyAuthenticated(ctx, deps.provider, factor);
    const list = passkeys ? await passkeys.repository.listFor(user.id) : [];
    return {
      status,
      hasFactor: factor,
      recoveryCodes: factor ? await mfa.remainingRecoveryCodes(user.id) : 0,
      fresh,
      canRegenerate: typeof mfa.regenerateRecoveryCodes === 'function',
      passkeysEnabled: Boolean(passkeys),
      passkeys: list.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, synced: p.deviceType === 'multiDevice' })),
      addPasskey: passkeys && fresh ? { mode: 'register', action: '/myapps/account/security/passkeys', options: await passkeys.registrationOptions(await scopeOf(ctx, user), user), button: 'passkey.add', askName: true } : undefined,
    };
  }

  async function requireFresh(ctx: Context): Promise<User> {
    const user = portalUser(ctx);
    if (!mfa.available) throw new HttpError(404, 'mfaUnavailable', 'Multi-factor authentication is not set up on this service.');
    const active = await hasFactor(user.id);
    if (!(await isFreshlyAuthenticated(ctx, deps.provider, active))) {
      throw new HttpError(403, 'reauthenticationRequired', 'For your safety, sign in again before changing your security info: open Account and security and choose "Sign in again".');
    }
    return user;
  }

  /** GET: sign in again (with MFA when it is set up), then come back to the account page. */
  async function verify(ctx: Context): Promise<void> {
    const user = portalUser(ctx);
    const active = mfa.available && (await hasFactor(user.id));
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
    if (!mfa.regenerateRecoveryCodes || !(await hasFactor(user.id))) throw new HttpError(409, 'mfaNotActive', 'Recovery codes come with an authenticator app; set one up first.');
    const codes = await mfa.regenerateRecoveryCodes(user.id);
    await deps.audit.record({ category: 'UserManagement', activity: 'Regenerate recovery codes', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, correlationId: ctx.state.requestId });
    return codes;
  }

  /** POST: a new passkey, answering this session's challenge, after a fresh sign-in (with a factor when one is set up). */
  async function addPasskey(ctx: Context): Promise<void> {
    const user = await requireFresh(ctx);
    if (!passkeys) throw new HttpError(404, 'passkeysUnavailable', 'Passkeys are not available here.');
    const answer = passkeyAnswer<RegistrationResponseJSON>(ctx);
    const outcome = answer ? await passkeys.register(await scopeOf(ctx, user), user.id, answer, passkeyName(ctx)) : ({ ok: false, reason: 'responseInvalid' } as const);
    if (!outcome.ok) throw passkeyError(outcome.reason);
    await deps.audit.record({ category: 'UserManagement', activity: 'Add passkey', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, details: { passkeyId: outcome.value.id, name: outcome.value.name }, correlationId: ctx.state.requestId });
    ctx.status = 303;
    ctx.redirect('/myapps/account?notice=passkeyAdded');
  }

  /** POST: removes one of the caller's own passkeys, after a fresh sign-in with a factor. */
  async function removePasskey(ctx: Context): Promise<void> {
    const user = await requireFresh(ctx);
    const id = passkeyId.safeParse(ctx.params.id);
    if (!passkeys || !id.success || !(await passkeys.repository.remove(user.id, id.data))) {
      throw new HttpError(404, 'passkeyNotFound', 'That passkey is not one of yours, or it was already removed.');
    }
    await deps.audit.record({ category: 'UserManagement', activity: 'Remove passkey', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, details: { passkeyId: id.data }, correlationId: ctx.state.requestId });
    ctx.status = 303;
    ctx.redirect('/myapps/account?notice=passkeyRemoved');
  }

  return { view, verify, reset, regenerate, addPasskey, removePasskey, notice: (ctx: Context) => (typeof ctx.query.notice === 'string' && Object.hasOwn(NOTICES, ctx.query.notice) ? NOTICES[ctx.query.notice] : undefined) };
}

export type SecurityInfo = ReturnType<typeof securityInfo>;
