import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from '../cli/cli-harness.js';

// Grant → list → refuse → revoke build on each other, on one database.
describe.sequential('foyer roles (directory roles from the terminal)', { timeout: 180_000 }, () => {
  let cfg: TempConfig;
  let db: Database;
  const ids: Record<'admin' | 'member' | 'guest', string> = { admin: '', member: '', guest: '' };
  const cli = (...args: string[]) =>
    runCli(args, { config: cfg.file }).then((r) => ({ ...r, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('oidc-provider WARNING')).join('\n') }));
  const rolesOf = async (id: string) => JSON.parse(String((await db('users').where({ id }).first('roles')).roles)) as string[];

  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig();
    db = connectDatabase(cfg.databaseUrl);
    await migrateLatest(db);
    const users = new UsersRepository(db);
    ids.admin = (await users.create({ mail: 'ada@contoso.example', userType: 'Member', roles: ['admin'] })).id;
    ids.member = (await users.create({ mail: 'mia@contoso.example', userType: 'Member' })).id;
    ids.guest = (await users.create({ mail: 'gus@partner.example', userType: 'Guest', externalUserState: 'Accepted' })).id;
  }, 180_000); // the first CLI suite of a run compiles the CLI
  afterAll(async () => {
    await db?.destroy();
    cfg?.remove();
  });

  it('grants a role by its slug or display name, audited, and lists its members', async () => {
    const granted = await cli('roles', 'grant', 'guest-inviter', 'mia@contoso.example');
    expect([granted.code, granted.stdout.trim()]).toEqual([0, 'mia@contoso.example now holds Guest Inviter']);
    expect((await cli('roles', 'grant', 'User Administrator', ids.member)).code).toBe(0);
    expect(await rolesOf(ids.member)).toEqual(['guestInviter', 'userAdministrator']);
    const members = await cli('roles', 'members', 'guest-inviter', '--json');
    expect(JSON.parse(members.stdout)).toEqual([{ id: ids.member, mail: 'mia@contoso.example', userType: 'Member', accountEnabled: true }]);
    const audit = await db('audit_log').where({ category: 'RoleManagement' }).select('activity', 'actor_type', 'target_id');
    expect(audit).toEqual([
      { activity: 'Add member to role', actor_type: 'cli', target_id: ids.member },
      { activity: 'Add member to role', actor_type: 'cli', target_id: ids.member },
    ]);
    const list = await cli('roles', 'list');
    expect(list.stdout).toMatch(/95e79109-95c0-4d8e-aee3-d01accf2d47b\s+guest-inviter\s+1\s+Guest Inviter/);
  });

  it('refuses a guest, an unknown role and the last Global Administrator, changing nothing', async () => {
    const guest = await cli('roles', 'grant', 'admin', 'gus@partner.example');
    expect([guest.code, guest.stderr]).toEqual([2, expect.stringContaining('guests hold no directory role unless directoryRoles.allowGuests')]);
    expect(await rolesOf(ids.guest)).toEqual([]);
    const unknown = await cli('roles', 'grant', 'owner', 'mia@contoso.example');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('no directory role "owner"; use one of: admin, user-administrator')]);
    const last = await cli('roles', 'revoke', 'admin', 'ada@contoso.example');
    expect([last.code, last.stderr]).toEqual([2, expect.stringContaining('last enabled Global Administrator')]);
    expect(await rolesOf(ids.admin)).toEqual(['admin']);
  });

  it('revokes a role', async () => {
    const res = await cli('roles', 'revoke', 'guest-inviter', 'mia@contoso.example');
    expect([res.code, res.stdout.trim()]).toEqual([0, 'mia@contoso.example no longer holds Guest Inviter']);
    expect(await rolesOf(ids.member)).toEqual(['userAdministrator']);
  });
});
