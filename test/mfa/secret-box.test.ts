import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveMfaKey } from '../../src/mfa/mfa-key.js';
import { deriveKey, SecretBox } from '../../src/mfa/secret-box.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('sealing TOTP secrets (AES-256-GCM)', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));

  it('round-trips, and never contains the secret or repeats a ciphertext', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1');
    const b = box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(a, 'totp:user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it("does not open for another user, with another key, or after tampering", () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1');
    expect(() => box.open(sealed, 'totp:user-2')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'totp:user-1')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'totp:user-1')).toThrow();
    expect(() => box.open('plain-text', 'totp:user-1')).toThrow(/not a sealed secret/);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('derives different keys for different purposes', () => {
    const master = Buffer.alloc(32, 3);
    expect(deriveKey(master, 'totp-secrets').equals(deriveKey(master, 'recovery-codes'))).toBe(false);
    expect(deriveKey(master, 'totp-secrets').equals(deriveKey(master, 'totp-secrets'))).toBe(true);
  });
});

describe('where the MFA key comes from', () => {
  it('takes the configured key (base64 or hex)', () => {
    const key = Buffer.alloc(32, 5);
    expect(resolveMfaKey({ encryptionKey: key.toString('base64'), databaseUrl: 'postgres://x' })).toEqual({ key, source: 'config' });
    expect(resolveMfaKey({ encryptionKey: key.toString('hex'), databaseUrl: 'sqlite:x' })!.key.equals(key)).toBe(true);
  });

  it('generates one beside the SQLite file on first start (owner-only), and reuses it afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-key-'));
    dirs.push(dir);
    const first = resolveMfaKey({ databaseUrl: `sqlite:${join(dir, 'foyer.sqlite')}` })!;
    expect(first).toMatchObject({ source: 'file', file: join(dir, 'mfa.key') });
    expect(statSync(join(dir, 'mfa.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'mfa.key'), 'utf8').trim()).toBe(first.key.toString('base64'));
    expect(resolveMfaKey({ databaseUrl: `sqlite:${join(dir, 'foyer.sqlite')}` })!.key.equals(first.key)).toBe(true);
  });

  it('refuses a damaged key file instead of replacing it (the sealed secrets need it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-key-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'mfa.key'), 'garbage');
    expect(() => resolveMfaKey({ databaseUrl: `sqlite:${join(dir, 'foyer.sqlite')}` })).toThrow(/does not hold a 32-byte base64 key/);
    expect(readFileSync(join(dir, 'mfa.key'), 'utf8')).toBe('garbage');
  });

  it('has none for PostgreSQL without configuration, and a memory key for an in-memory database', () => {
    expect(resolveMfaKey({ databaseUrl: 'postgres://foyer@127.0.0.1/foyer' })).toBeUndefined();
    expect(resolveMfaKey({ databaseUrl: 'sqlite::memory:' })).toMatchObject({ source: 'memory' });
  });
});
