import type { Context } from 'koa';
import { z } from 'zod';
import type { PendingPasscode } from '../federation/email-passcode.js';
import { HttpError } from '../http/http-error.js';
import { pageMessage } from '../i18n/page-message.js';
import { FederationError } from '../federation/federation-error.js';
import { bindToBrowser, isSameBrowser } from './browser-binding.js';
import { clientName, type InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney, type PasscodePurpose } from './journey-state.js';
import type { completeSignIn } from './complete-sign-in.js';
import { PASSCODE_IDP } from './home-realm-discovery.js';
import { refuseIfScreenedOut } from './upstream-sign-in.js';
import { passcodeLeadsSomewhere } from './passcode-recipient.js';

const codeInput = z.string().trim().regex(/^[0-9]{6,8}$/);

/** Why the page asks for a code (message keys, locales/*.json). */
const REASONS: Record<PasscodePurpose, string> = {
  signIn: 'passcode.reasonSignIn',
  proveInvitedAddress: 'passcode.reasonProveInvited',
};

/**
 * Email one-time passcode: as a way to sign in for guests without an IdP, and as proof that a guest
 * owns the invited address when their IdP is not authoritative for it. A code is mailed only from a
 * POST the person made (a cross-site GET, e.g. `/auth?login_hint=anyone@…`, gets a page with a
 * button instead), and the code only works in the browser that asked for it. No code is mailed to an
 * address that has no invitation and no account to sign in to (passcode-recipient.ts); the page
 * does not say so, so it cannot be used to learn who is a guest here.
 */
export function passcodeStep(deps: JourneyDeps, completion: () => ReturnType<typeof completeSignIn>) {
  function service() {
    if (!deps.passcode) throw new HttpError(400, 'passcodeDisabled', 'Email passcodes are turned off here. Ask the person who invited you.');
    return deps.passcode;
  }

  async function show(ctx: Context, details: InteractionDetails, email: string, purpose: PasscodePurpose, error?: string, status = 200) {
    await deps.renderer.page(
      ctx,
      'passcode',
      {
        email,
        reason: deps.renderer.translator(ctx).t(REASONS[purpose]),
        codeLength: deps.passcodeSettings.codeLength,
        minutes: Math.round(deps.passcodeSettings.ttlSeconds / 60),
        action: `/interaction/${details.uid}/passcode`,
        resendAction: `/interaction/${details.uid}/passcode/resend`,
        error,
      },
      status,
    );
  }

  /** Asks before mailing: remembers which address and why, so the POST that follows cannot choose another. */
  async function offer(ctx: Context, details: InteractionDetails, email: string, purpose: PasscodePurpose): Promise<void> {
    service();
    await saveJourney(details, { ...journeyOf(details), passcodeOffer: { email, purpose } });
    await deps.renderer.page(ctx, 'passcode-offer', {
      email,
      reason: deps.renderer.translator(ctx).t(REASONS[purpose]),
      codeLength: deps.passcodeSettings.codeLength,
      appName: await clientName(deps.provider, details),
      action: `/interaction/${details.uid}/passcode/send`,
      abortUrl: `/interaction/${details.uid}/abort`,
    });
  }

  /** Mails a code now if this request is the person's own POST; otherwise offers to. */
  async function send(ctx: Context, details: InteractionDetails, email: string, purpose: PasscodePurpose): Promise<void> {
    if (purpose === 'signIn') await refuseIfScreenedOut(ctx, deps, email, PASSCODE_IDP);
    if (ctx.method !== 'POST') return offer(ctx, details, email, purpose);
    // Proving an invited address always has an invitation behind it; signing in may not.
    const deliver = purpose !== 'signIn' || (await passcodeLeadsSomewhere(deps, email));
    const pending = await service().send({ email, ip: ctx.ip, deliver, lang: deps.renderer.translator(ctx).lang });
    const browser = bindToBrowser(ctx, deps.secureCookies);
    await saveJourney(details, { ...journeyOf(details), passcodeOffer: undefined, passcode: { ...pending, purpose, browser } });
    await show(ctx, details, pending.email, purpose);
  }

  async function sendOffered(ctx: Context, details: InteractionDetails): Promise<void> {
    const offered = journeyOf(details).passcodeOffer;
    if (!offered) throw new HttpError(400, 'noPasscodePending', 'There is no code to send. Start signing in again.');
    await send(ctx, details, offered.email, offered.purpose);
  }

  async function resend(ctx: Context, details: InteractionDetails): Promise<void> {
    const journey = journeyOf(details);
    if (!journey.passcode) throw new HttpError(400, 'noPasscodePending', 'There is no code to resend. Start signing in again.');
    await send(ctx, details, journey.passcode.email, journey.passcode.purpose);
  }

  async function verify(ctx: Context, details: InteractionDetails): Promise<void> {
    const journey = journeyOf(details);
    const pending = journey.passcode;
    if (!pending) throw new HttpError(400, 'noPasscodePending', 'There is no code waiting for this sign-in. Start signing in again.');
    if (!isSameBrowser(ctx, pending.browser, deps.secureCookies)) {
      throw new FederationError('browser_mismatch', 'This code was asked for in a different browser. Enter it in the browser where you asked for it.', { idpId: 'email-otp' });
    }
    const code = codeInput.safeParse((ctx.request.body as Record<string, unknown> | undefined)?.code);
    if (!code.success) return show(ctx, details, pending.email, pending.purpose, deps.renderer.translator(ctx).t('passcode.digitsOnly'), 400);
    let otpIdentity;
    try {
      otpIdentity = await service().verify({ pending: pending as unknown as PendingPasscode, code: code.data, ip: ctx.ip });
    } catch (err) {
      if (err instanceof FederationError && (err.code === 'invalid_code' || err.code === 'code_expired')) {
        return show(ctx, details, pending.email, pending.purpose, pageMessage(deps.renderer.translator(ctx), err), 400);
      }
      throw err;
    }
    const after = { ...journey, passcode: undefined };
    await saveJourney(details, after);
    if (pending.purpose === 'signIn') return completion().decideAndFinish(ctx, details, after, otpIdentity);
    // Proof of the invited address: redeem with the upstream identity the guest signed in with.
    if (!journey.identity || !journey.redemption) throw new HttpError(400, 'noRedemptionPending', 'This code does not belong to an invitation in progress. Open the invitation link again.');
    return completion().redeem(ctx, details, journey.redemption, journey.identity, { kind: 'emailPasscode', email: otpIdentity.email! });
  }

  return { send, sendOffered, resend, verify };
}
