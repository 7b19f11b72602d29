import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { verifyPassword } from '../../src/directory/password-hash.js';
import type { User } from '../../src/directory/user-model.js';
import { writeUsers } from '../../src/directory/user-writes.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

const PASSWORD = 'correct horse battery staple';

// The steps build on each other (create → duplicate → list), so they run in order on one database.
describe.sequential('foyer users', () => {
  let cfg: TempConfig;
  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig();
  });
  afterAll(() => cfg.remove());

  async function listUsers(): Promise<User[]> {
    const result = await runCli(['users', 'list', '--json'], { config: cfg.file });
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as User[];
  }

  async function inDatabase<T>(fn: (db: ReturnType<typeof connectDatabase>) => Promise<T>): Promise<T> {
    const db = connectDatabase(cfg.databaseUrl);
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }

  it('lists nobody on a new database', async () => {
    expect(await listUsers()).toEqual([]);
  });

  it('create --admin reads the password from stdin and creates an admin member', async () => {
    const result = await runCli(['users', 'create', '--email', 'a@contoso.example', '--admin'], { config: cfg.file, input: `${PASSWORD}\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^created member a@contoso\.example \(id [0-9a-f-]{36}\) with the admin role$/m);
    expect(result.stdout).not.toContain(PASSWORD);

    const users = await listUsers();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ mail: 'a@contoso.example', userType: 'Member', roles: ['admin'], accountEnabled: true, hasPassword: true });
    expect(JSON.stringify(users)).not.toMatch(/scrypt|password_?hash/i);

    const hash = await inDatabase(async (db) => (await db('users').where({ mail: 'a@contoso.example' }).first('password_hash')).password_hash as string);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
  });

  it('a duplicate email (in any case) exits 2 with a clear message and creates nothing', async () => {
    for (const email of ['a@contoso.example', 'A@Contoso.Example']) {
      const result = await runCli(['users', 'create', '--email', email], { config: cfg.file, input: `${PASSWORD}\n` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: a user with email a@contoso\.example already exists$/im);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await listUsers()).toHaveLength(1);
    const audited = await inDatabase((db) => db('audit_log').where({ activity: 'Add user' }));
    expect(audited).toHaveLength(1);
  });

  it('a password shorter than 12 characters exits 2', async () => {
    const result = await runCli(['users', 'create', '--email', 'b@contoso.example'], { config: cfg.file, input: 'short-pw\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: the password must be at least 12 characters/);
    expect(result.stderr).not.toContain('short-pw');
    expect((await listUsers()).map((u) => u.mail)).toEqual(['a@contoso.example']);
  });

  it('no password at all (empty stdin) exits 2', async () => {
    const result = await runCli(['users', 'create', '--email', 'b@contoso.example'], { config: cfg.file, input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at least 12 characters/);
  });

  it('an invalid email exits 2', async () => {
    const result = await runCli(['users', 'create', '--email', 'not-an-email'], { config: cfg.file, input: `${PASSWORD}\n` });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: "not-an-email" is not a valid email address/);
    expect(await listUsers()).toHaveLength(1);
  });

  it('--email is required', async () => {
    const result = await runCli(['users', 'create'], { config: cfg.file, input: `${PASSWORD}\n` });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required option '--email <email>' not specified/);
  });

  it('a member without --admin gets no roles, and list prints one line per user', async () => {
    const result = await runCli(['users', 'create', '--email', 'b@contoso.example', '--name', 'Bea Member'], { config: cfg.file, input: `${PASSWORD}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/admin/);
    const users = await listUsers();
    expect(users.map((u) => [u.mail, u.displayName, u.roles])).toEqual([
      ['a@contoso.example', 'a', ['admin']],
      ['b@contoso.example', 'Bea Member', []],
    ]);
    const text = await runCli(['users', 'list'], { config: cfg.file });
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
    expect(text.stdout).toMatch(/Member {2}enabled {2}b@contoso\.example {2}Bea Member/);
  });

  it('a user whose access end has passed (the sweep not run yet: still enabled) lists and shows as access ended', async () => {
    const end = new Date(Date.now() - 60_000).toISOString();
    const id = (await listUsers()).find((u) => u.mail === 'b@contoso.example')!.id;
    await inDatabase((db) => writeUsers(db, id, (users) => users.where({ id }).update({ access_expires_at: end })));
    const list = await runCli(['users', 'list'], { config: cfg.file });
    expect(list.stdout).toMatch(/Member {2}access ended {2}b@contoso\.example {2}Bea Member/);
    expect(list.stdout).toMatch(/Member {2}enabled {7}a@contoso\.example/);
    const show = await runCli(['users', 'show', 'b@contoso.example'], { config: cfg.file });
    expect(show.stdout).toContain(', Member, access ended');
    expect(show.stdout).toContain(`  access ended ${end}`);
    expect((await listUsers()).find((u) => u.mail === 'b@contoso.example')).toMatchObject({ accountEnabled: true, accessExpiresAt: end });
  });
});
