import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { verifyPassword } from '../../src/directory/password-hash.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'set by the administrator 7';

/** `foyer users reset-password`: an administrator sets a member's password or mails a link; never a guest's. */
describe.sequential('foyer users reset-password', () => {
  let cfg: TempConfig;
  let outboxDir: string;
  beforeAll(async () => {
    await ensureBuilt();
    // The outbox sits in the config's temp dir (a path relative to it would be relative to the working directory).
    const outbox = join(mkdtempSync(join(tmpdir(), 'foyer-cli-outbox-')), 'outbox');
    cfg = tempConfig((raw) => void (raw.mail = { outboxDir: outbox }));
    outboxDir = outbox;
    expect((await runCli(['users', 'create', '--email', 'max@contoso.example'], { config: cfg.file, input: `${PASSWORD}\n` })).code).toBe(0);
    // A build after a source change, on a busy machine, takes longer than the default hook time.
  }, 180_000);
  afterAll(() => cfg.remove());

  async function inDatabase<T>(fn: (db: ReturnType<typeof connectDatabase>) => Promise<T>): Promise<T> {
    const db = connectDatabase(cfg.databaseUrl);
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }
  const hashOf = (email: string) => inDatabase(async (db) => (await db('users').where({ mail_normalized: email }).first('password_hash')).password_hash as string);

  it('sets a new password read from stdin, ends the sessions, and audits it', async () => {
    const result = await runCli(['users', 'reset-password', 'max@contoso.example'], { config: cfg.file, input: `${NEW_PASSWORD}\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^set a new password for max@contoso\.example; 0 session\(s\) ended and 0 grant\(s\) revoked$/m);
    expect(await verifyPassword(NEW_PASSWORD, await hashOf('max@contoso.example'))).toBe(true);
    const activities = await inDatabase(async (db) => (await db('audit_log').select('activity')).map((r: { activity: string }) => r.activity));
    expect(activities).toEqual(expect.arrayContaining(['Reset password', 'Revoke sign-in sessions']));
  });

  it('a too short password exits 2 and changes nothing', async () => {
    const before = await hashOf('max@contoso.example');
    const result = await runCli(['users', 'reset-password', 'max@contoso.example'], { config: cfg.file, input: 'short\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at least 12 characters\. \(passwordTooShort\)/);
    expect(await hashOf('max@contoso.example')).toBe(before);
  });

  it('--send-link mails a single-use link (to the outbox here) and does not print it', async () => {
    const result = await runCli(['users', 'reset-password', 'max@contoso.example', '--send-link'], { config: cfg.file });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mailed a password reset link to max@contoso\.example; it works once, until \d{4}-/m);
    expect(result.stdout).not.toContain('/password/reset');
    const mail = readFileSync(join(outboxDir, readdirSync(outboxDir)[0]!), 'utf8');
    expect(mail.replace(/=\r?\n/g, '')).toMatch(/\/password\/reset\?t=3D[A-Za-z0-9_-]{43}/);
  });

  it('refuses a guest (guests have no password) and writes nothing', async () => {
    await inDatabase(async (db) => {
      const { UsersRepository } = await import('../../src/directory/users-repository.js');
      await new UsersRepository(db).create({ mail: 'gia@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    });
    for (const args of [[], ['--send-link']]) {
      const result = await runCli(['users', 'reset-password', 'gia@partner.example', ...args], { config: cfg.file, input: `${NEW_PASSWORD}\n` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/Guests have no password here.*\(notAMember\)/);
    }
    expect(await hashOf('gia@partner.example')).toBeNull();
    expect(await inDatabase((db) => db('password_reset_tickets').join('users', 'users.id', 'password_reset_tickets.user_id').where('users.mail', 'gia@partner.example'))).toEqual([]);
  });
});
