import type { Knex } from 'knex';
import { isPostgres, type Database } from '../../db/connect.js';
import { toUser, type User, type UserRow } from '../../directory/user-model.js';
import type { GuestCursor } from './guest-list-cursor.js';

export const GUEST_SORTS = ['name', 'email', 'state', 'lastSignIn', 'invited'] as const;
export type GuestSort = (typeof GUEST_SORTS)[number];
export const GUEST_STATES = ['pending', 'expired', 'accepted', 'withdrawn', 'accessEnded', 'disabled'] as const;
export type GuestStateFilter = (typeof GUEST_STATES)[number];

/** What the table can be narrowed by; every field optional, all given must match. */
export interface GuestListFilter {
  state?: GuestStateFilter;
  /** A partner's domains (the email's) and dedicated IdPs (the home IdP's), resolved from config by the caller. */
  partner?: { domains: string[]; idps: string[] };
  /** The guest's home IdP: the one of their first linked identity. */
  idp?: string;
  lastSignIn?: { never: true } | { after?: string; before?: string };
  sponsorId?: string;
  /** The inviter of the guest's first invitation (a user or app id). */
  invitedById?: string;
  /** Starts the display name, the email address or the email's domain (case-insensitive). */
  search?: string;
}

/**
 * The sort columns as SQL expressions. Each has an index (users.user_type, expression, id) in
 * migration 20261207_17_guest_list_indexes, written with exactly this text so that SQLite matches
 * it; none is nullable, so keyset paging compares plain (value, id) pairs: a guest who never
 * signed in sorts as '' (before everyone who did).
 */
export const SORT_EXPRESSIONS: Record<GuestSort, string> = {
  name: 'lower(display_name)',
  email: 'mail_normalized',
  state: "(CASE WHEN NOT account_enabled THEN '3' WHEN external_user_state = 'Accepted' THEN '1' ELSE '2' END)",
  lastSignIn: "COALESCE(last_sign_in_at, '')",
  invited: 'created_at',
};

/** The email's domain, as the migration indexes it on each database. */
export function domainExpression(db: Database, table = ''): string {
  const mail = `${table}mail_normalized`;
  return isPostgres(db) ? `split_part(${mail}, '@', 2)` : `substr(${mail}, instr(${mail}, '@') + 1)`;
}

/** Counts stop here: the table says "more than 1,000" (see count()). */
export const COUNT_CAP = 1000;

export interface GuestPageRequest {
  filter: GuestListFilter;
  sort: GuestSort;
  dir: 'asc' | 'desc';
  size: number;
  /** Rows after this one (next page) or before it (previous page). */
  after?: GuestCursor;
  before?: GuestCursor;
  now: string;
}

export interface GuestPage {
  users: User[];
  /** The sort value of each row, in order (for the cursors). */
  keys: string[];
  hasMoreAfter: boolean;
  hasMoreBefore: boolean;
}

/**
 * The admin console's guest table: filtered, sorted, keyset-paged. Reads only; every write goes
 * through the directory and invitation services.
 */
export class GuestListQuery {
  constructor(private readonly db: Database) {}

  async page(req: GuestPageRequest): Promise<GuestPage> {
    const expr = SORT_EXPRESSIONS[req.sort];
    const backwards = Boolean(req.before);
    // Walking backwards reads the reverse order, then flips the rows.
    const order = (req.dir === 'asc') !== backwards ? 'asc' : 'desc';
    const cursor = req.after ?? req.before;
    const range = (q: Knex.QueryBuilder) => {
      q.select('users.*', this.db.raw(`${expr} AS sort_key`));
      if (cursor) q.whereRaw(`(${expr}, users.id) ${order === 'asc' ? '>' : '<'} (?, ?)`, [cursor.value ?? '', cursor.id]);
      return q.orderByRaw(`${expr} ${order}, users.id ${order}`).limit(req.size + 1);
    };
    const ranges = this.ranges(req.filter, req.now, req.sort).map(range);
    // One range is the page; several (a partner's domains and IdPs) each stop after a page, and
    // the page is the first rows of their union (UNION drops a guest matched twice).
    const rows = (await (ranges.length === 1 ? ranges[0]! : this.merged(ranges).orderByRaw(`sort_key ${order}, id ${order}`).limit(req.size + 1))) as (UserRow & { sort_key: string })[];
    const more = rows.length > req.size;
    const kept = rows.slice(0, req.size);
    if (backwards) kept.reverse();
    return {
      users: kept.map(toUser),
      keys: kept.map((r) => String(r.sort_key)),
      hasMoreAfter: backwards ? true : more,
      hasMoreBefore: backwards ? more : Boolean(req.after),
    };
  }

  /**
   * How many guests match, counted up to `cap` (COUNT_CAP + 1 means "more than COUNT_CAP"):
   * an exact count reads every match, which at 100,000 guests costs more than the page itself.
   * The CSV export has the whole set.
   */
  async count(filter: GuestListFilter, now: string, cap = COUNT_CAP): Promise<number> {
    const ranges = this.ranges(filter, now).map((q) => q.select('users.id').limit(cap + 1));
    // Each range stops after cap + 1: if their union is shorter, no range was cut, so it is exact.
    const matches = ranges.length === 1 ? ranges[0]! : this.merged(ranges).limit(cap + 1);
    const row = (await this.db.from(matches.as('m')).count({ n: '*' }).first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  /** Every row the filter selects, in sort order, a batch at a time (the CSV export streams these). */
  async *all(filter: GuestListFilter, sort: GuestSort, dir: 'asc' | 'desc', now: string, batch = 500): AsyncGenerator<User[]> {
    let after: GuestCursor | undefined;
    for (;;) {
      const page = await this.page({ filter, sort, dir, size: batch, after, now });
      if (page.users.length) yield page.users;
      if (!page.hasMoreAfter) return;
      const last = page.users.length - 1;
      after = { sort: `${sort}:${dir}`, value: page.keys[last]!, id: page.users[last]!.id };
    }
  }

  /**
   * The filter as index ranges: one, or with a partner one per domain (the email's domain) and
   * per dedicated IdP (the guest's home IdP), each with the other filters. Each has an index
   * (user_type, domain | home_idp, sort, id), so each reads at most a page; an OR of them would
   * walk the sort index past every other partner's guests (1 in 50 matches in the bench).
   */
  private ranges(f: GuestListFilter, now: string, sort?: GuestSort): Knex.QueryBuilder[] {
    if (!f.partner) return [this.filtered(f, now, sort)];
    const { domains, idps } = f.partner;
    const rest = { ...f, partner: undefined };
    const byDomain = domains.map((d) => this.filtered(rest, now, sort).whereRaw(`${domainExpression(this.db, 'users.')} = ?`, [d]));
    const byIdp = idps.map((idp) => this.filtered(rest, now, sort).where('users.home_idp', idp));
    const all = [...byDomain, ...byIdp];
    // A partner with neither matches nobody.
    return all.length ? all : [this.filtered(rest, now, sort).whereRaw('1 = 0')];
  }

  /** The union of ranges, each wrapped so that its ORDER BY and LIMIT stay its own (SQLite). */
  private merged(ranges: Knex.QueryBuilder[]): Knex.QueryBuilder {
    const db = this.db;
    const [first, ...rest] = ranges.map((r, i) => db.select('*').from(r.as(`r${i}`)));
    return db.select('*').from(first!.union(rest).as('m'));
  }

  /** `sort`: the page's order, when reading a page (a count has none). */
  private filtered(f: GuestListFilter, now: string, sort?: GuestSort): Knex.QueryBuilder {
    const db = this.db;
    const q = db('users').where('users.user_type', 'Guest');
    // The state is the sort expression of the state column ('1' accepted, '2' not yet, '3'
    // disabled) and the open invitation's expiry kept on the row: each (state, sort) pair has an
    // index (migration 20261207_17_guest_filter_columns), so a page reads one index range.
    const state = SORT_EXPRESSIONS.state;
    // An enabled guest whose access end has passed is accessEnded, in no other state (as the rows
    // say: guest-summary.ts), from the end's instant on, before the sweep disables them.
    const ended = (b: Knex.QueryBuilder) => b.whereNotNull('users.access_expires_at').andWhere('users.access_expires_at', '<=', now);
    const notEnded = (b: Knex.QueryBuilder) => b.whereNull('users.access_expires_at').orWhere('users.access_expires_at', '>', now);
    if (f.state && f.state !== 'disabled') q.andWhere(f.state === 'accessEnded' ? ended : notEnded);
    switch (f.state) {
      case 'accepted':
        q.whereRaw(`${state} = '1'`);
        break;
      case 'disabled':
      case 'accessEnded':
        q.whereRaw(`${state} ${f.state === 'disabled' ? '=' : '<>'} '3'`);
        break;
      case 'pending':
        q.whereRaw(`${state} = '2'`).andWhere('users.open_invitation_expires_at', '>', now);
        break;
      case 'expired':
        q.whereRaw(`${state} = '2'`).andWhere('users.open_invitation_expires_at', '<=', now);
        break;
      case 'withdrawn':
        q.whereRaw(`${state} = '2'`).whereNull('users.open_invitation_expires_at');
        break;
    }
    // The sponsor filter is a correlated EXISTS probe, so that a page walks the sort index and
    // stops after one page of matches instead of reading every match and sorting them. (LIMIT 1
    // keeps SQLite from turning the probe into a join with a Bloom filter, which reads the whole
    // probed table first.)
    // The guest's home IdP (first linked identity), kept on the row and indexed with each sort.
    if (f.idp) q.where('users.home_idp', f.idp);
    // The inviter of the guest's first invitation, kept on the row and indexed with each sort
    // (migration 20261207_17_guest_partner_inviter_columns).
    if (f.invitedById) q.where('users.invited_by_id', f.invitedById);
    // The inviter is the default sponsor: one sponsor can have thousands of guests.
    if (f.sponsorId) q.whereExists(db('user_sponsors').select(db.raw('1')).whereRaw('user_sponsors.user_id = users.id').where('user_sponsors.sponsor_id', f.sponsorId).limit(1));
    if (f.lastSignIn) {
      const expr = SORT_EXPRESSIONS.lastSignIn;
      // IS NULL, not the sort expression = '': an equality on the last-sign-in index would make the
      // planner read every never-signed-in guest (60% of them) and sort them by the page's order.
      if ('never' in f.lastSignIn) q.whereNull('users.last_sign_in_at');
      else {
        // On a page in another order, the plain column (the same rows: the date is never ''),
        // which no index has: SQLite would otherwise read every match through the last-sign-in
        // index and sort them (97 ms at 100,000), instead of walking the page's sort index.
        if (f.lastSignIn.after) q.whereRaw(`${sort && sort !== 'lastSignIn' ? 'users.last_sign_in_at' : expr} >= ?`, [f.lastSignIn.after]);
        if (f.lastSignIn.before) q.whereRaw(`${expr} > '' AND ${expr} < ?`, [f.lastSignIn.before]);
      }
    }
    if (f.search) q.whereIn('users.id', this.startingWith(f.search.toLowerCase()));
    return q;
  }

  /**
   * Guests whose name, address or address domain starts with the text: three index range scans
   * (a "contains" search would read every row, see docs/benchmarks.md). PostgreSQL uses LIKE on
   * text_pattern_ops indexes; SQLite a BINARY range on the same expressions as the sort indexes.
   */
  private startingWith(text: string): Knex.QueryBuilder {
    const db = this.db;
    const columns = [SORT_EXPRESSIONS.name, SORT_EXPRESSIONS.email, domainExpression(db)];
    const one = (expr: string) => {
      const sub = db('users').select('id').where('user_type', 'Guest');
      if (isPostgres(db)) return sub.whereRaw(`${expr} LIKE ? ESCAPE '\\'`, [`${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
      return sub.whereRaw(`${expr} >= ? AND ${expr} < ?`, [text, `${text}\u{10FFFF}`]);
    };
    const [first, ...rest] = columns.map(one);
    return first!.unionAll(rest);
  }
}
