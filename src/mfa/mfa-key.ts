import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { decodeEncryptionKey } from '../config/mfa-schema.js';

export interface MfaKey {
  key: Buffer;
  /** Where it came from: config (mfa.encryptionKey), a generated file beside the SQLite database, or memory only. */
  source: 'config' | 'file' | 'memory';
  file?: string;
}

/**
 * The key that seals TOTP secrets. `mfa.encryptionKey` (from the environment in production) wins.
 * Without it, the embedded SQLite setup generates one into `mfa.key` beside the database file, on
 * first start, readable by the owner only, so `npm start` works with nothing configured; a
 * database backup alone then does not reveal the secrets. PostgreSQL deployments (several nodes)
 * must configure the key: a file per node would not match. Undefined means MFA is unavailable.
 */
export function resolveMfaKey(opts: { encryptionKey?: string; databaseUrl: string }): MfaKey | undefined {
  if (opts.encryptionKey) {
    const key = decodeEncryptionKey(opts.encryptionKey);
    if (!key) throw new Error('mfa.encryptionKey must be 32 bytes as base64 or hex');
    return { key, source: 'config' };
  }
  if (!opts.databaseUrl.startsWith('sqlite:')) return undefined;
  const database = opts.databaseUrl.slice('sqlite:'.length).replace(/^\/\//, '');
  if (database === ':memory:') return { key: randomBytes(32), source: 'memory' };
  const file = join(dirname(resolve(database)), 'mfa.key');
  return { key: readOrCreate(file), source: 'file', file };
}

function readOrCreate(file: string): Buffer {
  try {
    return decode(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    // `wx`: two processes starting together cannot both write a key; the loser reads the winner's.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decode(readFileSync(file, 'utf8'), file);
}

function decode(text: string, file: string): Buffer {
  const key = decodeEncryptionKey(text);
  if (!key) throw new Error(`${file} does not hold a 32-byte base64 key; restore it from a backup (TOTP secrets sealed with it cannot be read otherwise)`);
  return key;
}
