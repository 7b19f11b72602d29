import type { Context } from 'koa';

const COOKIE = 'foyer.redeem';
const TTL_MS = 60 * 60 * 1000;

export interface RedemptionInProgress {
  invitationId: string;
  ticketHash: string;
}

/**
 * Carries "this browser accepted invitation X" from the redemption page into the sign-in
 * interaction. Signed (the provider's cookie keys) and HttpOnly; it holds the ticket's hash, which
 * the database compares, never the ticket itself.
 */
export function setRedemptionCookie(ctx: Context, value: RedemptionInProgress, secure: boolean): void {
  ctx.cookies.set(COOKIE, `${value.invitationId}.${value.ticketHash}`, {
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
  const match = raw ? /^([0-9a-f-]{36})\.([0-9a-f]{64})$/.exec(raw) : null;
  return match ? { invitationId: match[1]!, ticketHash: match[2]! } : undefined;
}

export function clearRedemptionCookie(ctx: Context): void {
  ctx.cookies.set(COOKIE, null, { path: '/', signed: true });
}
