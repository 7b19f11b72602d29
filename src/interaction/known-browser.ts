import { createHash } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'foyer.known';
const MAX_ENTRIES = 5;
const MAX_AGE_MS = 90 * 24 * 3600 * 1000;

/**
 * Which addresses have signed in with which IdP *in this browser*. Home-realm discovery follows an
 * address's linked IdPs only where this cookie remembers them, so typing someone's address on the
 * email page in another browser answers as for any address of that domain, and does not reveal that
 * the person is a guest here, nor their home organisation (an account-enumeration oracle). Elsewhere
 * the person proves the address first (email-authority.ts) and is then sent to their IdP.
 * Signed with the provider's cookie keys; holds hashes of addresses, never the addresses.
 */
export function rememberSignIn(ctx: Context, email: string, idpId: string, secure: boolean): void {
  const key = keyOf(email);
  const entries = [[key, idpId] as const, ...read(ctx).filter(([k, i]) => !(k === key && i === idpId))].slice(0, MAX_ENTRIES);
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(entries)).toString('base64url'), { httpOnly: true, sameSite: 'lax', secure, signed: true, path: '/', maxAge: MAX_AGE_MS });
}

/** The IdPs this browser signed in with for this address. */
export function rememberedIdps(ctx: Context, email: string): string[] {
  const key = keyOf(email);
  return read(ctx).filter(([k]) => k === key).map(([, idpId]) => idpId);
}

function read(ctx: Context): (readonly [string, string])[] {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') : [];
  } catch {
    return [];
  }
}

function keyOf(email: string): string {
  return createHash('sha256').update(`foyer-known\0${email.trim().toLowerCase()}`).digest('base64url').slice(0, 22);
}
