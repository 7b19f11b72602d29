import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { EmailPasscodeConfig } from '../config/identity-providers-schema.js';
import type { PageRenderer } from '../http/render.js';
import { createThrottle, type Throttle } from '../http/throttle.js';
import type { Logger } from '../logging/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { FederationError } from './federation-error.js';
import type { UpstreamIdentity } from './upstream-identity.js';

export const EMAIL_OTP_IDP_ID = 'email-otp';
export const EMAIL_OTP_ISSUER = 'urn:foyer:email-otp';

/** Kept in the Interaction between sending and entering the code. Holds only a hash of the code. */
export interface PendingPasscode {
  kind: 'email-otp';
  codeId: string;
  email: string;
  hash: string;
  expiresAt: number;
}

export interface EmailPasscode {
  /**
   * Mails a fresh code to `email`; throws `invalid_email`, `rate_limited` or `delivery_failed`.
   * With `deliver: false` (an address with no way in) everything but the mail happens: the same
   * limits are counted and a pending record comes back for a code nobody was told, so the page that
   * follows is the same as for any address. `lang` is the mail's language (the sign-in's).
   */
  send(params: { email: string; ip: string; deliver?: boolean; lang?: string }): Promise<PendingPasscode>;
  /** Checks a code the guest typed; throws `invalid_code`, `code_expired`, `too_many_attempts` or `rate_limited`. */
  verify(params: { pending: PendingPasscode; code: string; ip: string }): Promise<UpstreamIdentity>;
}

export interface EmailPasscodeDeps {
  config: EmailPasscodeConfig;
  mailer: Mailer;
  renderer: Pick<PageRenderer, 'text' | 'translatorFor'>;
  /**
   * Server secret for the code hash. Codes have only 20-27 bits, so a bare hash of one would be
   * reversed instantly by anyone reading the Interaction store; keyed and bound to the address
   * and code id, it is useless without this secret. A function gives the current secrets, newest
   * first (read at each use, so a rotation reaches every node): codes are hashed with the newest and
   * checked against each, so a code sent just before a rotation, or by a node that has not seen it
   * yet, still works.
   */
  secret: string | Buffer | (() => Buffer[]);
  logger: Logger;
  redis?: Redis;
  now?: () => number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
const emailSchema = z.email();

/**
 * Email one-time passcode (Entra's fallback for guests with no IdP). Limits, all shared through
 * Redis when configured: per code, `maxAttempts` wrong entries, then it is locked; per address,
 * `perAddressPerHour` codes sent and `wrongCodesPerAddressPerDay` wrong codes entered (then neither
 * sent nor accepted for the day); per IP, `perIpPerHour` codes requested plus wrong codes entered.
 * A code works once, even if the caller forgets to drop the pending record.
 */
export function createEmailPasscode(deps: EmailPasscodeDeps): EmailPasscode {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const ttl = config.ttlSeconds;
  const attempts = createThrottle({ name: 'otp-code', points: config.maxAttempts, durationSeconds: ttl }, deps.redis);
  const used = createThrottle({ name: 'otp-used', points: 1, durationSeconds: ttl }, deps.redis);
  const perAddress = createThrottle({ name: 'otp-address', points: config.perAddressPerHour, durationSeconds: HOUR }, deps.redis);
  const perIp = createThrottle({ name: 'otp-ip', points: config.perIpPerHour, durationSeconds: HOUR }, deps.redis);
  const wrongPerAddress = createThrottle({ name: 'otp-address-wrong', points: config.wrongCodesPerAddressPerDay, durationSeconds: DAY }, deps.redis);
  const guessedTooOften = 'Too many wrong codes were entered for this address today, so Foyer stopped sending and accepting codes for it. Try again tomorrow, or ask the person who invited you.';

  const secrets = typeof deps.secret === 'function' ? deps.secret : () => [deps.secret as string | Buffer];
  const hashWith = (secret: string | Buffer, codeId: string, email: string, code: string) =>
    createHmac('sha256', secret).update(`foyer-email-otp\0${codeId}\0${email}\0${code}`).digest('base64url');
  const hash = (codeId: string, email: string, code: string) => hashWith(secrets()[0]!, codeId, email, code);
  const matches = (pending: { codeId: string; email: string; hash: string }, code: string) => {
    const expected = Buffer.from(pending.hash);
    return secrets().some((secret) => {
      const actual = Buffer.from(hashWith(secret, pending.codeId, pending.email, code));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });
  };

  async function refuseIfBlocked(throttle: Throttle, key: string, message: string): Promise<void> {
    const wait = await throttle.check(key);
    if (wait > 0) throw new FederationError('rate_limited', message, { idpId: EMAIL_OTP_IDP_ID, retryAfterSeconds: wait });
  }

  return {
    async send({ email: raw, ip, deliver = true, lang }) {
      const email = normaliseEmail(raw);
      await refuseIfBlocked(wrongPerAddress, email, guessedTooOften);
      await refuseIfBlocked(perAddress, email, 'Too many codes were sent to this address. Wait a while, then ask for a new one.');
      await refuseIfBlocked(perIp, ip, 'Too many sign-in codes were requested from your network. Wait a while, then try again.');
      await perAddress.fail(email);
      await perIp.fail(ip);

      const code = randomInt(0, 10 ** config.codeLength).toString().padStart(config.codeLength, '0');
      const codeId = randomBytes(16).toString('base64url');
      const minutes = Math.round(ttl / 60);
      if (!deliver) {
        logger.info({ codeId }, 'email passcode withheld: the address has no invitation and no account to sign in to');
        return { kind: 'email-otp', codeId, email, hash: hash(codeId, email, randomBytes(16).toString('base64url')), expiresAt: now() + ttl * 1000 };
      }
      try {
        const data = { code, minutes, email };
        const [html, text] = await Promise.all([deps.renderer.text('mail/passcode', data, lang), deps.renderer.text('mail/passcode-text', data, lang)]);
        await deps.mailer.send({ to: email, subject: deps.renderer.translatorFor(lang).t('mail.passcode.subject'), html, text });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'passcode mail could not be sent');
        throw new FederationError('delivery_failed', 'Foyer could not send the code to this address. Check the address, or try again later.', { idpId: EMAIL_OTP_IDP_ID }, { cause: err });
      }
      logger.info({ codeId }, 'email passcode sent');
      return { kind: 'email-otp', codeId, email, hash: hash(codeId, email, code), expiresAt: now() + ttl * 1000 };
    },

    async verify({ pending, code, ip }) {
      const ref = { idpId: EMAIL_OTP_IDP_ID };
      if ((await used.check(pending.codeId)) > 0 || (await attempts.check(pending.codeId)) > 0) {
        throw new FederationError('too_many_attempts', 'This code can no longer be used. Ask for a new code.', ref);
      }
      await refuseIfBlocked(perIp, ip, 'Too many wrong codes were entered from your network. Wait a while, then try again.');
      // Guessing is counted per address as well as per code and per IP: fresh codes and fresh IPs do not buy more guesses.
      await refuseIfBlocked(wrongPerAddress, pending.email, guessedTooOften);
      if (now() >= pending.expiresAt) throw new FederationError('code_expired', 'This code has expired. Ask for a new code.', ref);

      if (!matches(pending, code.replace(/\s+/g, ''))) {
        await attempts.fail(pending.codeId);
        await perIp.fail(ip);
        await wrongPerAddress.fail(pending.email);
        await refuseIfBlocked(wrongPerAddress, pending.email, guessedTooOften);
        if ((await attempts.check(pending.codeId)) > 0) {
          throw new FederationError('too_many_attempts', 'That code is wrong, and too many wrong codes were entered. Ask for a new code.', ref);
        }
        throw new FederationError('invalid_code', 'That code is wrong. Check the latest email from us and try again.', ref);
      }
      await used.fail(pending.codeId);
      return { idpId: EMAIL_OTP_IDP_ID, issuer: EMAIL_OTP_ISSUER, subject: pending.email, email: pending.email, emailVerified: true, emailVerifiedGlobally: true, amr: ['otp'] };
    },
  };
}

/** Trimmed and lower-cased: the subject must not change with how the guest typed the address. */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success) {
    throw new FederationError('invalid_email', 'Enter a valid email address, like name@example.com.', { idpId: EMAIL_OTP_IDP_ID });
  }
  return email;
}
