import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../directory/password-hash.js';
import { accountRefusal } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import type { Throttle } from '../http/throttle.js';
import type { Logger } from '../logging/logger.js';
import { clientName, finishInteraction, loadInteraction, requirePrompt } from './interaction-context.js';
import { signInFacts } from '../access/sign-in-facts.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import { LOCAL_IDP_ID } from '../config/policies-schema.js';
import type { PasswordlessLogin } from '../passkeys/passwordless-login.js';
import { keepSignInLanguage } from './sign-in-language.js';

const loginForm = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
});

export interface PasswordLoginDeps {
  provider: Provider;
  users: UsersRepository;
  renderer: PageRenderer;
  logger: Logger;
  /** Failures per (address, IP): one client guessing at one account. */
  perAccount: Throttle;
  /** Failures per address from any IP: guesses at one account from ever new client addresses. */
  perAccountAnywhere: Throttle;
  perIp: Throttle;
  /** The "Forgot your password?" link (undefined: password reset is off). */
  forgotPasswordUrl?: string;
  /** Whether a local password may be used for this address (members through the host's IdP: break-glass admins only). */
  passwordAllowed?: (email: string) => boolean;
  /** The sign-in log, for failed attempts (successes are logged when the authorization completes). */
  signIns?: SignInRecorder;
  /** Members' passwordless sign-in, offered beside the password. */
  passwordless?: PasswordlessLogin;
}

export const AMR_PASSWORD = ['pwd'];
export const ACR_PASSWORD = 'urn:foyer:acr:password';

/** Members of the host organisation sign in with a local password; guests never have one. */
export function passwordLogin(deps: PasswordLoginDeps) {
  const { provider, users, renderer } = deps;

  async function showForm(ctx: Context, uid: string, extra: { error?: string; email?: string; status?: number } = {}) {
    const details = await loadInteraction(provider, ctx);
    await renderer.page(
      ctx,
      'login',
      {
        appName: await clientName(provider, details),
        action: `/interaction/${uid}/login`,
        abortUrl: `/interaction/${uid}/abort`,
        email: extra.email ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
        error: extra.error,
        passkey: await deps.passwordless?.option(details),
        forgotPasswordUrl: deps.forgotPasswordUrl,
      },
      extra.status ?? 200,
    );
  }

  async function submit(ctx: Context): Promise<void> {
    const uid = ctx.params.uid!;
    const details = await loadInteraction(provider, ctx);
    requirePrompt(details, 'login');
    const parsed = loginForm.safeParse(ctx.request.body);
    const email = parsed.success ? parsed.data.email : '';
    if (!parsed.success || !email || !parsed.data.password) {
      return showForm(ctx, uid, { email, error: deps.renderer.translator(ctx).t('password.missing'), status: 400 });
    }
    const address = email.toLowerCase();
    const accountKey = `${address}|${ctx.ip}`;
    const wait = Math.max(await deps.perAccount.check(accountKey), await deps.perIp.check(ctx.ip));
    if (wait > 0) return refuseLocked(ctx, uid, email, wait, 'password.lockedNetwork');
    // Checked before the password, for every typed address, known or not: the same answer for an
    // unknown address, and a lucky guess after the budget is spent signs nobody in.
    const accountWait = await deps.perAccountAnywhere.check(address);
    if (accountWait > 0) {
      return refuseLocked(ctx, uid, email, accountWait, 'password.lockedAccount');
    }

    const found = await users.findByEmail(email);
    // Local passwords switched off: answered exactly as a wrong password, so nothing is revealed.
    const user = found && (found.userType !== 'Member' || (deps.passwordAllowed?.(found.mail) ?? true)) ? found : undefined;
    const hash = user ? await users.passwordHashFor(user.id) : null;
    const ok = hash ? await verifyPassword(parsed.data.password, hash) : (await burnPasswordCheck(parsed.data.password), false);
    if (!ok || !user) {
      await Promise.all([deps.perAccount.fail(accountKey), deps.perAccountAnywhere.fail(address), deps.perIp.fail(ctx.ip)]);
      deps.logger.info({ requestId: ctx.state.requestId, reason: 'bad_credentials' }, 'password sign-in failed');
      await deps.signIns?.failure(ctx, { userId: user?.id, userPrincipalName: email, identityProvider: LOCAL_IDP_ID, errorCode: 'invalidCredentials', failureReason: 'Invalid email address or password' });
      return showForm(ctx, uid, { email, status: 401, error: deps.renderer.translator(ctx).t('password.wrong') });
    }
    const refusal = accountRefusal(user, users.clock.now());
    if (refusal) {
      await deps.signIns?.failure(ctx, { userId: user.id, identityProvider: LOCAL_IDP_ID, errorCode: refusal, failureReason: refusal === 'accessExpired' ? 'The access has ended' : 'The account is disabled' });
      return showForm(ctx, uid, { email, status: 403, error: deps.renderer.translator(ctx).t('password.disabled') });
    }
    await deps.perAccount.reset(accountKey);
    // A hash from an older scheme or cost is replaced while the password is in hand (the only time it is).
    if (hash && needsRehash(hash)) await users.setPasswordHash(user.id, await hashPassword(parsed.data.password));
    await Promise.all([users.recordSignIn(user.id), keepSignInLanguage(ctx, { users, languages: renderer.languages }, user)]);
    await finishInteraction(details, ctx, {
      login: { accountId: user.id, amr: AMR_PASSWORD, acr: ACR_PASSWORD, remember: true },
      ...signInFacts(LOCAL_IDP_ID, undefined, ['password']),
    });
  }

  async function refuseLocked(ctx: Context, uid: string, email: string, wait: number, errorKey: string): Promise<void> {
    ctx.set('Retry-After', String(wait));
    await deps.signIns?.failure(ctx, { userPrincipalName: email, identityProvider: LOCAL_IDP_ID, errorCode: 'accountLocked', failureReason: 'Too many failed password attempts' });
    return showForm(ctx, uid, { email, status: 429, error: deps.renderer.translator(ctx).t(errorKey, { minutes: Math.ceil(wait / 60) }) });
  }

  return { showForm, submit };
}
