/**
 * The directory audit log, readable: GET /v1.0/auditLogs/directoryAudits in Graph's shape with its
 * $filter subset, for AuditLog.Read.All only, read-only; and `foyer audit list` printing the same.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';
import { codeOf, insertGuest, startDirectoryWorld, type DirectoryWorld } from './directory-world.js';

let world: DirectoryWorld;
let guest: string;
let other: string;
const list = (filter?: string) => world.call<{ value: Record<string, unknown>[] }>(world.tokens['admin-app'], 'GET', `/auditLogs/directoryAudits${filter ? `?$filter=${encodeURIComponent(filter)}` : ''}`);

beforeAll(async () => {
  // The build first: a connection left idle through it would be reset by the server.
  await ensureBuilt();
  world = await startDirectoryWorld();
  guest = await insertGuest(world, 'ada@partner.example', 'Accepted');
  other = await insertGuest(world, 'ben@partner.example', 'Accepted');
  expect((await world.call(world.tokens['writer-app'], 'PATCH', `/users/${guest}`, { accountEnabled: false })).status).toBe(204);
  expect((await world.call(world.tokens['writer-app'], 'PATCH', `/users/${other}`, { displayName: 'Ben B' })).status).toBe(204);
}, 240_000);
afterAll(() => world?.stop());

describe('GET /v1.0/auditLogs/directoryAudits', () => {
  it("answers in Graph's shape, newest first, and filters on activity, target, initiator and date", async () => {
    const all = await list();
    expect(all.status).toBe(200);
    const disable = all.body.value.find((a) => a.activityDisplayName === 'Disable account')!;
    expect(disable).toMatchObject({
      category: 'UserManagement',
      result: 'success',
      loggedByService: 'Core Directory',
      operationType: 'Update',
      initiatedBy: { user: null, app: { appId: 'writer-app' } },
      targetResources: [{ id: guest, type: 'User', modifiedProperties: [] }],
    });
    const times = all.body.value.map((a) => a.activityDateTime as string);
    expect([...times].sort().reverse()).toEqual(times);

    expect((await list("activityDisplayName eq 'Disable account'")).body.value.map((a) => a.id)).toEqual([disable.id]);
    const aboutBen = (await list(`targetResources/any(t: t/id eq '${other}')`)).body.value;
    expect(aboutBen.map((a) => a.activityDisplayName)).toEqual(['Update user']);
    expect((await list("initiatedBy/app/appId eq 'writer-app' and activityDisplayName eq 'Update user'")).body.value).toHaveLength(1);
    expect((await list(`activityDateTime ge ${new Date(Date.now() + 60_000).toISOString()}`)).body.value).toEqual([]);
    expect((await list(`activityDateTime le 2001-01-01T00:00:00Z`)).body.value).toEqual([]);
    const one = await world.call(world.tokens['admin-app'], 'GET', `/auditLogs/directoryAudits/${disable.id}`);
    expect(one.body).toEqual(disable);
  });

  it('refuses filters it does not understand, callers without AuditLog.Read.All, and writes', async () => {
    for (const bad of ["activityDisplayName ne 'x'", "targetResources/any(t: t/displayName eq 'x')", 'activityDateTime ge yesterday', "1 eq 1 or activityDisplayName eq 'x'"]) {
      const res = await list(bad);
      expect([bad, res.status, codeOf(res)]).toEqual([bad, 400, 'invalidQuery']);
    }
    const reader = await world.call(world.tokens['reader-app'], 'GET', '/auditLogs/directoryAudits');
    expect([reader.status, codeOf(reader)]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await world.call(world.tokens['admin-app'], 'DELETE', '/auditLogs/directoryAudits')).status).toBe(405);
  });
});

describe('npx foyer audit list', () => {
  it('prints the same entries, filtered', async () => {
    const res = await runCli(['--config', join(world.foyer.dir, 'foyer.yaml'), 'audit', 'list', '--activity', 'Disable account', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const rows = JSON.parse(res.stdout) as { activityDisplayName: string; targetResources: { id: string }[] }[];
    expect(rows.map((r) => [r.activityDisplayName, r.targetResources[0]!.id])).toEqual([['Disable account', guest]]);
    const text = await runCli(['--config', join(world.foyer.dir, 'foyer.yaml'), 'audit', 'list', '--target', other]);
    expect(text.stdout).toMatch(/^TIME\s+RESULT\s+ACTIVITY\s+BY\s+TARGET\s+DETAILS/);
    expect(text.stdout).toMatch(/success\s+Update user\s+app writer-app\s+User /);
  });
});
