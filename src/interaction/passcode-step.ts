import type { Context } from 'koa';
import { z } from 'zod';
import type { PendingPasscode } from '../federation/email-passcode.js';
import { HttpError } from '../http/http-error.js';
import { FederationError } from '../federation/federation-error.js';
import type { InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney } from './journey-state.js';
import type { completeSignIn } from './complete-sign-in.js';

const codeInput = z.string().trim().regex(/^[0-9]{6,8}$/);

/**
 * Email one-time passcode: as a way to sign in for guests without an IdP, and as proof that a guest
 * owns the invited address when their IdP did not assert it as verified.
 */
export function passcodeStep(deps: JourneyDeps, completion: () => ReturnType<typeof completeSignIn>) {
  function service() {
    if (!deps.passcode) throw new HttpError(400, 'passcodeDisabled', 'Email passcodes are turned off here. Ask the person who invited you.');
    return deps.passcode;
  }

  async function show(ctx: Context, details: InteractionDetails, email: string, purpose: 'signIn' | 'proveInvitedAddress', error?: string, status = 200) {
    await deps.renderer.page(
      ctx,
      'passcode',
      {
        email,
        reason: purpose === 'signIn' ? 'To sign in, confirm that this email address is yours.' : 'Your account did not confirm the invited address, so we need to check that it is yours.',
        codeLength: deps.passcodeSettings.codeLength,
        minutes: Math.round(deps.passcodeSettings.ttlSeconds / 60),
        action: `/interaction/${details.uid}/passcode`,
        resendAction: `/interaction/${details.uid}/passcode/resend`,
        error,
      },
      status,
    );
  }

  async function send(ctx: Context, details: InteractionDetails, email: string, purpose: 'signIn' | 'proveInvitedAddress'): Promise<void> {
    const pending = await service().send({ email, ip: ctx.ip });
    await saveJourney(details, { ...journeyOf(details), passcode: { ...pending, purpose } });
    await show(ctx, details, pending.email, purpose);
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
    const code = codeInput.safeParse((ctx.request.body as Record<string, unknown> | undefined)?.code);
    if (!code.success) return show(ctx, details, pending.email, pending.purpose, 'Enter the code from the email: digits only.', 400);
    let otpIdentity;
    try {
      otpIdentity = await service().verify({ pending: pending as unknown as PendingPasscode, code: code.data, ip: ctx.ip });
    } catch (err) {
      if (err instanceof FederationError && (err.code === 'invalid_code' || err.code === 'code_expired')) {
        return show(ctx, details, pending.email, pending.purpose, err.message, 400);
      }
      throw err;
    }
    await saveJourney(details, { ...journey, passcode: undefined });
    if (pending.purpose === 'signIn') return completion().decideAndFinish(ctx, details, { ...journey, passcode: undefined }, otpIdentity);
    // Proof of the invited address: redeem with the upstream identity the guest signed in with.
    if (!journey.identity || !journey.redemption) throw new HttpError(400, 'noRedemptionPending', 'This code does not belong to an invitation in progress. Open the invitation link again.');
    return completion().redeem(ctx, details, journey.redemption, journey.identity, 'emailPasscode');
  }

  return { send, resend, verify };
}
