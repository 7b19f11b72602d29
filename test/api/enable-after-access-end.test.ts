/**
 * An ended guest cannot be switched back on through Graph (nor the console or the CLI, which share
 * UserLifecycle.update): the access end refuses every sign-in and token anyway, so a 204 would only
 * make the caller believe it had restored access. 400 accessEnded, nothing written; disabling and
 * other attributes still work. SCIM refuses the same (test/scim/scim-access-end.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeUsers } from '../../src/directory/user-writes.js';
import { insertGuest, startDirectoryWorld, type DirectoryWorld } from './directory-world.js';

let w: DirectoryWorld;
beforeAll(async () => {
  w = await startDirectoryWorld();
});
afterAll(() => w?.stop());

const PAST = new Date(Date.now() - 60_000).toISOString();

/** A guest whose access end passed a minute ago; `swept`: the expiry sweep has disabled them too. */
async function endedGuest(mail: string, swept: boolean): Promise<string> {
  const id = await insertGuest(w, mail, 'Accepted');
  await writeUsers(w.db, id, (users) => users.where({ id }).update({ access_expires_at: PAST, account_enabled: !swept }));
  return id;
}

async function written(id: string) {
  return { user: await w.db('users').where({ id }).first(), audit: await w.db('audit_log').where({ target_id: id }).select('activity') };
}

describe('PATCH /v1.0/users/{id} on a guest whose access ended', () => {
  for (const swept of [false, true]) {
    it(`refuses accountEnabled true with 400 accessEnded and writes nothing (${swept ? 'after' : 'before'} the sweep)`, async () => {
      const id = await endedGuest(`ended-${swept ? 'swept' : 'unswept'}@partner.example`, swept);
      const before = await written(id);
      const res = await w.call<{ error: { code: string } }>(w.tokens['writer-app'], 'PATCH', `/users/${id}`, { accountEnabled: true, displayName: 'Renamed' });
      expect([res.status, res.body.error?.code]).toEqual([400, 'accessEnded']);
      expect(await written(id)).toEqual(before);
    });
  }

  it('still takes a rename and a disable', async () => {
    const id = await endedGuest('ended-rename@partner.example', false);
    expect((await w.call(w.tokens['writer-app'], 'PATCH', `/users/${id}`, { displayName: 'Renamed' })).status).toBe(204);
    expect((await w.call(w.tokens['writer-app'], 'PATCH', `/users/${id}`, { accountEnabled: false })).status).toBe(204);
    expect(await w.db('users').where({ id }).first()).toMatchObject({ display_name: 'Renamed', account_enabled: 0 });
  });

  it('enables a disabled guest whose access has not ended, as before', async () => {
    const id = await insertGuest(w, 'not-ended@partner.example', 'Accepted');
    await writeUsers(w.db, id, (users) => users.where({ id }).update({ access_expires_at: new Date(Date.now() + 86_400_000).toISOString(), account_enabled: false }));
    expect((await w.call(w.tokens['writer-app'], 'PATCH', `/users/${id}`, { accountEnabled: true })).status).toBe(204);
    expect((await w.db('users').where({ id }).first()).account_enabled).toBe(1);
  });
});
