import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { AlreadyAssignedError, AssignmentsRepository } from '../../src/directory/assignments-repository.js';
import { DirectoryUsers } from '../../src/directory/directory-users.js';
import { GroupsRepository } from '../../src/directory/groups-repository.js';
import { userVersionsOf } from '../../src/directory/user-writes.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

/** The repository behaviour both databases must share. */
function repositorySuite(database: () => Database) {
  let users: UsersRepository;
  let groups: GroupsRepository;
  let assignments: AssignmentsRepository;
  let directory: DirectoryUsers;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = database();
    await migrateLatest(db);
    users = new UsersRepository(db);
    groups = new GroupsRepository(db);
    assignments = new AssignmentsRepository(db);
    directory = new DirectoryUsers(db);
    ids.ann = (await users.create({ mail: 'ann@contoso.example', displayName: 'Ann Member', userType: 'Member' })).id;
    ids.bo = (await users.create({ mail: 'bo_50%@partner.example', displayName: 'Bo Guest', userType: 'Guest', externalUserState: 'PendingAcceptance' })).id;
    ids.cy = (await users.create({ mail: 'cy@partner.example', displayName: 'Cy Guest', userType: 'Guest', externalUserState: 'Accepted' })).id;
  });

  it('users: a user asked for several times in one request is read once; another request uses the node’s copy where the storage keeps one, until the user is written', async () => {
    const db = database();
    let reads = 0;
    const count = (q: { sql: string }) => {
      if (/from .users./.test(q.sql)) reads++;
    };
    db.on('query', count);
    try {
      const first = {};
      const [a, b] = await Promise.all([users.findByIdInRequest(first, ids.ann!), users.findByIdInRequest(first, ids.ann!)]);
      expect(a?.mail).toBe('ann@contoso.example');
      expect(b).toEqual(a);
      expect(await users.findByIdInRequest(first, ids.cy!)).toMatchObject({ mail: 'cy@partner.example' });
      expect(reads).toBe(2);
      // SQLite keeps copies (PRAGMA data_version sees other processes); PostgreSQL without Redis does not.
      const copies = userVersionsOf(db).caching;
      expect(await users.findByIdInRequest({}, ids.ann!)).toEqual(a);
      expect(reads).toBe(copies ? 2 : 3);
      await users.setRoles(ids.ann!, [...a!.roles]);
      expect(await users.findByIdInRequest({}, ids.ann!)).toEqual(a);
      expect(reads).toBe(copies ? 3 : 4);
    } finally {
      db.off('query', count);
    }
  });

  it('groups: members and owners are added once, listed in order, removed, and follow the group when it goes', async () => {
    const g = await groups.create({ displayName: 'Partners', description: 'All partners' });
    expect(await groups.findById(g.id)).toEqual(g);
    expect(await groups.addLink('members', g.id, ids.bo!)).toBe(true);
    expect(await groups.addLink('members', g.id, ids.bo!)).toBe(false);
    expect(await groups.addLink('members', g.id, ids.cy!)).toBe(true);
    expect(await groups.addLink('owners', g.id, ids.ann!)).toBe(true);
    // Links made in the same millisecond are ordered by random id, so the order is checked against the full listing, not assumed.
    const members = (await groups.listLinked('members', g.id)).map((u) => u.mail);
    expect([...members].sort()).toEqual(['bo_50%@partner.example', 'cy@partner.example']);
    expect((await groups.listLinked('members', g.id, { top: 1, skip: 1 })).map((u) => u.mail)).toEqual([members[1]]);
    expect(await groups.hasLink('owners', g.id, ids.ann!)).toBe(true);
    expect(await groups.hasLink('owners', g.id, ids.bo!)).toBe(false);
    expect((await groups.groupsOf('members', ids.cy!)).map((x) => x.id)).toEqual([g.id]);
    expect(await groups.removeLink('members', g.id, ids.cy!)).toBe(true);
    expect(await groups.removeLink('members', g.id, ids.cy!)).toBe(false);
    expect(await groups.delete(g.id)).toBe(true);
    expect(await groups.groupsOf('members', ids.bo!)).toEqual([]);
    expect(await groups.groupsOf('owners', ids.ann!)).toEqual([]);
    expect(await groups.delete(g.id)).toBe(false);
  });

  it('assignments: direct or through a group decide which apps a user has', async () => {
    const g = await groups.create({ displayName: 'CRM users' });
    await groups.addLink('members', g.id, ids.cy!);
    const direct = await assignments.assign('hr', 'User', ids.bo!);
    await assignments.assign('crm', 'Group', g.id);
    await expect(assignments.assign('hr', 'User', ids.bo!)).rejects.toBeInstanceOf(AlreadyAssignedError);
    expect([...(await assignments.appIdsForUser(ids.bo!))]).toEqual(['hr']);
    expect([...(await assignments.appIdsForUser(ids.cy!))]).toEqual(['crm']);
    expect(await assignments.isUserAssigned('crm', ids.cy!)).toBe(true);
    expect(await assignments.isUserAssigned('crm', ids.bo!)).toBe(false);
    expect(await assignments.isUserAssigned('hr', ids.bo!)).toBe(true);
    await groups.removeLink('members', g.id, ids.cy!);
    expect(await assignments.isUserAssigned('crm', ids.cy!)).toBe(false);
    expect(await assignments.remove(direct.id)).toBe(true);
    expect(await assignments.isUserAssigned('hr', ids.bo!)).toBe(false);
    expect(await assignments.removeForPrincipal('Group', g.id)).toBe(1);
    expect(await assignments.listForApp('crm')).toEqual([]);
  });

  it('directory users: filters, a search that treats % and _ literally, update, delete with assignments', async () => {
    const list = async (f: Parameters<DirectoryUsers['list']>[0]) => (await directory.list(f, { top: 100 })).map((u) => u.mail);
    expect((await list({ userType: 'Guest' })).sort()).toEqual(['bo_50%@partner.example', 'cy@partner.example']);
    expect(await list({ externalUserState: 'Accepted' })).toEqual(['cy@partner.example']);
    expect(await list({ mail: 'CY@Partner.Example' })).toEqual(['cy@partner.example']);
    expect(await list({ search: '50%' })).toEqual(['bo_50%@partner.example']);
    expect(await list({ search: 'o_5' })).toEqual(['bo_50%@partner.example']);
    expect(await list({ search: 'y g' })).toEqual(['cy@partner.example']);
    expect(await list({ search: '%' })).toEqual(['bo_50%@partner.example']);
    const [first] = await directory.list({}, { top: 1 });
    expect(await directory.list({}, { top: 1, after: { value: first!.createdDateTime, id: first!.id } })).toHaveLength(1);

    const updated = await directory.update(ids.cy!, { displayName: ' Cy G. ', accountEnabled: false });
    expect(updated).toMatchObject({ displayName: 'Cy G.', accountEnabled: false });
    expect(await list({ accountEnabled: false })).toEqual(['cy@partner.example']);
    expect(await directory.update('7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11', { displayName: 'x' })).toBeUndefined();

    await assignments.assign('hr', 'User', ids.cy!);
    expect(await directory.delete(ids.cy!)).toBe(true);
    expect(await users.findById(ids.cy!)).toBeUndefined();
    expect(await assignments.listForPrincipal('User', ids.cy!)).toEqual([]);
    expect(await directory.delete(ids.cy!)).toBe(false);
  });
}

describe('directory repositories on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-dir-'));
  const db = connectDatabase(`sqlite:${join(dir, 'foyer.sqlite')}`);
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  repositorySuite(() => db);
});

describeWithPostgres('directory repositories on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  repositorySuite(() => pg.db);
});
