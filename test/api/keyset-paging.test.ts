/**
 * Issue 20: the Graph lists /users, /invitations and /auditLogs/signIns are keyset-paged with an
 * opaque, signed `$skiptoken` (src/api/skiptoken.ts). Walked by following `@odata.nextLink`:
 * every row exactly once, in order, also when many rows share the sort key and while rows are
 * inserted between pages; filters stay applied across pages; a token that was edited, forged, or
 * taken from another list or filter is refused with 400 invalidQuery and changes nothing. On
 * SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';
import { codeOf, startDirectoryWorld, type DirectoryWorld } from './directory-world.js';

type Page = { value: { id: string; createdDateTime?: string }[]; '@odata.nextLink'?: string };

describe('keyset paging on SQLite', () => suite(() => ({})));
describeWithPostgres('keyset paging on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});

// Ten rows share each instant: ties on the sort key are where offset-free paging goes wrong.
const instant = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 10))).toISOString();

function suite(storage: () => { databaseUrl?: string }) {
  let w: DirectoryWorld;
  const token = () => w.tokens['admin-app'];

  beforeAll(async () => {
    w = await startDirectoryWorld(() => {}, storage());
    for (let i = 0; i < 45; i++) await insertUser(i % 3 === 0 ? 'Member' : 'Guest', instant(i), `tie${i}@partner.example`);
    const someone = await insertUser('Guest', instant(0), 'invitee@partner.example');
    for (let i = 0; i < 45; i++) await insertInvitation(someone, instant(i), i % 2 ? 'PendingAcceptance' : 'Revoked');
    for (let i = 0; i < 45; i++) await insertSignIn(instant(i), i % 3 ? 'app-a' : 'app-b');
  });
  afterAll(() => w?.stop());

  async function insertUser(userType: 'Member' | 'Guest', at: string, mail: string): Promise<string> {
    const id = randomUUID();
    await w.db('users').insert({ id, user_type: userType, mail, mail_normalized: mail, display_name: mail, account_enabled: true, external_user_state: userType === 'Guest' ? 'PendingAcceptance' : null, roles: '[]', created_at: at, updated_at: at });
    return id;
  }
  async function insertInvitation(userId: string, at: string, status: string): Promise<string> {
    const id = randomUUID();
    await w.db('invitations').insert({ id, user_id: userId, invited_email: 'invitee@partner.example', invite_redirect_url: 'https://app.example/', status, invited_user_type: 'Guest', invited_by_type: 'app', invited_by_id: 'admin-app', expires_at: '2099-01-01T00:00:00.000Z', created_at: at });
    return id;
  }
  async function insertSignIn(at: string, appId: string): Promise<string> {
    const id = randomUUID();
    await w.db('sign_ins').insert({ id, created_at: at, app_id: appId, result: 'success', user_principal_name: 'someone@partner.example' });
    return id;
  }

  /** Follows the next links from `first`; `between` runs after each page. Returns the ids in order. */
  async function walk(first: string, between?: (page: number) => Promise<void>): Promise<{ ids: string[]; pages: number; links: string[] }> {
    const ids: string[] = [];
    const links: string[] = [];
    let path: string | undefined = first;
    let pages = 0;
    while (path) {
      const res: { status: number; body: Page } = await w.call<Page>(token(), 'GET', path);
      expect([path, res.status]).toEqual([path, 200]);
      ids.push(...res.body.value.map((r) => r.id));
      pages++;
      const next: string | undefined = res.body['@odata.nextLink'];
      if (next) links.push(next);
      path = next?.slice(`${w.issuer}/v1.0`.length);
      await between?.(pages);
    }
    return { ids, pages, links };
  }

  const allIds = async (table: string, where: Record<string, string> = {}) => (await w.db(table).where(where).select('id')).map((r: { id: string }) => r.id).sort();
  const dups = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

  it('/users: every user exactly once, oldest first, across pages of ties, while users are added', async () => {
    const before = await allIds('users');
    const added: string[] = [];
    const { ids, pages, links } = await walk('/users?$top=4', async (page) => {
      // One before every position (never shown: the walk is past it) and one after every position (shown).
      if (page < 6) {
        await insertUser('Guest', '2025-01-01T00:00:00.000Z', `early${page}@partner.example`);
        added.push(await insertUser('Guest', '2099-01-01T00:00:00.000Z', `late${page}@partner.example`));
      }
    });
    expect(pages).toBeGreaterThan(10);
    expect(dups(ids)).toEqual([]);
    expect([...ids].filter((id) => before.includes(id)).sort()).toEqual(before);
    for (const id of added) expect(ids).toContain(id);
    // Opaque: the token is no offset and says nothing readable.
    for (const link of links) expect(new URL(link).searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);
  });

  it("/users with $filter: only matching users, each once, the filter kept in every next link", async () => {
    const guests = (await w.db('users').where({ user_type: 'Guest' }).select('id')).map((r: { id: string }) => r.id).sort();
    const filter = encodeURIComponent("userType eq 'Guest'");
    const { ids, links } = await walk(`/users?$top=3&$filter=${filter}`);
    expect(dups(ids)).toEqual([]);
    expect([...ids].sort()).toEqual(guests);
    for (const link of links) expect(new URL(link).searchParams.get('$filter')).toBe("userType eq 'Guest'");
  });

  it('/invitations: each once, newest first, with and without a status filter, while invitations are added', async () => {
    const someone = (await w.db('users').where({ mail_normalized: 'invitee@partner.example' }).first('id')).id as string;
    const before = await allIds('invitations');
    const { ids } = await walk('/invitations?$top=4', async (page) => {
      if (page < 4) await insertInvitation(someone, '2099-01-01T00:00:00.000Z', 'PendingAcceptance'); // newer: behind the walk
    });
    expect(dups(ids)).toEqual([]);
    expect([...ids].filter((id) => before.includes(id)).sort()).toEqual(before);
    const seen = await w.call<Page>(token(), 'GET', '/invitations?$top=999');
    const times = seen.body.value.map((i) => i.createdDateTime!);
    expect(times).toEqual([...times].sort().reverse());

    const revoked = await allIds('invitations', { status: 'Revoked' });
    const filtered = await walk('/invitations?$top=5&status=Revoked');
    expect(dups(filtered.ids)).toEqual([]);
    expect([...filtered.ids].sort()).toEqual(revoked);
  });

  it('/auditLogs/signIns: each once, newest first, with $filter and a createdDateTime range, while sign-ins are recorded', async () => {
    const before = await allIds('sign_ins');
    const { ids } = await walk('/auditLogs/signIns?$top=4', async (page) => {
      if (page < 4) await insertSignIn(new Date().toISOString(), 'app-a');
    });
    expect(dups(ids)).toEqual([]);
    expect([...ids].filter((id) => before.includes(id)).sort()).toEqual(before);

    const appB = await allIds('sign_ins', { app_id: 'app-b' });
    const byApp = await walk(`/auditLogs/signIns?$top=4&$filter=${encodeURIComponent("appId eq 'app-b'")}`);
    expect([...byApp.ids].sort()).toEqual(appB);

    const from = instant(10);
    const to = instant(29);
    const inRange = (await w.db('sign_ins').where('created_at', '>=', from).andWhere('created_at', '<=', to).select('id')).map((r: { id: string }) => r.id).sort();
    const ranged = await walk(`/auditLogs/signIns?$top=3&$filter=${encodeURIComponent(`createdDateTime ge ${from} and createdDateTime le ${to}`)}`);
    expect(inRange).toHaveLength(20);
    expect(dups(ranged.ids)).toEqual([]);
    expect([...ranged.ids].sort()).toEqual(inRange);
  });

  it('refuses an edited, forged or foreign $skiptoken with 400 invalidQuery and changes nothing', async () => {
    const linkOf = async (path: string) => new URL((await w.call<Page>(token(), 'GET', path)).body['@odata.nextLink']!).searchParams.get('$skiptoken')!;
    const users = await linkOf('/users?$top=2');
    const guests = await linkOf(`/users?$top=2&$filter=${encodeURIComponent("userType eq 'Guest'")}`);
    const invitations = await linkOf('/invitations?$top=2');
    const signIns = await linkOf('/auditLogs/signIns?$top=2');
    const [body, mac] = users.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString()) as [string, string, string];
    const forgedBody = Buffer.from(JSON.stringify([decoded[0], '1970-01-01T00:00:00.000Z', decoded[2]])).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const counts = async () => Promise.all(['users', 'invitations', 'sign_ins', 'audit_log'].map(async (t) => Number((await w.db(t).count({ n: '*' }).first())!.n)));
    const startCounts = await counts();
    const cases: [string, string][] = [
      ['/users', flip(users, 3)], // body edited, old MAC
      ['/users', `${body}.${flip(mac, 5)}`], // MAC edited
      ['/users', `${forgedBody}.${mac}`], // another position under the old MAC
      ['/users', body], // no MAC
      ['/users', `${users}.x`],
      ['/users', 'not-a-token'],
      ['/users', 'a'.repeat(5000)],
      ['/users', guests], // another filter's token
      [`/users?$filter=${encodeURIComponent("userType eq 'Member'")}`, guests],
      ['/invitations', users], // another list's token
      ['/invitations?status=Revoked', invitations],
      ['/auditLogs/signIns', invitations],
      [`/auditLogs/signIns?$filter=${encodeURIComponent("appId eq 'app-a'")}`, signIns],
      ['/users', '12'], // the offsets Foyer used to hand out
    ];
    for (const [path, skiptoken] of cases) {
      const res = await w.call(token(), 'GET', `${path}${path.includes('?') ? '&' : '?'}$skiptoken=${encodeURIComponent(skiptoken)}`);
      expect([path, skiptoken.slice(0, 40), res.status, codeOf(res)]).toEqual([path, skiptoken.slice(0, 40), 400, 'invalidQuery']);
      expect(JSON.stringify(res.body)).not.toMatch(/stack|SQL|sqlite|postgres/i);
    }
    expect(await counts()).toEqual(startCounts);
    // The genuine tokens still work.
    for (const [path, skiptoken] of [['/users?$top=2', users], ['/invitations?$top=2', invitations], ['/auditLogs/signIns?$top=2', signIns]] as const) {
      expect((await w.call(token(), 'GET', `${path}&$skiptoken=${encodeURIComponent(skiptoken)}`)).status).toBe(200);
    }
  });
}
