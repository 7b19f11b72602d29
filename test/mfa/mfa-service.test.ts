import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { createThrottle } from '../../src/http/throttle.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { normalizeRecoveryCode } from '../../src/mfa/recovery-codes.js';

let dir: string;
let db: Database;
let users: UsersRepository;
const KEY = Buffer.alloc(32, 9);
const STEP = 30_000;
/** A fixed clock in the middle of a time step, so "now", "one step ago" and "two steps ahead" are exact. */
const T0 = Math.floor(Date.now() / STEP) * STEP + 10_000;
const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

function service(opts: { attempts?: number; lockoutSeconds?: number; now?: () => number } = {}) {
  return new MfaService({
    db,
    key: KEY,
    throttle: createThrottle({ name: `mfa-test-${randomUUID()}`, points: opts.attempts ?? 5, durationSeconds: opts.lockoutSeconds ?? 900 }),
    issuer: 'Contoso Test',
    now: opts.now ?? (() => T0),
  });
}

async function enrolled(svc: MfaService) {
  const user = await users.create({ mail: `${randomUUID()}@partner.example`, userType: 'Guest' });
  const { secret, uri } = await svc.pendingEnrolment(user);
  const confirmed = await svc.confirmEnrolment(user.id, await codeAt(secret, T0));
  expect(confirmed.ok).toBe(true);
  return { user, secret, uri, recoveryCodes: confirmed.recoveryCodes! };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-mfa-'));
  db = connectDatabase(`sqlite:${join(dir, 'mfa.sqlite')}`);
  await migrateLatest(db);
  users = new UsersRepository(db);
});
afterAll(async () => {
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('TOTP enrolment', () => {
  it('keeps one pending secret until confirmed, sealed in the database, and counts only after a correct code', async () => {
    const svc = service();
    const user = await users.create({ mail: 'enrol@partner.example', userType: 'Guest' });
    expect(await svc.status(user.id)).toBe('none');
    const first = await svc.pendingEnrolment(user);
    const again = await svc.pendingEnrolment(user);
    expect(again.secret).toBe(first.secret);
    expect(first.uri).toBe(`otpauth://totp/Contoso%20Test:enrol%40partner.example?secret=${first.secret}&issuer=Contoso%20Test`);
    expect(await svc.status(user.id)).toBe('pending');

    const row = await db('mfa_totp').where({ user_id: user.id }).first();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(first.secret);

    // A wrong code, and a right code for another time, do not confirm it.
    const wrong = (await codeAt(first.secret, T0)) === '000000' ? '111111' : '000000';
    expect(await svc.confirmEnrolment(user.id, wrong)).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.confirmEnrolment(user.id, await codeAt(first.secret, T0 + 3 * STEP))).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.status(user.id)).toBe('pending');
    // Verification is refused while only pending.
    expect(await svc.verifyTotp(user.id, await codeAt(first.secret, T0))).toMatchObject({ ok: false });

    const done = await svc.confirmEnrolment(user.id, await codeAt(first.secret, T0));
    expect(done.ok).toBe(true);
    expect(done.recoveryCodes).toHaveLength(10);
    expect(await svc.status(user.id)).toBe('active');
    await expect(svc.pendingEnrolment(user)).rejects.toThrow(/already set up/);
  });

  it('does not confirm twice (a second confirm with another good code is refused)', async () => {
    const svc = service();
    const { user, secret } = await enrolled(svc);
    expect(await svc.confirmEnrolment(user.id, await codeAt(secret, T0 + STEP))).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('TOTP verification', () => {
  it('accepts the current step and one either side, not two', async () => {
    const { user, secret } = await enrolled(service());
    // Enrolment used step T0; later calls happen at T0 + 1 step.
    const later = service({ now: () => T0 + STEP });
    expect(await later.verifyTotp(user.id, await codeAt(secret, T0 + 3 * STEP))).toEqual({ ok: false, reason: 'invalid' });
    expect(await later.verifyTotp(user.id, await codeAt(secret, T0 + 2 * STEP))).toEqual({ ok: true });
  });

  it('refuses a replayed code, and any code of a step at or before the last one used', async () => {
    const svc = service({ now: () => T0 + STEP });
    const { user, secret } = await enrolled(svc);
    expect(await svc.verifyTotp(user.id, await codeAt(secret, T0))).toEqual({ ok: false, reason: 'reused' });
    expect(await svc.verifyTotp(user.id, await codeAt(secret, T0 + STEP))).toEqual({ ok: true });
    expect(await svc.verifyTotp(user.id, await codeAt(secret, T0 + STEP))).toEqual({ ok: false, reason: 'reused' });
    expect(await svc.verifyTotp(user.id, await codeAt(secret, T0))).toEqual({ ok: false, reason: 'reused' });
    expect(Number((await db('mfa_totp').where({ user_id: user.id }).first()).last_used_step)).toBe(Math.floor((T0 + STEP) / STEP));
  });

  it('lets exactly one of two simultaneous uses of the same code through', async () => {
    const svc = service({ now: () => T0 + STEP });
    const { user, secret } = await enrolled(svc);
    const code = await codeAt(secret, T0 + STEP);
    const results = await Promise.all([svc.verifyTotp(user.id, code), svc.verifyTotp(user.id, code), svc.verifyTotp(user.id, code)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'reused')).toHaveLength(2);
  });

  it('locks a user out after the allowed wrong codes, even for the right code, and lets them in after the lock-out', async () => {
    const now = T0 + STEP;
    const svc = service({ attempts: 3, lockoutSeconds: 1, now: () => now });
    const { user, secret } = await enrolled(svc);
    const right = await codeAt(secret, now);
    const wrong = right === '123456' ? '654321' : '123456';
    expect(await svc.verifyTotp(user.id, wrong)).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.verifyTotp(user.id, wrong)).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.verifyTotp(user.id, wrong)).toMatchObject({ ok: false, reason: 'locked', retryAfterSeconds: 1 });
    expect(await svc.verifyTotp(user.id, right)).toMatchObject({ ok: false, reason: 'locked' });
    expect(await svc.useRecoveryCode(user.id, 'AAAAA-AAAAA')).toMatchObject({ ok: false, reason: 'locked' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(await svc.verifyTotp(user.id, right)).toEqual({ ok: true });
  });
});

describe('recovery codes', () => {
  it('are 10 distinct codes, stored only as keyed hashes, each usable once', async () => {
    const svc = service();
    const { user, recoveryCodes } = await enrolled(svc);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
    const stored = await db('mfa_recovery_codes').where({ user_id: user.id });
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored);
    for (const c of recoveryCodes) expect(dump).not.toContain(normalizeRecoveryCode(c));

    // Typed loosely (lower case, spaces) it still works; once.
    const typed = ` ${recoveryCodes[3]!.toLowerCase().replace('-', ' ')} `;
    expect(await svc.useRecoveryCode(user.id, typed)).toEqual({ ok: true, remaining: 9 });
    expect(await svc.useRecoveryCode(user.id, recoveryCodes[3]!)).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.useRecoveryCode(user.id, 'not a code')).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.remainingRecoveryCodes(user.id)).toBe(9);
  });

  it("belong to one user: another user's code does not work", async () => {
    const svc = service();
    const a = await enrolled(svc);
    const b = await enrolled(svc);
    expect(await svc.useRecoveryCode(b.user.id, a.recoveryCodes[0]!)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a reset removes the factor and its codes, so the next MFA prompt enrols again', async () => {
    const svc = service();
    const { user } = await enrolled(svc);
    expect(await svc.reset(user.id)).toBe(true);
    expect(await svc.status(user.id)).toBe('none');
    expect(await db('mfa_recovery_codes').where({ user_id: user.id })).toHaveLength(0);
    expect(await svc.reset(user.id)).toBe(false);
  });
});

describe('without an encryption key', () => {
  it('says MFA is unavailable instead of storing secrets in the clear', async () => {
    const svc = new MfaService({ db, key: undefined, throttle: createThrottle({ name: 'x', points: 5, durationSeconds: 60 }), issuer: 'x' });
    expect(svc.available).toBe(false);
    const user = await users.create({ mail: 'nokey@partner.example', userType: 'Guest' });
    await expect(svc.pendingEnrolment(user)).rejects.toThrow(/mfa\.encryptionKey/);
  });
});
