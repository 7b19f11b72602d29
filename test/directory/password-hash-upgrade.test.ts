/**
 * Members' password hashes moved from scrypt (128 MiB, ~0.3 s a hash) to argon2id (19 MiB). A hash
 * written before still signs its member in, and is replaced by an argon2id one at that sign-in (the
 * only time the password is in hand); a wrong password replaces nothing.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from '../../src/directory/password-hash.js';
import { Browser } from '../support/browserless.js';
import { openPasswordForm, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const PASSWORD = 'an old but good password';

/** A hash as Foyer wrote it before argon2id: `scrypt$N$r$p$salt$hash`. */
function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  return ['scrypt', 2 ** 17, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

describe('password hashes', () => {
  it('are argon2id with OWASP’s cost, verify only the right password, and ask for no rehash', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword('another password', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('verify the earlier scrypt hashes, which ask to be rehashed', async () => {
    const legacy = legacyScryptHash(PASSWORD);
    expect(await verifyPassword(PASSWORD, legacy)).toBe(true);
    expect(await verifyPassword('another password', legacy)).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });

  it('refuse damaged or unknown stored values instead of throwing', async () => {
    for (const stored of ['', 'plain', '$argon2id$v=19$m=19456,t=2,p=1$bad', 'scrypt$1$2$3', 'bcrypt$xyz']) {
      expect(await verifyPassword(PASSWORD, stored)).toBe(false);
    }
  });
});

describe('upgrading a member’s scrypt hash at sign-in', () => {
  let foyer: RunningFoyer;
  let config: client.Configuration;
  let memberId: string;

  beforeAll(async () => {
    foyer = await startFoyer();
    memberId = await foyer.createMember('lena@contoso.example', 'placeholder password');
    await foyer.foyer.users.setPasswordHash(memberId, legacyScryptHash(PASSWORD));
    config = await webAppClient(foyer.issuer);
  }, 60_000);
  afterAll(() => foyer?.stop());

  const storedHash = async () => String((await foyer.foyer.db('users').where({ id: memberId }).first()).password_hash);

  async function signIn(password: string) {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, 'lena@contoso.example');
    return browser.submit(page, { email: 'lena@contoso.example', password }, { stopAt: [WEB_APP.redirectUri] });
  }

  it('keeps the old hash after a wrong password', async () => {
    const before = await storedHash();
    expect((await signIn('a wrong guess')).status).toBe(401);
    expect(await storedHash()).toBe(before);
  });

  it('signs the member in with the old hash and stores an argon2id hash of the same password', async () => {
    const page = await signIn(PASSWORD);
    expect(page.stoppedAt).toContain(WEB_APP.redirectUri);
    const upgraded = await storedHash();
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);
    // and the new hash signs the member in again
    expect((await signIn(PASSWORD)).stoppedAt).toContain(WEB_APP.redirectUri);
  });
});
