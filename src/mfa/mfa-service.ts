import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { Throttle } from '../http/throttle.js';
import { nowIso } from '../lib/clock.js';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { deriveKey, SecretBox } from './secret-box.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

export type MfaStatus = 'none' | 'pending' | 'active';

/** The outcome of one code a person typed. `locked`: too many wrong codes; nothing is checked until retryAfterSeconds pass. */
export type CodeCheck = { ok: true } | { ok: false; reason: 'invalid' | 'reused' | 'locked'; retryAfterSeconds?: number };

interface TotpRow {
  user_id: string;
  secret_sealed: string;
  confirmed_at: string | null;
  last_used_step: number | string | null;
}

export class MfaUnavailableError extends Error {
  constructor() {
    super('MFA is not available: set mfa.encryptionKey (FOYER_MFA_KEY)');
  }
}

/**
 * TOTP as a second factor (DESIGN.md step 8): enrolment that counts only once confirmed with a
 * code from the key that sign-in was shown, 10 single-use recovery codes stored as keyed hashes,
 * verification with a ±1 step window, replay protection (the last used step is stored per user
 * and only ever moves forward, with a conditional update, so two requests racing with one code
 * cannot both win), and a per-user attempt limit shared by TOTP and recovery codes.
 */
export class MfaService {
  private readonly box?: SecretBox;
  private readonly recoveryKey?: Buffer;

  constructor(
    private readonly deps: {
      db: Database;
      /** The MFA master key; undefined when none is configured (MFA then answers MfaUnavailableError). */
      key: Buffer | undefined;
      throttle: Throttle;
      /** Shown by authenticator apps next to the account. */
      issuer: string;
      now?: () => number;
    },
  ) {
    if (deps.key) {
      this.box = new SecretBox(deriveKey(deps.key, 'totp-secrets'));
      this.recoveryKey = deriveKey(deps.key, 'recovery-codes');
    }
  }

  get available(): boolean {
    return this.box !== undefined;
  }

  async status(userId: string): Promise<MfaStatus> {
    const row = await this.row(userId);
    return !row ? 'none' : row.confirmed_at ? 'active' : 'pending';
  }

  /** The secret waiting for confirmation, created on first use; the same one until confirmed (tools; a sign-in's enrolment page uses newEnrolment). */
  async pendingEnrolment(user: { id: string; mail: string }): Promise<{ secret: string; uri: string }> {
    const box = this.sealer();
    let row = await this.row(user.id);
    if (row?.confirmed_at) throw new Error('TOTP is already set up for this user');
    if (!row) {
      const now = nowIso();
      try {
        await this.deps.db('mfa_totp').insert({ user_id: user.id, secret_sealed: box.seal(newTotpSecret(), context(user.id)), confirmed_at: null, last_used_step: null, created_at: now, updated_at: now });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      row = (await this.row(user.id))!;
    }
    const secret = box.open(row.secret_sealed, context(user.id));
    return { secret, uri: totpUri({ issuer: this.deps.issuer, account: user.mail, secret }) };
  }

  /**
   * A new key for one sign-in's enrolment page, sealed, stored nowhere: the caller keeps `sealed`
   * in that sign-in and passes it to confirmEnrolment. Every sign-in thus has its own key, the
   * only one it can confirm; a key shown to someone holding just the password is never the one the
   * account's owner confirms in another sign-in, and no sign-in can replace another's key.
   */
  newEnrolment(user: { id: string; mail: string }): { secret: string; uri: string; sealed: string } {
    const secret = newTotpSecret();
    return { secret, uri: totpUri({ issuer: this.deps.issuer, account: user.mail, secret }), sealed: this.sealer().seal(secret, context(user.id)) };
  }

  /** The key of an enrolment newEnrolment started for this user (the same page shown again). */
  openEnrolment(user: { id: string; mail: string }, sealed: string): { secret: string; uri: string } {
    const secret = this.sealer().open(sealed, context(user.id));
    return { secret, uri: totpUri({ issuer: this.deps.issuer, account: user.mail, secret }) };
  }

  /**
   * Confirms enrolment with a first code; on success the factor is active and fresh recovery codes
   * are returned (shown once). `sealed`: the key of one sign-in's enrolment (newEnrolment), which
   * becomes the factor; without it, the pending key of pendingEnrolment.
   */
  async confirmEnrolment(userId: string, code: string, sealed?: string): Promise<CodeCheck & { recoveryCodes?: string[] }> {
    return this.attempt(userId, async () => {
      const row = await this.row(userId);
      if (row?.confirmed_at) return 'invalid';
      const key = sealed ?? row?.secret_sealed;
      if (!key) return 'invalid';
      let secret: string;
      try {
        secret = this.sealer().open(key, context(userId));
      } catch {
        return 'invalid';
      }
      const step = await matchTotp(secret, code, this.now());
      if (step === undefined) return 'invalid';
      const codes = generateRecoveryCodes();
      const confirmed = await this.deps.db.transaction(async (trx) => {
        const now = nowIso();
        const values = { secret_sealed: key, confirmed_at: now, last_used_step: step, updated_at: now };
        // Only over a key nobody confirmed: of two sign-ins confirming at once, one wins.
        let updated = await trx('mfa_totp').where({ user_id: userId }).whereNull('confirmed_at').update(values);
        if (updated === 0 && !row) {
          // A conflict is another sign-in's confirmation a moment ago (ignored, so PostgreSQL's transaction stays usable).
          await trx('mfa_totp').insert({ user_id: userId, created_at: now, ...values }).onConflict('user_id').ignore();
          const mine = await trx<TotpRow>('mfa_totp').where({ user_id: userId, secret_sealed: key }).first();
          updated = mine ? 1 : 0;
        }
        if (updated !== 1) return false;
        await trx('mfa_recovery_codes').where({ user_id: userId }).delete();
        await trx('mfa_recovery_codes').insert(codes.map((c) => ({ id: randomUUID(), user_id: userId, code_hash: this.hash(userId, normalizeRecoveryCode(c)!), used_at: null, created_at: now })));
        return true;
      });
      return confirmed ? { recoveryCodes: codes } : 'invalid';
    });
  }

  async verifyTotp(userId: string, code: string): Promise<CodeCheck> {
    return this.attempt(userId, async () => {
      const row = await this.row(userId);
      if (!row?.confirmed_at) return 'invalid';
      const step = await matchTotp(this.sealer().open(row.secret_sealed, context(userId)), code, this.now());
      if (step === undefined) return 'invalid';
      const last = row.last_used_step === null ? undefined : Number(row.last_used_step);
      if (last !== undefined && step <= last) return 'reused';
      const moved = await this.deps.db('mfa_totp')
        .where({ user_id: userId })
        .andWhere((q) => q.whereNull('last_used_step').orWhere('last_used_step', '<', step))
        .update({ last_used_step: step, updated_at: nowIso() });
      return moved === 1 ? {} : 'reused';
    });
  }

  /** Uses up one recovery code; `remaining` says how many are left. */
  async useRecoveryCode(userId: string, input: string): Promise<CodeCheck & { remaining?: number }> {
    this.sealer();
    return this.attempt(userId, async () => {
      const normalized = normalizeRecoveryCode(input);
      if (!normalized) return 'invalid';
      const used = await this.deps.db('mfa_recovery_codes')
        .where({ user_id: userId, code_hash: this.hash(userId, normalized) })
        .whereNull('used_at')
        .update({ used_at: nowIso() });
      if (used !== 1) return 'invalid';
      return { remaining: await this.remainingRecoveryCodes(userId) };
    });
  }

  /** New recovery codes replacing any unused ones (a passkey as the first factor, or the user asking), shown once. */
  async issueRecoveryCodes(userId: string): Promise<string[]> {
    this.sealer();
    const codes = generateRecoveryCodes();
    await this.deps.db.transaction(async (trx) => {
      const now = nowIso();
      await trx('mfa_recovery_codes').where({ user_id: userId }).delete();
      await trx('mfa_recovery_codes').insert(codes.map((c) => ({ id: randomUUID(), user_id: userId, code_hash: this.hash(userId, normalizeRecoveryCode(c)!), used_at: null, created_at: now })));
    });
    return codes;
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    const row = await this.deps.db('mfa_recovery_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** Removes every factor (authenticator app, passkeys) and the recovery codes (an admin helping someone who lost them all); the next MFA prompt enrols again. */
  async reset(userId: string): Promise<boolean> {
    return this.deps.db.transaction(async (trx) => {
      await trx('mfa_recovery_codes').where({ user_id: userId }).delete();
      const passkeys = await trx('passkeys').where({ user_id: userId }).delete();
      return (await trx('mfa_totp').where({ user_id: userId }).delete()) + passkeys > 0;
    });
  }

  /** Removes the authenticator app only (the user, from My Apps); recovery codes stay while a passkey remains. */
  async removeTotp(userId: string): Promise<boolean> {
    return this.deps.db.transaction(async (trx) => {
      const removed = (await trx('mfa_totp').where({ user_id: userId }).delete()) > 0;
      const passkeys = await trx('passkeys').where({ user_id: userId }).count({ n: '*' }).first();
      if (Number(passkeys?.n ?? 0) === 0) await trx('mfa_recovery_codes').where({ user_id: userId }).delete();
      return removed;
    });
  }

  /** Whether the user has any second factor (a confirmed authenticator app or a passkey). */
  async hasFactor(userId: string): Promise<boolean> {
    if ((await this.status(userId)) === 'active') return true;
    const passkeys = await this.deps.db('passkeys').where({ user_id: userId }).count({ n: '*' }).first();
    return Number(passkeys?.n ?? 0) > 0;
  }

  /** Runs one check under the per-user attempt limit: a locked user is not checked at all. */
  private async attempt<T extends object>(userId: string, check: () => Promise<'invalid' | 'reused' | T>): Promise<CodeCheck & Partial<T>> {
    const { throttle } = this.deps;
    const wait = await throttle.check(userId);
    if (wait > 0) return { ok: false, reason: 'locked', retryAfterSeconds: wait };
    const outcome = await check();
    if (typeof outcome === 'object') {
      await throttle.reset(userId);
      return { ok: true, ...outcome };
    }
    await throttle.fail(userId);
    const now = await throttle.check(userId);
    return now > 0 ? { ok: false, reason: 'locked', retryAfterSeconds: now } : { ok: false, reason: outcome };
  }

  private row(userId: string): Promise<TotpRow | undefined> {
    return this.deps.db<TotpRow>('mfa_totp').where({ user_id: userId }).first();
  }

  private hash(userId: string, normalized: string): string {
    return hashRecoveryCode(this.recoveryKey!, userId, normalized);
  }

  private sealer(): SecretBox {
    if (!this.box) throw new MfaUnavailableError();
    return this.box;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

const context = (userId: string) => `totp:${userId}`;
