import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from '../cli/cli-harness.js';

const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';

// The steps build on each other (create → add → assign → disable → delete), so they run in order on one database.
describe.sequential('foyer users, groups and apps (directory CLI)', { timeout: 180_000 }, () => {
  let cfg: TempConfig;
  let db: Database;
  const ids: Record<'guest' | 'pending' | 'member', string> = { guest: '', pending: '', member: '' };
  // oidc-provider warns about the Node.js version on stderr when a command module loads it; that line is not the command's output.
  const cli = (...args: string[]) =>
    runCli(args, { config: cfg.file }).then((r) => ({ ...r, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('oidc-provider WARNING')).join('\n') }));

  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig((raw) => {
      (raw.apps as Record<string, unknown>[]).push(
        { id: 'web-app', displayName: 'Web App', clientSecret: 'web-app-secret-0123456789-abcdefghijklmnop', redirectUris: ['https://web.contoso.example/cb'], launchUrl: 'https://web.contoso.example/', assignmentRequired: true, appRoles: [{ id: APPROVER, value: 'approver', displayName: 'Approver' }] },
      );
    });
    db = connectDatabase(cfg.databaseUrl);
    await migrateLatest(db);
    const users = new UsersRepository(db);
    ids.member = (await users.create({ mail: 'mia@contoso.example', displayName: 'Mia Member', userType: 'Member' })).id;
    ids.guest = (await users.create({ mail: 'gus@partner.example', displayName: 'Gus Guest', userType: 'Guest', externalUserState: 'Accepted' })).id;
    ids.pending = (await users.create({ mail: 'pen@partner.example', userType: 'Guest', externalUserState: 'PendingAcceptance' })).id;
  });
  afterAll(async () => {
    await db?.destroy();
    cfg?.remove();
  });

  it('users list --filter takes the API’s $filter, and refuses what the API refuses', async () => {
    const guests = await cli('users', 'list', '--filter', "userType eq 'Guest'");
    expect(guests.code).toBe(0);
    // Both guests can share a created_at millisecond, and then their order is by random id: compare as a set.
    const [header, ...lines] = guests.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+TYPE\s+STATE\s+EMAIL\s+NAME$/);
    expect(lines.map((l) => l.split(/\s+/)[3]).sort()).toEqual(['gus@partner.example', 'pen@partner.example']);
    const pending = await cli('users', 'list', '--json', '--filter', "userType eq 'Guest' and externalUserState eq 'PendingAcceptance'");
    expect((JSON.parse(pending.stdout) as { id: string }[]).map((u) => u.id)).toEqual([ids.pending]);
    const bad = await cli('users', 'list', '--filter', "userType ne 'Guest'");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --filter: \$filter clause .* is not supported/m);
  });

  it('users show prints a user by email or id; an unknown one exits 2', async () => {
    const shown = await cli('users', 'show', 'GUS@partner.example');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('gus@partner.example  Gus Guest');
    expect(shown.stdout).toContain(`id ${ids.guest}, Guest, Accepted`);
    const json = JSON.parse((await cli('users', 'show', ids.guest, '--json')).stdout) as { mail: string; memberOf: unknown[] };
    expect(json).toMatchObject({ mail: 'gus@partner.example', memberOf: [] });
    const missing = await cli('users', 'show', 'nobody@partner.example');
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'error: no user has the email address "nobody@partner.example" (see npx foyer users list)']);
  });

  it('groups create, add-member, add-owner, remove-member, list; a duplicate exits 2', async () => {
    const created = await cli('groups', 'create', '--name', 'Partners', '--description', 'Partner staff');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created group Partners \(id [0-9a-f-]{36}\)$/m);
    expect((await cli('groups', 'add-member', 'Partners', 'gus@partner.example')).stdout.trim()).toBe('added gus@partner.example to Partners (members)');
    expect((await cli('groups', 'add-member', 'Partners', 'pen@partner.example')).code).toBe(0);
    const dup = await cli('groups', 'add-member', 'Partners', 'gus@partner.example');
    expect([dup.code, dup.stderr.trim()]).toEqual([2, 'error: gus@partner.example is already a member of Partners']);
    expect((await cli('groups', 'add-owner', 'Partners', 'mia@contoso.example')).code).toBe(0);
    expect((await cli('groups', 'remove-member', 'Partners', 'pen@partner.example')).code).toBe(0);
    const notMember = await cli('groups', 'remove-member', 'Partners', 'pen@partner.example');
    expect(notMember.code).toBe(2);
    const list = JSON.parse((await cli('groups', 'list', '--json')).stdout) as { displayName: string; members: string[]; owners: string[] }[];
    expect(list).toEqual([expect.objectContaining({ displayName: 'Partners', description: 'Partner staff', members: ['gus@partner.example'], owners: ['mia@contoso.example'] })]);
    expect((await cli('groups', 'create', '--name', '   ')).code).toBe(2);
    expect((await cli('groups', 'add-member', 'No such group', 'gus@partner.example')).stderr).toMatch(/no group "No such group"/);
  });

  it('apps assign and unassign users and groups; mistakes exit 2 and change nothing', async () => {
    expect((await cli('apps', 'assign', 'web-app', '--group', 'Partners')).stdout.trim()).toBe('assigned group Partners to Web App');
    expect((await cli('apps', 'assign', 'web-app', '--user', 'mia@contoso.example')).code).toBe(0);
    const dup = await cli('apps', 'assign', 'web-app', '--user', 'mia@contoso.example');
    expect([dup.code, dup.stderr]).toEqual([2, expect.stringMatching(/already assigned to Web App\. \(assignmentExists\)/)]);
    expect((await cli('apps', 'assign', 'web-app')).stderr).toMatch(/exactly one of --user or --group/);
    expect((await cli('apps', 'assign', 'nope-app', '--user', 'mia@contoso.example')).stderr).toMatch(/No app has the id nope-app/);
    const listed = await cli('apps', 'assignments', 'web-app');
    expect(listed.stdout).toMatch(/Group {2,}Partners/);
    expect(listed.stdout).toMatch(/User {2,}Mia Member/);
    expect((await cli('apps', 'list')).stdout).toMatch(/web-app {2,}Web App {2,}assignment required {2,}2$/m);
    expect((await cli('apps', 'unassign', 'web-app', '--user', 'mia@contoso.example')).stdout.trim()).toBe('unassigned mia@contoso.example from Web App');
    expect((await cli('apps', 'unassign', 'web-app', '--user', 'mia@contoso.example')).code).toBe(2);
    expect(await db('app_assignments').pluck('principal_type')).toEqual(['Group']);
  });

  it('apps assign --role gives an app role (by value or id), listed with it; an unknown role exits 2 and writes nothing', async () => {
    expect((await cli('apps', 'assign', 'web-app', '--user', 'mia@contoso.example', '--role', 'approver')).stdout.trim()).toBe('assigned mia@contoso.example to Web App as approver');
    expect((await cli('apps', 'assignments', 'web-app')).stdout).toMatch(/User {2,}Mia Member {2,}[0-9a-f-]{36} {2}approver$/m);
    const unknown = await cli('apps', 'assign', 'web-app', '--user', 'mia@contoso.example', '--role', 'admin');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/Web App has no app role admin\. Its roles: approver \(6b1f2d4e-.*\(invalidAppRoleId\)/)]);
    expect(await db('app_assignments').where({ principal_type: 'User' }).pluck('app_role_id')).toEqual([APPROVER]);
    expect((await cli('apps', 'unassign', 'web-app', '--user', 'mia@contoso.example', '--role', APPROVER)).stdout.trim()).toBe('unassigned mia@contoso.example from Web App as approver');
    expect(await db('app_assignments').pluck('principal_type')).toEqual(['Group']);
  });

  it('users disable ends the user’s sessions and grants in the store; enable undoes the disable', async () => {
    // A session and a grant with a refresh token, as oidc-provider's SQL adapter stores them.
    const exp = Date.now() + 3_600_000;
    await db('oidc_payloads').insert([
      { model: 'Session', id: 's-1', payload: JSON.stringify({ accountId: ids.guest, authorizations: { 'web-app': { grantId: 'g-1' } } }), expires_at: exp },
      { model: 'Grant', id: 'g-1', payload: JSON.stringify({ accountId: ids.guest, clientId: 'web-app' }), expires_at: exp },
      { model: 'RefreshToken', id: 'r-1', payload: JSON.stringify({ accountId: ids.guest, grantId: 'g-1' }), grant_id: 'g-1', expires_at: exp },
      { model: 'Session', id: 's-2', payload: JSON.stringify({ accountId: ids.member }), expires_at: exp },
    ]);
    const disabled = await cli('users', 'disable', 'gus@partner.example');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout.trim()).toBe('disabled gus@partner.example; their sessions are ended and refresh tokens revoked');
    expect((await db('users').where({ id: ids.guest }).first()).account_enabled).toBeFalsy();
    expect(await db('oidc_payloads').orderBy('id').pluck('id')).toEqual(['s-2']);
    expect((await cli('users', 'enable', ids.guest)).code).toBe(0);
    expect((await db('users').where({ id: ids.guest }).first()).account_enabled).toBeTruthy();
  });

  it('users delete needs --yes, then removes the user and their memberships and assignments', async () => {
    await db('app_assignments').insert({ id: '3b0a8d0e-8c1e-4c9a-9a55-0a1b2c3d4e5f', app_id: 'web-app', principal_type: 'User', principal_id: ids.guest, created_at: new Date().toISOString() });
    const unconfirmed = await cli('users', 'delete', 'gus@partner.example');
    expect([unconfirmed.code, unconfirmed.stderr.trim()]).toEqual([2, 'error: this deletes gus@partner.example for good; add --yes to confirm']);
    expect(await db('users').where({ id: ids.guest }).first()).toBeTruthy();
    expect((await cli('users', 'delete', 'gus@partner.example', '--yes')).code).toBe(0);
    expect(await db('users').where({ id: ids.guest }).first()).toBeUndefined();
    expect(await db('group_members').where({ user_id: ids.guest })).toEqual([]);
    expect(await db('app_assignments').where({ principal_id: ids.guest })).toEqual([]);
  });

  it('groups delete needs --yes and takes the group’s assignments with it; every change was audited as the CLI', async () => {
    expect((await cli('groups', 'delete', 'Partners')).code).toBe(2);
    expect((await cli('groups', 'delete', 'Partners', '--yes')).code).toBe(0);
    expect(await db('groups')).toEqual([]);
    expect(await db('app_assignments')).toEqual([]);
    const audit = await db('audit_log').orderBy('activity_at').select('activity', 'actor_type');
    expect(new Set(audit.map((a) => a.actor_type))).toEqual(new Set(['cli']));
    expect(audit.map((a) => a.activity)).toEqual(
      expect.arrayContaining(['Add group', 'Add member to group', 'Add owner to group', 'Add app role assignment to group', 'Remove app role assignment from user', 'Disable account', 'Revoke sign-in sessions', 'Enable account', 'Delete user', 'Delete group']),
    );
  });
});
