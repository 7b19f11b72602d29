/**
 * The console's guest table read as its users and its attackers would: every page of every sort
 * (no duplicates, no gaps, also while guests are added), each filter against the seeded truth,
 * the count, the CSV export of the filtered set (escaping, formula injection), and a cursor that
 * was edited or belongs to another sort refused with 400 invalidCursor.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seedGuests, type SeededGuest } from '../../bench/lib/seed-guests.js';
import { errorCodeOf, type Browser } from '../support/browserless.js';
import { useStarted, startWorld, type World } from '../support/world.js';
import { guestTableRows, memberOnMyApps } from '../portal/portal-helpers.js';

const COUNT = 230;
const IDPS = ['partner', 'google'];
let seeded: SeededGuest[] = [];
let admin: Browser;
let sponsorId = '';
let inviterId = '';

const world: World = useStarted(async () => {
  const w = await startWorld({
    oidc: true,
    portal: true,
    members: [{ email: 'admin@contoso.example', admin: true, name: 'Ada Admin' }, 'sponsor@contoso.example', 'inviter@contoso.example'],
    customize: (config) => {
      config.partners = [{ id: 'p3', displayName: 'Partner Three', domains: ['partner3.example'] }];
    },
  });
  sponsorId = w.members['sponsor@contoso.example']!;
  inviterId = w.members['inviter@contoso.example']!;
  seeded = await seedGuests(w.foyer.foyer.db, { count: COUNT, idps: IDPS, sponsorIds: [sponsorId, randomUUID()].slice(0, 1), inviterIds: [inviterId, 'portal-app'] });
  admin = (await memberOnMyApps(w.foyer, 'admin@contoso.example', '/myapps/admin/guests')).browser;
  return w;
});

const TABLE = () => `${world.issuer}/myapps/admin/guests`;

/** Follows "Next page" from the first page; returns every row id in order and the count shown. */
async function walk(query: string, between?: (page: number) => Promise<void>): Promise<{ ids: string[]; total: number; pages: number }> {
  let url = `${TABLE()}?${query}`;
  const ids: string[] = [];
  let total = -1;
  let pages = 0;
  for (;;) {
    const page = await admin.navigate(url);
    expect(page.status).toBe(200);
    if (total < 0) total = Number(/<strong>([\d,]+)<\/strong> guests? match/.exec(page.body)![1]!.replace(/,/g, ''));
    ids.push(...guestTableRows(page.body).map((r) => r.id));
    pages++;
    const next = /<a href="([^"]+)" id="next-page"/.exec(page.body)?.[1];
    if (!next) return { ids, total, pages };
    await between?.(pages);
    url = `${world.issuer}${next.replace(/&amp;/g, '&')}`;
  }
}

const byKey = (key: (g: SeededGuest) => string, dir: 'asc' | 'desc') => (a: SeededGuest, b: SeededGuest) => {
  const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return dir === 'asc' ? order : -order;
};
const STATE_RANK = { accepted: '1', pending: '2', expired: '2', withdrawn: '2', disabled: '3' } as const;
const SORT_KEYS: Record<string, (g: SeededGuest) => string> = {
  name: (g) => g.displayName.toLowerCase(),
  email: (g) => g.mail,
  state: (g) => STATE_RANK[g.state],
  lastSignIn: (g) => g.lastSignInAt ?? '',
  invited: (g) => g.createdAt,
};

describe('the guest table', () => {
  it('pages through every sort in both directions: each guest once, in order, with the count', async () => {
    for (const sort of Object.keys(SORT_KEYS)) {
      for (const dir of ['asc', 'desc'] as const) {
        const { ids, total, pages } = await walk(`sort=${sort}&dir=${dir}`);
        expect(total).toBe(COUNT);
        expect(pages).toBe(Math.ceil(COUNT / 50));
        expect(ids).toEqual([...seeded].sort(byKey(SORT_KEYS[sort]!, dir)).map((g) => g.id));
      }
    }
  });

  it('goes back with "Previous page" to exactly the rows it came from', async () => {
    const first = await admin.navigate(`${TABLE()}?sort=name&dir=asc`);
    const second = await admin.navigate(`${world.issuer}${/<a href="([^"]+)" id="next-page"/.exec(first.body)![1]!.replace(/&amp;/g, '&')}`);
    const back = await admin.navigate(`${world.issuer}${/<a href="([^"]+)" id="previous-page"/.exec(second.body)![1]!.replace(/&amp;/g, '&')}`);
    expect(guestTableRows(back.body).map((r) => r.id)).toEqual(guestTableRows(first.body).map((r) => r.id));
    expect(back.body).not.toContain('id="previous-page"');
  });

  it('shows no duplicates and no gaps while guests are added between pages', async () => {
    const db = world.foyer.foyer.db;
    const added: string[] = [];
    // Before page 2 and 4: one guest that sorts first and one that sorts last (by name).
    const { ids } = await walk('sort=name&dir=asc', async (page) => {
      if (page !== 1 && page !== 3) return;
      for (const name of [`Aaa inserted ${page}`, `Zzz inserted ${page}`]) {
        const id = randomUUID();
        const now = new Date().toISOString();
        await db('users').insert({ id, user_type: 'Guest', mail: `${name.replace(/ /g, '.')}@late.example`.toLowerCase(), mail_normalized: `${name.replace(/ /g, '.')}@late.example`.toLowerCase(), display_name: name, account_enabled: true, external_user_state: 'Accepted', roles: '[]', created_at: now, updated_at: now });
        added.push(id);
      }
    });
    expect(new Set(ids).size).toBe(ids.length);
    for (const g of seeded) expect(ids).toContain(g.id);
    // Those sorting after the cursor appear; those before it do not come back as duplicates.
    expect(ids.filter((id) => added.includes(id))).toHaveLength(2);
    await db('users').whereIn('id', added).delete();
  });

  it('filters by state (expired invitations too), partner, IdP, last sign-in, sponsor, inviter and search', async () => {
    const expectFilter = async (query: string, want: (g: SeededGuest) => boolean) => {
      const { ids, total } = await walk(query);
      const expected = seeded.filter(want).map((g) => g.id).sort();
      expect(expected.length, query).toBeGreaterThan(0);
      expect([...ids].sort(), query).toEqual(expected);
      expect(total, query).toBe(expected.length);
    };
    for (const state of ['pending', 'expired', 'accepted', 'withdrawn', 'disabled'] as const) await expectFilter(`state=${state}`, (g) => g.state === state);
    await expectFilter('partner=p3', (g) => g.domain === 'partner3.example');
    await expectFilter('idp=google', (g) => g.idp === 'google');
    await expectFilter('signIn=never', (g) => g.lastSignInAt === null);
    await expectFilter('signIn=after&signInDate=2026-06-01', (g) => g.lastSignInAt !== null && g.lastSignInAt >= '2026-06-01');
    await expectFilter('signIn=before&signInDate=2026-06-01', (g) => g.lastSignInAt !== null && g.lastSignInAt < '2026-06-01');
    await expectFilter('sponsor=SPONSOR%40contoso.example', (g) => g.sponsorId === sponsorId);
    await expectFilter('invitedBy=inviter%40contoso.example', (g) => g.invitedById === inviterId);
    await expectFilter('invitedBy=portal-app', (g) => g.invitedById === 'portal-app');
    await expectFilter('q=GUEST%2001', (g) => g.displayName.toLowerCase().startsWith('guest 01'));
    await expectFilter('q=partner1', (g) => g.domain.startsWith('partner1'));
    await expectFilter('q=guest002', (g) => g.mail.startsWith('guest002'));
    await expectFilter('state=accepted&idp=partner&q=guest01&sort=lastSignIn', (g) => g.state === 'accepted' && g.idp === 'partner' && g.mail.startsWith('guest01'));
    await expectFilter('state=expired&partner=p3', (g) => g.state === 'expired' && g.domain === 'partner3.example');
    // An unknown sponsor matches no one (rather than everyone).
    expect((await walk('sponsor=nobody%40contoso.example')).total).toBe(0);
  });

  it('refuses an edited cursor, a forged one and one from another sort with 400 invalidCursor', async () => {
    const first = await admin.navigate(`${TABLE()}?sort=email&dir=asc`);
    const next = /id="next-page"/.test(first.body) ? /<a href="([^"]+)" id="next-page"/.exec(first.body)![1]!.replace(/&amp;/g, '&') : '';
    const cursor = new URL(`${world.issuer}${next}`).searchParams.get('after')!;
    const [body, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['email:asc', '', '00000000-0000-0000-0000-000000000000'])).toString('base64url');
    const flipped = `${body.slice(0, -2)}${body.slice(-2) === 'AA' ? 'AB' : 'AA'}.${mac}`;
    for (const bad of [`${forged}.${mac}`, flipped, `${body}.${mac.slice(0, -1)}${mac.endsWith('x') ? 'y' : 'x'}`, 'garbage', `${body}.${mac}.x`]) {
      const page = await admin.navigate(`${TABLE()}?sort=email&dir=asc&after=${encodeURIComponent(bad)}`);
      expect([page.status, errorCodeOf(page.body)], bad).toEqual([400, 'invalidCursor']);
    }
    const otherSort = await admin.navigate(`${TABLE()}?sort=name&dir=asc&after=${encodeURIComponent(cursor)}`);
    expect([otherSort.status, errorCodeOf(otherSort.body)]).toEqual([400, 'invalidCursor']);
    const otherDir = await admin.navigate(`${TABLE()}?sort=email&dir=desc&before=${encodeURIComponent(cursor)}`);
    expect([otherDir.status, errorCodeOf(otherDir.body)]).toEqual([400, 'invalidCursor']);
  });
});

describe('the CSV export', () => {
  it('streams the filtered set with a header, escapes quotes and commas, and defuses formulas', async () => {
    const db = world.foyer.foyer.db;
    const tricky = [
      { name: '=HYPERLINK("https://evil.example","click")', mail: 'formula1@partner3.example' },
      { name: '+1+cmd|calc', mail: 'formula2@partner3.example' },
      { name: '-2, "quoted"', mail: 'formula3@partner3.example' },
      { name: '@SUM(A1)\nsecond line', mail: 'formula4@partner3.example' },
    ];
    const now = new Date().toISOString();
    const ids = tricky.map(() => randomUUID());
    await db('users').insert(tricky.map((t, i) => ({ id: ids[i], user_type: 'Guest', mail: t.mail, mail_normalized: t.mail, display_name: t.name, account_enabled: true, external_user_state: 'Accepted', roles: '[]', created_at: now, updated_at: now })));
    try {
      const res = await admin.request(`${TABLE()}/export.csv?partner=p3&state=accepted`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="guests-\d{4}-\d\d-\d\d\.csv"$/);
      const text = await res.text();
      const lines = text.split('\r\n');
      expect(lines[0]).toBe('id,displayName,mail,state,partner,identityProviders,lastSignInDateTime,invitedDateTime,invitedBy');
      const expected = seeded.filter((g) => g.state === 'accepted' && g.domain === 'partner3.example').map((g) => g.id);
      const rowIds = lines.slice(1).filter((l) => /^[0-9a-f-]{36},/.test(l)).map((l) => l.slice(0, 36));
      expect(rowIds.sort()).toEqual([...expected, ...ids].sort());
      expect(text).toContain(`${ids[0]},"'=HYPERLINK(""https://evil.example"",""click"")",formula1@partner3.example,Accepted,Partner Three,`);
      expect(text).toContain(`${ids[1]},'+1+cmd|calc,`);
      expect(text).toContain(`${ids[2]},"'-2, ""quoted""",`);
      expect(text).toContain(`${ids[3]},"'@SUM(A1)\nsecond line",`);
      // No cell starts with a formula character unprefixed.
      expect(text).not.toMatch(/(^|,)"?[=+@]/m);
    } finally {
      await db('users').whereIn('id', ids).delete();
    }
  });

  it('exports every match beyond one page (all 230, in batches)', async () => {
    const text = await (await admin.request(`${TABLE()}/export.csv?sort=name&dir=asc`)).text();
    const rowIds = text.split('\r\n').slice(1).filter(Boolean).map((l) => l.slice(0, 36));
    expect(rowIds).toEqual([...seeded].sort(byKey(SORT_KEYS.name!, 'asc')).map((g) => g.id));
  });
});
