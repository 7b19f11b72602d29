/**
 * The `guests` scenario: the admin console's guest table at 100,000 guests on SQLite. A fresh
 * database file is migrated (so the indexes of 20261207_17_guest_list_indexes are there) and
 * seeded with batched INSERTs (bench/lib/seed-guests.ts), then each page kind is loaded the way
 * the route loads it (loadGuestTable: filter resolved, page and count queries, the rows' names),
 * one request at a time, and timed. HTTP, session and template are left out: they cost the same
 * at 10 guests as at 100,000, and the other scenarios measure them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { GuestCursorCodec, type GuestCursor } from '../../src/console/guests/guest-list-cursor.js';
import { GuestListQuery } from '../../src/console/guests/guest-list-query.js';
import { loadGuestTable } from '../../src/console/guests/guest-list-routes.js';
import { PartnerDirectory } from '../../src/partners/partner-directory.js';
import { summarize } from '../lib/stats.js';
import { seedGuests } from '../lib/seed-guests.js';
import { directoryApiBench, seedSignIns, type ApiListCase } from './directory-api.js';

export interface GuestTableCase {
  id: string;
  what: string;
  p50: number;
  p99: number;
  ops: number;
  rows: number;
  total: number;
  /** CPU time of this process per page (the load on a shared machine stretches wall time, not this). */
  cpuMs: number;
}

export async function guestTableBench(opts: {
  dir: string;
  /** The database to seed and query (default: a SQLite file in `dir`). */
  databaseUrl?: string;
  guests: number;
  iterations: number;
  /** How many pages deep the deep-page cases go (following the next-page link). */
  deepPages: number;
  log: (m: string) => void;
}): Promise<{ seedMs: number; cases: GuestTableCase[]; api: ApiListCase[] }> {
  const db = connectDatabase(opts.databaseUrl ?? `sqlite:${join(opts.dir, 'guests.sqlite')}`);
  try {
    await migrateLatest(db);
    const sponsorId = randomUUID();
    const now = new Date().toISOString();
    await db('users').insert({ id: sponsorId, user_type: 'Member', mail: 'sponsor@contoso.example', mail_normalized: 'sponsor@contoso.example', display_name: 'Sponsor', account_enabled: true, roles: '[]', created_at: now, updated_at: now });
    const t0 = performance.now();
    const seeded = await seedGuests(db, { count: opts.guests, idps: ['partner', 'google', 'email-otp'], sponsorIds: [sponsorId], inviterIds: [sponsorId, 'portal-app', 'cli'], domains: 50 });
    await seedSignIns(db, seeded, opts.guests);
    const seedMs = performance.now() - t0;
    opts.log(`guests: seeded ${opts.guests.toLocaleString('en')} guests (with invitations, identities, sponsors) and ${opts.guests.toLocaleString('en')} sign-in log rows in ${(seedMs / 1000).toFixed(1)} s`);
    await db.raw('ANALYZE');
    const deps = {
      db,
      users: new UsersRepository(db),
      partners: new PartnerDirectory({ partners: [{ id: 'p7', displayName: 'Partner Seven', domains: ['partner7.example'], identityProviders: [] }], partnerDefaults: defaults(), identityProviders: [] } as never),
      idpNames: new Map([['partner', 'Partner'], ['google', 'Google'], ['email-otp', 'Email one-time passcode']]),
      query: new GuestListQuery(db),
      cursors: new GuestCursorCodec(() => [Buffer.from('bench-cursor-key')]),
    };
    // A cursor deep in the table: walk to about the middle once, by keyset pages of 5,000.
    const deep = await deepCursor(deps, Math.floor(opts.guests / 2));
    const cases: [string, string, Record<string, string>][] = [
      ['guests-first', 'first page (invited, newest first)', {}],
      ['guests-deep', `page at row ${Math.floor(opts.guests / 2).toLocaleString('en')} (keyset cursor)`, { after: deep }],
      ['guests-sort-name', 'first page sorted by name', { sort: 'name', dir: 'asc' }],
      ['guests-sort-email', 'first page sorted by email, descending', { sort: 'email', dir: 'desc' }],
      ['guests-sort-state', 'first page sorted by state', { sort: 'state', dir: 'asc' }],
      ['guests-sort-last', 'first page sorted by last sign-in', { sort: 'lastSignIn', dir: 'desc' }],
      ['guests-state-pending', 'state: invitation pending', { state: 'pending' }],
      ['guests-state-expired', 'state: invitation expired', { state: 'expired' }],
      ['guests-state-accepted', 'state: accepted', { state: 'accepted' }],
      ['guests-state-withdrawn', 'state: no open invitation', { state: 'withdrawn' }],
      ['guests-state-disabled', 'state: disabled', { state: 'disabled' }],
      ['guests-partner', 'partner (one of 50 domains)', { partner: 'p7' }],
      ['guests-idp', 'identity provider', { idp: 'google' }],
      ['guests-signin-never', 'last sign-in: never', { signIn: 'never' }],
      ['guests-signin-after', 'last sign-in on or after a date', { signIn: 'after', signInDate: '2026-06-01' }],
      ['guests-signin-before', 'last sign-in before a date', { signIn: 'before', signInDate: '2026-03-01' }],
      ['guests-sponsor', 'sponsor', { sponsor: 'sponsor@contoso.example' }],
      ['guests-invited-by', 'invited by (an app)', { invitedBy: 'portal-app' }],
      ['guests-search', 'search (name, email or domain starts with)', { q: 'guest0123' }],
      ['guests-combined', 'accepted + IdP + last sign-in after, by name', { state: 'accepted', idp: 'google', signIn: 'after', signInDate: '2026-06-01', sort: 'name', dir: 'asc' }],
    ];
    const out: GuestTableCase[] = [];
    // Each filter and sort also at a deep page: the next-page link followed opts.deepPages times.
    const withDeep: [string, string, Record<string, string>][] = [];
    for (const [id, what, query] of cases) {
      withDeep.push([id, what, query]);
      if (id === 'guests-deep') continue;
      const deepAt = await followNext(deps, query, opts.deepPages);
      if (deepAt) withDeep.push([`${id}-deep`, `${what}, page ${deepAt.page}`, deepAt.query]);
    }
    for (const [id, what, query] of withDeep) {
      for (let i = 0; i < 3; i++) await loadGuestTable(deps, query); // warm-up
      const times: number[] = [];
      let rows = 0;
      let total = 0;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < opts.iterations; i++) {
        const start = performance.now();
        const r = await loadGuestTable(deps, query);
        times.push(performance.now() - start);
        rows = r.rows.length;
        total = r.total;
      }
      const s = summarize(times);
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = Math.round(((cpu.user + cpu.system) / 1000 / times.length) * 10) / 10;
      out.push({ id, what, p50: s.p50, p99: s.p99, ops: times.length, rows, total, cpuMs });
      opts.log(`${id}: p50 ${s.p50} ms, p99 ${s.p99} ms, CPU ${cpuMs} ms a page (${rows} rows of ${total.toLocaleString('en')})`);
    }
    const samples = { userId: seeded[7]!.id, upn: seeded[7]!.mail, mail: seeded[12345 % seeded.length]!.mail };
    const api = await directoryApiBench({ db, iterations: opts.iterations, deepPages: opts.deepPages, samples, log: opts.log });
    return { seedMs, cases: out, api };
  } finally {
    await db.destroy();
  }
}

/** The query of the page `pages` next-page links after the first (or the last page there is), or undefined with one page only. */
async function followNext(deps: Parameters<typeof loadGuestTable>[0], query: Record<string, string>, pages: number): Promise<{ page: number; query: Record<string, string> } | undefined> {
  let current = query;
  let page = 1;
  for (; page <= pages; page++) {
    const r = await loadGuestTable(deps, current);
    if (!r.page.hasMoreAfter || !r.page.users.length) break;
    const last = r.page.users.length - 1;
    current = { ...query, after: deps.cursors.encode({ sort: r.sortId, value: r.page.keys[last]!, id: r.page.users[last]!.id }) };
  }
  return page > 1 ? { page, query: current } : undefined;
}

async function deepCursor(deps: Parameters<typeof loadGuestTable>[0], row: number): Promise<string> {
  let after: GuestCursor | undefined;
  let seen = 0;
  while (seen < row) {
    const page = await deps.query.page({ filter: {}, sort: 'invited', dir: 'desc', size: Math.min(5000, row - seen), after, now: new Date().toISOString() });
    if (!page.users.length) break;
    seen += page.users.length;
    const last = page.users.length - 1;
    after = { sort: 'invited:desc', value: page.keys[last]!, id: page.users[last]!.id };
  }
  return deps.cursors.encode(after!);
}

function defaults() {
  return {
    b2bCollaborationInbound: {
      usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
      applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] },
    },
    inboundTrust: { isMfaAccepted: false },
    automaticUserConsentSettings: { inboundAllowed: false },
  };
}
