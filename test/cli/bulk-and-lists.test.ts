/**
 * Issue 17's CLI: `foyer invite --csv FILE` (the console's validation, --dry-run, progress on
 * stderr, the per-row result on stdout or --out), list output with headers and aligned columns,
 * --json on every list, --version, expired invitations shown as Expired, and an email wherever a
 * command takes a user.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

const APP = 'http://127.0.0.1:9999/';

describe.sequential('foyer invite --csv, lists and user lookup', () => {
  let cfg: TempConfig;
  const cli = (...args: string[]) => runCli(args, { config: cfg.file });
  async function inDatabase<T>(fn: (db: ReturnType<typeof connectDatabase>) => Promise<T>): Promise<T> {
    const db = connectDatabase(cfg.databaseUrl);
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }
  const invitationCount = () => inDatabase(async (db) => Number((await db('invitations').count({ n: '*' }).first())!.n));
  const file = (name: string, text: string) => {
    const path = join(cfg.dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig((raw) => {
      (raw.apps as Record<string, unknown>[])[0]!.launchUrl = APP;
      raw.mail = { outboxDir: join(projectRoot, 'test-artifacts', 'cli-bulk-outbox') };
    });
  });
  afterAll(() => cfg.remove());

  const mixed = () => file('mixed.csv', ['email,displayName,redirectUrl,sendMail', 'ada@partner.example,Ada,,false', 'not-an-address,Nobody,,false', `bob@partner.example,Bob,${APP},false`, 'eve@contoso.example,Eve,,false', '"=2+3",Formula,,false', ''].join('\n'));

  it('--version prints the package version', async () => {
    const res = await cli('--version');
    expect([res.code, res.stdout.trim()]).toEqual([0, JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version]);
  });

  it('--dry-run checks every row, lists the bad ones by line, writes nothing', async () => {
    const res = await cli('invite', '--csv', mixed(), '--dry-run');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('line 3: not-an-address:');
    expect(res.stderr).toContain('line 5: eve@contoso.example:');
    expect(res.stderr).toContain('(memberDomainAddress)');
    expect(res.stderr).toContain('5 rows: 2 valid, 3 with problems');
    const rows = parse(res.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.line, r.status])).toEqual([['2', 'valid'], ['3', 'invalid'], ['4', 'valid'], ['5', 'invalid'], ['6', 'invalid']]);
    expect(await invitationCount()).toBe(0);
  });

  it('a file with bad rows sends nothing without --skip-invalid', async () => {
    const res = await cli('invite', '--csv', mixed());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('nothing sent');
    expect(await invitationCount()).toBe(0);
  });

  it('--skip-invalid --out sends the valid rows, progress on stderr, one result line per row, formulas escaped', async () => {
    const out = join(cfg.dir, 'result.csv');
    const res = await cli('invite', '--csv', mixed(), '--skip-invalid', '--out', out);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('sent 2/2');
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.status === 'invited').map((r) => r.email)).toEqual(['ada@partner.example', 'bob@partner.example']);
    expect(rows.find((r) => r.line === '6')!.email).toBe("'=2+3");
    expect(await invitationCount()).toBe(2);
  });

  it('a file whose every row is valid exits 0; re-inviting an accepted guest is refused per row', async () => {
    await inDatabase((db) => db('users').where({ mail: 'ada@partner.example' }).update({ external_user_state: 'Accepted' }));
    const res = await cli('invite', '--csv', file('again.csv', 'email\ncy@partner.example\nada@partner.example\n'), '--dry-run');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('(guestAlreadyAccepted)');
    const good = await cli('invite', '--csv', file('good.csv', 'email\ncy@partner.example\n'));
    expect([good.code, good.stderr]).toEqual([0, '1 rows: 1 valid, 0 with problems\nsent 1/1\n']);
  });

  it('refuses a file without an email column as a whole', async () => {
    const res = await cli('invite', '--csv', file('nocol.csv', 'name\nAda\n'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('(bulkEmailColumnMissing)');
  });

  it('invitations list: a header, aligned columns, an expired invitation shown as Expired; --json', async () => {
    await inDatabase((db) => db('invitations').where({ invited_email: 'bob@partner.example' }).update({ expires_at: '2020-01-01T00:00:00.000Z' }));
    const res = await cli('invitations', 'list');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {2,}STATUS {2,}EMAIL {2,}EXPIRES {2,}INVITED BY$/);
    const column = lines[0]!.indexOf('EMAIL');
    for (const line of lines.slice(1)) expect(line.slice(column)).toMatch(/^[a-z]+@partner\.example/);
    expect(lines.find((l) => l.includes('bob@partner.example'))).toMatch(/ Expired /);
    expect(lines.find((l) => l.includes('cy@partner.example'))).toMatch(/ PendingAcceptance /);
    const json = JSON.parse((await cli('invitations', 'list', '--json')).stdout) as { invitedUserEmailAddress: string }[];
    expect(json.map((i) => i.invitedUserEmailAddress).sort()).toEqual(['ada@partner.example', 'bob@partner.example', 'cy@partner.example']);
  });

  it('every list has --json', async () => {
    for (const args of [['users', 'list'], ['groups', 'list'], ['apps', 'list'], ['keys', 'list'], ['roles', 'list'], ['policy', 'list'], ['sign-ins', 'list'], ['audit', 'list'], ['invitations', 'list']]) {
      const res = await cli(...args, '--json');
      expect([args.join(' '), res.code]).toEqual([args.join(' '), 0]);
      expect(() => JSON.parse(res.stdout)).not.toThrow();
    }
  }, 180_000);

  it('commands that take a user take an email: users show, roles grant, groups add-member, mfa reset, audit --by', async () => {
    const show = await cli('users', 'show', 'ADA@partner.example');
    expect([show.code, show.stdout.split('\n')[0]]).toEqual([0, expect.stringContaining('ada@partner.example')]);
    expect((await cli('groups', 'create', '--name', 'Auditors')).code).toBe(0);
    const added = await cli('groups', 'add-member', 'Auditors', 'cy@partner.example');
    expect([added.code, added.stdout]).toEqual([0, expect.stringContaining('added cy@partner.example to Auditors')]);
    expect((await cli('mfa', 'reset', 'cy@partner.example')).code).toBe(0);
    const audit = await cli('audit', 'list', '--target', 'cy@partner.example', '--json');
    expect((JSON.parse(audit.stdout) as unknown[]).length).toBeGreaterThan(0);
    const missing = await cli('users', 'show', 'nobody@partner.example');
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'error: no user has the email address "nobody@partner.example" (see npx foyer users list)']);
    const neither = await cli('users', 'show', 'nobody');
    expect([neither.code, neither.stderr.trim()]).toEqual([2, 'error: "nobody" is neither an email address nor a user id']);
  }, 180_000);

  it('users list: a header and aligned columns', async () => {
    const lines = (await cli('users', 'list')).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {2,}TYPE {2,}STATE {2,}EMAIL {2,}NAME$/);
    const at = lines[0]!.indexOf('EMAIL');
    for (const line of lines.slice(1)) expect(line.slice(at)).toMatch(/^\S+@/);
  });
});
