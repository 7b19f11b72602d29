import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from the node's clock (both ways: clocks drift). */
export const REQUEST_MAX_AGE_MS = 30_000;

const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** A reload request as published: who to answer, when it was made, and the HMAC over both. */
export interface SignedReloadRequest {
  id: string;
  at: number;
  sig: string;
}

export type RefusedReason = 'malformed' | 'unsigned' | 'badSignature' | 'stale' | 'replayed';

/**
 * The key reload requests are signed with, derived (HKDF) from a cookie secret the nodes share in
 * the database (signing_keys), so only someone who can read that table can make nodes reload. The
 * cookie secret itself signs cookies; this subkey signs nothing else.
 */
export function reloadRequestKey(cookieKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), 'foyer/config-reload-request/v1', 32));
}

function mac(key: Buffer, channel: string, id: string, at: number): Buffer {
  // The channel names the deployment: a request signed for one issuer is no request for another.
  return createHmac('sha256', key).update(`${channel}\n${id}\n${at}`).digest();
}

export function signReloadRequest(key: Buffer, channel: string, id: string, at: number): SignedReloadRequest {
  return { id, at, sig: mac(key, channel, id, at).toString('base64url') };
}

/**
 * Checks a published message against every current cookie secret (the newest signs; older ones
 * still verify while a rotation reaches every node and CLI). Replays are the caller's business:
 * this only says whether the message is well-formed, authentic and recent.
 */
export function verifyReloadRequest(message: string, opts: { channel: string; keys: Buffer[]; now: number }): { ok: true; id: string; at: number } | { ok: false; reason: RefusedReason } {
  let parsed: Partial<Record<keyof SignedReloadRequest, unknown>>;
  try {
    parsed = JSON.parse(message) as typeof parsed;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { id, at, sig } = parsed ?? {};
  if (typeof id !== 'string' || !REQUEST_ID.test(id)) return { ok: false, reason: 'malformed' };
  if (sig === undefined) return { ok: false, reason: 'unsigned' };
  if (typeof sig !== 'string' || !SIGNATURE.test(sig) || typeof at !== 'number' || !Number.isSafeInteger(at)) return { ok: false, reason: 'badSignature' };
  const sent = Buffer.from(sig, 'base64url');
  if (!opts.keys.some((key) => timingSafeEqual(mac(key, opts.channel, id, at), sent))) return { ok: false, reason: 'badSignature' };
  if (Math.abs(opts.now - at) > REQUEST_MAX_AGE_MS) return { ok: false, reason: 'stale' };
  return { ok: true, id, at };
}
