import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { lazyModule } from '../lib/lazy-module.js';
import { z } from 'zod';
import type { AccessEngine } from '../access/access-engine.js';
import { finishAccessStep } from '../access/finish-access-step.js';
import { signInFacts } from '../access/sign-in-facts.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { MfaMethod } from '../audit/sign-in-log.js';
import { accessExpired, accountRefusal } from '../directory/account-usable.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { pageMessage } from '../i18n/page-message.js';
import type { PageRenderer } from '../http/render.js';
import { ACR_MFA } from '../access/acr.js';
import { promptDetails } from '../access/finish-access-step.js';
import { firstFactorOf, withMethods, type AuthMethod, type SecondFactor } from '../strengths/authentication-methods.js';
import { planSecondFactor, factorMeets, type SecondFactorPlan } from '../strengths/second-factor-plan.js';
import { strongestAcr, type StrengthCatalog } from '../strengths/strength-catalog.js';
import { clientName, type InteractionDetails } from '../interaction/interaction-context.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import { passkeyAmr } from '../passkeys/passkey-service.js';
import { PASSKEY_REFUSALS } from '../passkeys/passkey-errors.js';
import { passkeyAnswer, passkeyName } from '../passkeys/passkey-input.js';
import type { CodeCheck, MfaService } from './mfa-service.js';
import { strengthPages } from './strength-pages.js';
import { formatManualKey } from './totp.js';

/** The QR code library (and its PNG encoder) loads at the first TOTP enrolment, not at start (issue 20). */
const qrCodes = lazyModule(async () => (await import('qrcode')).default);

const totpCode = z
  .string()
  .transform((s) => s.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/));
const recoveryInput = z.string().trim().min(1).max(32);

/** Kept in the Interaction between confirming enrolment and continuing past the recovery codes. */
const VERIFIED_KEY = 'foyerMfa';
/** Kept in the Interaction: the sealed key this sign-in's enrolment page shows, the only one it can confirm. */
const ENROLMENT_KEY = 'foyerMfaEnrolment';
/** Kept in the Interaction: a held factor this sign-in proved that falls short of the required strength (it opens registering a passkey). */
const PROOF_KEY = 'foyerMfaProof';

interface PageExtra {
  error?: string;
  recoveryError?: string;
  status?: number;
}

/**
 * The MFA step of the mfa prompt: enrol TOTP on first use (QR code, manual key, confirm with a
 * code, then the recovery codes once), or verify a TOTP or recovery code. Success resubmits the
 * login with amr + otp/mfa, the session's methods and the acr of the strongest strength they meet.
 *
 * When authentication strengths are required (src/strengths/second-factor-plan.ts), only factors
 * that meet them are offered and accepted; a user whose factors all fall short (TOTP, when a
 * phishing-resistant strength is required) proves one and then registers a passkey, and a user
 * with no way to meet them gets a page that says what to do instead.
 */
export function mfaStep(deps: {
  provider: Provider;
  mfa: MfaService;
  users: UsersRepository;
  engine: AccessEngine;
  renderer: PageRenderer;
  signIns: SignInRecorder;
  /** Passkeys as a second factor (src/passkeys/); without them TOTP is the only one. */
  passkeys?: PasskeyService;
  /** Authentication strengths (src/strengths/). */
  strengths: StrengthCatalog;
  /** A passkey added during a sign-in is audited like one added in My Apps. */
  audit: AuditLog;
}) {
  const { provider, mfa, renderer } = deps;
  const pages = strengthPages({ renderer, strengths: deps.strengths, passkeys: deps.passkeys, scopeOf });

  async function userOf(details: InteractionDetails): Promise<User> {
    const accountId = details.session?.accountId;
    const user = accountId ? await deps.users.findById(accountId) : undefined;
    const refusal = user ? accountRefusal(user, deps.users.clock.now()) : 'accountDisabled';
    if (refusal === 'accessExpired') throw accessExpired();
    if (!user || refusal) throw new HttpError(403, 'accountDisabled', 'Your account is disabled here. Ask the person who shares the app with you.');
    if (!mfa.available) throw new HttpError(503, 'mfaUnavailable', 'Multi-factor authentication is not set up on this server yet. Tell the administrator: mfa.encryptionKey is missing.');
    return user;
  }

  async function show(ctx: Context, details: InteractionDetails, extra: PageExtra = {}): Promise<void> {
    const user = await userOf(details);
    const common = { appName: await clientName(provider, details), userEmail: user.mail, abortUrl: `/interaction/${details.uid}/abort`, ...extra };
    const { plan, held, required } = await planOf(details, user);
    if (plan.kind === 'unavailable') return pages.unavailable(ctx, common, required);
    if (plan.kind === 'proveThenRegister' && proofOf(details)) return pages.registerPasskey(ctx, details, user, common, required, Boolean(proofOf(details)));
    const offered = (f: SecondFactor) => plan.kind === 'any' || (plan.kind === 'verify' && plan.offer.includes(f)) || (plan.kind === 'proveThenRegister' && plan.prove.includes(f));
    if (plan.kind !== 'enrol' && (held.totp || held.passkeys > 0)) {
      const totp = held.totp && offered('totp');
      const passkey = held.passkeys > 0 && offered('passkey') ? { mode: 'authenticate', action: `/interaction/${details.uid}/mfa/passkey`, options: await deps.passkeys!.authenticationOptions(scopeOf(details), user.id), button: 'passkey.useYours', secondary: totp } : undefined;
      const tr = renderer.translator(ctx);
      const strengthNote = plan.kind === 'any' ? undefined : tr.t(plan.kind === 'proveThenRegister' ? 'strength.noteProveThenRegister' : 'strength.noteVerify', { strength: pages.names(required, tr) });
      return renderer.page(ctx, 'mfa-verify', { ...common, totp, passkey, strengthNote, recovery: offered('recoveryCode'), action: `/interaction/${details.uid}/mfa/verify`, recoveryAction: `/interaction/${details.uid}/mfa/recovery` }, extra.status ?? 200);
    }
    if (plan.kind === 'enrol' && !plan.offer.includes('totp')) return pages.registerPasskey(ctx, details, user, common, required, Boolean(proofOf(details)));
    const passkey = deps.passkeys
      ? { mode: 'register', action: `/interaction/${details.uid}/mfa/passkey/register`, options: await deps.passkeys.registrationOptions(scopeOf(details), user), button: 'passkey.create', askName: true, secondary: true }
      : undefined;
    // The same key on every showing of this sign-in's page (a scanned QR code keeps working), a new one for a new sign-in.
    const sealed = enrolmentOf(details);
    const { secret, uri } = sealed ? mfa.openEnrolment(user, sealed) : await startEnrolment(details, user);
    const qrDataUrl = await (await qrCodes()).toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
    await renderer.page(ctx, 'mfa-enrol', { ...common, qrDataUrl, otpauthUri: uri, manualKey: formatManualKey(secret), passkey, action: `/interaction/${details.uid}/mfa/enrol` }, extra.status ?? 200);
  }

  async function enrol(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = await userOf(details);
    // Only the key this sign-in's page showed can be confirmed, and only while no factor is active.
    const sealed = enrolmentOf(details);
    if (!sealed || (await mfa.status(user.id)) === 'active') {
      throw new HttpError(400, 'noEnrolmentPending', 'There is no authenticator set-up waiting to be confirmed. Go back to the app and sign in again.');
    }
    await requireMeets(details, user, 'totp');
    const code = totpCode.safeParse(field(ctx, 'code'));
    if (!code.success) return show(ctx, details, { error: renderer.translator(ctx).t('mfaVerify.enterCode'), status: 400 });
    if ((deps.passkeys ? await deps.passkeys.repository.countFor(user.id) : 0) > 0) {
      throw new HttpError(400, 'noEnrolmentPending', 'There is no authenticator set-up waiting to be confirmed. Go back to the app and sign in again.');
    }
    const outcome = await mfa.confirmEnrolment(user.id, code.data, sealed);
    if (!outcome.ok || !outcome.recoveryCodes) return refused(ctx, details, user, outcome.ok ? { ok: false, reason: 'invalid' } : outcome, 'totp');
    // Verified now; the login is resubmitted only after the codes were shown, from /mfa/continue.
    await remember(details, VERIFIED_KEY, { verified: 'totp' });
    await renderer.page(ctx, 'mfa-recovery-codes', { codes: outcome.recoveryCodes, action: `/interaction/${details.uid}/mfa/continue` });
  }

  async function continueAfterEnrolment(ctx: Context, details: InteractionDetails): Promise<void> {
    const state = (details.result as Record<string, { verified?: MfaMethod; amr?: string[] }> | undefined)?.[VERIFIED_KEY];
    if (state?.verified === 'totp') return complete(ctx, details, 'totp', ['otp'], ['totp']);
    if (state?.verified === 'passkey' && Array.isArray(state.amr)) return complete(ctx, details, 'passkey', state.amr.map(String), ['passkey']);
    throw new HttpError(400, 'mfaNotCompleted', 'Set up your authenticator app and enter a code first.');
  }

  /** A passkey as the second step: only one of this user's passkeys, answering this sign-in's challenge. */
  async function passkey(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = await userOf(details);
    if (!deps.passkeys) throw new HttpError(404, 'passkeysUnavailable', 'Passkeys are not available here.');
    await requireMeets(details, user, 'passkey');
    const answer = passkeyAnswer<AuthenticationResponseJSON>(ctx);
    const outcome = answer ? await deps.passkeys.authenticate(scopeOf(details), answer, user.id) : ({ ok: false, reason: 'responseInvalid' } as const);
    if (!outcome.ok) return passkeyRefused(ctx, details, user, outcome.reason);
    return complete(ctx, details, 'passkey', passkeyAmr(outcome.value), ['passkey']);
  }

  /** A passkey as the first second factor (only while the user has none): then recovery codes, as for TOTP. */
  async function passkeyRegister(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = await userOf(details);
    if (!deps.passkeys) throw new HttpError(404, 'passkeysUnavailable', 'Passkeys are not available here.');
    // A user who holds a factor registers a passkey here only after proving it in this very sign-in,
    // and only because a required strength needs a passkey (everyone else adds them in My Apps).
    const { plan } = await planOf(details, user);
    const proof = plan.kind === 'proveThenRegister' ? proofOf(details) : undefined;
    if (!proof) await requireMeets(details, user, 'passkey');
    if (!proof && ((await mfa.status(user.id)) === 'active' || (await deps.passkeys.repository.countFor(user.id)) > 0)) {
      throw new HttpError(400, 'noEnrolmentPending', 'A second factor is already set up: use it. Add more passkeys from My Apps, Account and security.');
    }
    const answer = passkeyAnswer<RegistrationResponseJSON>(ctx);
    const outcome = answer ? await deps.passkeys.register(scopeOf(details), user.id, answer, passkeyName(ctx)) : ({ ok: false, reason: 'responseInvalid' } as const);
    if (!outcome.ok) return passkeyRefused(ctx, details, user, outcome.reason);
    await deps.audit.record({ category: 'UserManagement', activity: 'Add passkey', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, details: { passkeyId: outcome.value.id, name: outcome.value.name, during: 'sign-in', provedWith: proof ?? null }, correlationId: ctx.state.requestId });
    // Recovery codes were issued with the factor already held.
    if (proof) return complete(ctx, details, 'passkey', passkeyAmr(outcome.value), [proof, 'passkey']);
    const codes = await mfa.issueRecoveryCodes(user.id);
    await remember(details, VERIFIED_KEY, { verified: 'passkey', amr: passkeyAmr(outcome.value) });
    await renderer.page(ctx, 'mfa-recovery-codes', { codes, passkeyFactor: true, action: `/interaction/${details.uid}/mfa/continue` });
  }

  async function passkeyRefused(ctx: Context, details: InteractionDetails, user: User, reason: keyof typeof PASSKEY_REFUSALS): Promise<void> {
    const facts = await deps.engine.factsForSession(details.session?.uid, user.id);
    const { code, message } = PASSKEY_REFUSALS[reason];
    await deps.signIns.failure(ctx, { userId: user.id, identityProvider: facts.identityProvider, errorCode: code, failureReason: message, mfaMethod: 'passkey' });
    return show(ctx, details, { error: pageMessage(renderer.translator(ctx), { code, message }), status: 400 });
  }

  async function verify(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = await userOf(details);
    const meets = await requireMeets(details, user, 'totp');
    const code = totpCode.safeParse(field(ctx, 'code'));
    if (!code.success) return show(ctx, details, { error: renderer.translator(ctx).t('mfaVerify.enterCode'), status: 400 });
    const outcome = await mfa.verifyTotp(user.id, code.data);
    if (!outcome.ok) return refused(ctx, details, user, outcome, 'totp');
    if (!meets) return proved(ctx, details, 'totp');
    return complete(ctx, details, 'totp', ['otp'], ['totp']);
  }

  async function recovery(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = await userOf(details);
    const meets = await requireMeets(details, user, 'recoveryCode');
    const input = recoveryInput.safeParse(field(ctx, 'recoveryCode'));
    if (!input.success) return show(ctx, details, { recoveryError: renderer.translator(ctx).t('mfaVerify.enterRecoveryCode'), status: 400 });
    const outcome = await mfa.useRecoveryCode(user.id, input.data);
    if (!outcome.ok) return refused(ctx, details, user, outcome, 'recoveryCode');
    if (!meets) return proved(ctx, details, 'recoveryCode');
    return complete(ctx, details, 'recoveryCode', [], ['recoveryCode']);
  }

  async function refused(ctx: Context, details: InteractionDetails, user: User, outcome: Exclude<CodeCheck, { ok: true }>, method: MfaMethod): Promise<void> {
    const facts = await deps.engine.factsForSession(details.session?.uid, user.id);
    const { code, message, status } = describe(outcome, method);
    await deps.signIns.failure(ctx, { userId: user.id, identityProvider: facts.identityProvider, errorCode: code, failureReason: message, mfaMethod: method });
    if (outcome.retryAfterSeconds) ctx.set('Retry-After', String(outcome.retryAfterSeconds));
    const shown = pageMessage(renderer.translator(ctx), { code, message }, { minutes: lockMinutes(outcome) });
    return show(ctx, details, method === 'recoveryCode' && outcome.reason !== 'locked' ? { recoveryError: shown, status } : { error: shown, status });
  }

  async function complete(ctx: Context, details: InteractionDetails, method: MfaMethod, methodAmr: string[], added: SecondFactor[]): Promise<void> {
    const session = details.session!;
    const facts = await deps.engine.factsForSession(session.uid, session.accountId);
    const amr = [...new Set([...(session.amr ?? []), ...methodAmr, 'mfa'])];
    const methods = withMethods(sessionMethods(details, facts), ...added);
    await finishAccessStep(provider, ctx, {
      login: { accountId: session.accountId, amr, acr: strongestAcr(methods) ?? ACR_MFA, remember: true },
      ...signInFacts(facts.identityProvider, method, methods),
    });
  }

  /** What the session did before this step: its recorded methods, or for an older session its first factor. */
  function sessionMethods(details: InteractionDetails, facts: { identityProvider?: string; methods?: AuthMethod[] }): AuthMethod[] {
    return facts.methods ?? firstFactorOf(facts.identityProvider, details.session?.amr ?? []);
  }

  async function planOf(details: InteractionDetails, user: User): Promise<{ plan: SecondFactorPlan; held: { totp: boolean; passkeys: number; passkeysAvailable: boolean }; required: string[]; methods: AuthMethod[] }> {
    const required = promptDetails(details).authenticationStrengths;
    const facts = await deps.engine.factsForSession(details.session?.uid, user.id);
    const methods = sessionMethods(details, facts);
    const held = { totp: (await mfa.status(user.id)) === 'active', passkeys: deps.passkeys ? await deps.passkeys.repository.countFor(user.id) : 0, passkeysAvailable: Boolean(deps.passkeys) };
    return { plan: planSecondFactor(deps.strengths, required, methods, held), held, required, methods };
  }

  /**
   * Before a code is even checked: a factor that cannot meet the required strengths, and does not
   * lead to registering a passkey either, is refused (400) and its code left unused. Returns whether
   * the factor meets them alone.
   */
  async function requireMeets(details: InteractionDetails, user: User, factor: SecondFactor): Promise<boolean> {
    const { plan, required, methods } = await planOf(details, user);
    if (plan.kind === 'any' || factorMeets(deps.strengths, required, methods, factor)) return true;
    if (plan.kind === 'proveThenRegister' && plan.prove.includes(factor) && !proofOf(details)) return false;
    throw new HttpError(400, 'authenticationStrengthNotMet', `${pages.names(required)} is required here, and ${factor === 'totp' ? 'an authenticator app code' : factor === 'recoveryCode' ? 'a recovery code' : 'this method'} does not meet it. Use a passkey.`);
  }

  /** A held factor proved that falls short alone: remembered for this sign-in, which goes on to register a passkey. */
  async function proved(ctx: Context, details: InteractionDetails, factor: SecondFactor): Promise<void> {
    await remember(details, PROOF_KEY, { factor });
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  }

  function proofOf(details: InteractionDetails): SecondFactor | undefined {
    const factor = (details.result as Record<string, { factor?: unknown }> | undefined)?.[PROOF_KEY]?.factor;
    return factor === 'totp' || factor === 'recoveryCode' ? factor : undefined;
  }

  async function startEnrolment(details: InteractionDetails, user: User): Promise<{ secret: string; uri: string }> {
    const started = mfa.newEnrolment(user);
    await remember(details, ENROLMENT_KEY, { sealed: started.sealed });
    return started;
  }

  /** Saves step state in this interaction's result, and in `details`, which the rest of this request reads. */
  async function remember(details: InteractionDetails, key: string, value: Record<string, unknown>): Promise<void> {
    const interaction = await provider.Interaction.find(details.uid);
    if (!interaction) throw new HttpError(400, 'interactionExpired', 'This sign-in page has expired. Go back to the app and start signing in again.');
    interaction.result = { ...(interaction.result ?? {}), [key]: value };
    await interaction.persist();
    details.result = { ...(details.result ?? {}), [key]: value };
  }

  return { show, enrol, continueAfterEnrolment, verify, recovery, passkey, passkeyRegister };
}

/** A passkey challenge of the MFA step belongs to this one sign-in. */
const scopeOf = (details: InteractionDetails) => `mfa:${details.uid}`;

function enrolmentOf(details: InteractionDetails): string | undefined {
  const saved = (details.result as Record<string, { sealed?: unknown }> | undefined)?.[ENROLMENT_KEY]?.sealed;
  return typeof saved === 'string' ? saved : undefined;
}

function field(ctx: Context, name: string): unknown {
  return (ctx.request.body as Record<string, unknown> | undefined)?.[name];
}

function describe(outcome: Exclude<CodeCheck, { ok: true }>, method: MfaMethod): { code: string; message: string; status: number } {
  if (outcome.reason === 'locked') {
    const minutes = lockMinutes(outcome);
    return { code: 'mfaLockedOut', status: 429, message: `Too many wrong codes. For your security, wait ${minutes} minute${minutes === 1 ? '' : 's'} before trying again.` };
  }
  if (outcome.reason === 'reused') {
    return { code: 'mfaCodeReused', status: 400, message: 'That code was already used. Wait until your authenticator app shows a new code, then enter it.' };
  }
  if (method === 'recoveryCode') return { code: 'recoveryCodeInvalid', status: 400, message: 'That recovery code is not valid, or it was already used.' };
  return { code: 'mfaCodeInvalid', status: 400, message: 'That code is not right. Enter the code your authenticator app shows now (check that your phone’s clock is correct).' };
}

function lockMinutes(outcome: Exclude<CodeCheck, { ok: true }>): number {
  return Math.max(1, Math.ceil((outcome.retryAfterSeconds ?? 60) / 60));
}
