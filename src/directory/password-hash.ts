import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import argon2 from 'argon2';

/**
 * Members' passwords: argon2id with OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1),
 * about 25 ms of one core and 19 MiB per hash, on libuv's thread pool (not the event loop). At most
 * UV_THREADPOOL_SIZE hashes run at once (4 by default), so concurrent sign-ins hold at most
 * 4 × 19 MiB; the rest wait in the pool's queue. Stored in the PHC string format
 * (`$argon2id$v=19$m=19456,p=1,t=2$salt$hash`), so the cost can change without breaking old hashes:
 * needsRehash() says when a stored hash should be replaced at the next successful sign-in.
 *
 * Hashes written before (scrypt N=2^17, r=8, p=1: 128 MiB and ~0.3 s each, `scrypt$N$r$p$salt$hash`)
 * still verify, and are upgraded at the member's next sign-in.
 */
const ARGON2_COST = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize('NFKC'), ARGON2_COST);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored);
  if (!stored.startsWith('$argon2')) return false;
  try {
    return await argon2.verify(stored, password.normalize('NFKC'));
  } catch {
    return false; // a damaged stored hash signs nobody in
  }
}

/** Whether a hash that just verified should be replaced by one with today's scheme and cost. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    return argon2.needsRehash(stored, ARGON2_COST);
  } catch {
    return true;
  }
}

/** Spent on unknown accounts too, so response time does not reveal which emails exist. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-password');
  await verifyPassword(password, await dummyHash);
}

/** The earlier scheme, kept only to verify (then upgrade) hashes written before argon2id. */
function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$');
  if (!salt || !hash) return Promise.resolve(false);
  const expected = Buffer.from(hash, 'base64url');
  const opts: ScryptOptions = { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 };
  return new Promise((resolve) => {
    scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, opts, (err, key) =>
      resolve(!err && key.length === expected.length && timingSafeEqual(key, expected)),
    );
  });
}
