import type { Context } from 'koa';

const COOKIE = 'foyer.redeem';
// One attempt: accepting the invitation, the redirect to the sign-in, and its first page.
const TTL_MS = 15 * 60 * 1000;

export interface RedemptionInProgress {
  invitationId: string;
  ticketHash: string;
  /**
   * The nonce of the one authorization request that accepting started (beginPortalSignIn). The
   * cookie is honoured only by that sign-in, so a later sign-in in this browser, to any app, is
   * never diverted into the invitation.
   */
  nonce: string;
}

/**
 * Carries "this browser accepted invitation X" from the redemption page into the sign-in
 * interaction it starts. Signed (the provider's cookie keys) and HttpOnly; it holds the ticket's
 * hash, which the database compares, never the ticket itself. It lives only for that attempt:
 * the sign-in clears it as it takes the redemption into its own state.
 */
export function setRedemptionCookie(ctx: Context, value: RedemptionInProgress, secure: boolean): void {
  ctx.cookies.set(COOKIE, `${value.invitationId}.${value.ticketHash}.${value.nonce}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    path: '/',
    expires: new Date(Date.now() + TTL_MS),
  });
}

export function readRedemptionCookie(ctx: Context): RedemptionInProgress | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  const match = raw ? /^([0-9a-f-]{36})\.([0-9a-f]{64})\.([A-Za-z0-9_-]{16,64})$/.exec(raw) : null;
  return match ? { invitationId: match[1]!, ticketHash: match[2]!, nonce: match[3]! } : undefined;
}

export function clearRedemptionCookie(ctx: Context, secure: boolean): void {
  ctx.cookies.set(COOKIE, null, { httpOnly: true, sameSite: 'lax', secure, signed: true, path: '/' });
}
