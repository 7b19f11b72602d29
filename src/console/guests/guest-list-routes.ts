import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { portalUser } from '../../portal/portal-auth.js';
import { STATE_LABEL_KEY } from '../../portal/guest-summary.js';
import { consolePermissions } from '../console-access.js';
import { consolePageBase } from '../console-page.js';
import { actionNotice } from './action-notice.js';
import { CSV_COLUMNS, csvLine, csvRow } from './guest-csv.js';
import { COUNT_CAP, type GuestListFilter } from './guest-list-query.js';
import { filterQuery, guestListParams, type GuestListParams } from './guest-list-params.js';
import { guestRows, shortTime } from './guest-rows.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';
import { inviteLandings } from './invite-form.js';

export const PAGE_SIZE = 50;
const NO_ONE = '00000000-0000-0000-0000-000000000000';

/** The sortable columns' headers, as catalog keys. */
const SORT_LABELS = { name: 'console.guests.colName', email: 'console.guests.colEmail', state: 'console.guests.colState', lastSignIn: 'console.guests.colLastSignIn', invited: 'console.guests.colInvited' } as const;
const STATE_OPTIONS = [
  ['all', 'console.guests.stateAll'],
  ['pending', STATE_LABEL_KEY.pending],
  ['expired', STATE_LABEL_KEY.expired],
  ['accepted', STATE_LABEL_KEY.accepted],
  ['withdrawn', STATE_LABEL_KEY.withdrawn],
  ['accessEnded', STATE_LABEL_KEY.accessEnded],
  ['disabled', STATE_LABEL_KEY.disabled],
] as const;

/** The query's filter, with names (partner, sponsor, inviter) resolved to what the rows store. */
export async function resolveFilter(deps: Pick<GuestsConsoleDeps, 'users' | 'partners'>, p: GuestListParams): Promise<GuestListFilter> {
  const f: GuestListFilter = {};
  if (p.state !== 'all') f.state = p.state;
  const partner = p.partner ? deps.partners.byId(p.partner) : undefined;
  if (partner) f.partner = { domains: partner.domains, idps: partner.dedicatedIdps };
  // Any id, not only configured ones: guests of an IdP since removed from config can still be found.
  if (p.idp) f.idp = p.idp;
  if (p.signIn === 'never') f.lastSignIn = { never: true };
  else if (p.signIn !== 'any' && p.signInDate) f.lastSignIn = { [p.signIn]: `${p.signInDate}T00:00:00.000Z` };
  if (p.sponsor) f.sponsorId = (await deps.users.findByEmail(p.sponsor))?.id ?? NO_ONE;
  // Apps and the CLI invite too: a name that is no user's address is taken as their id.
  if (p.invitedBy) f.invitedById = p.invitedBy.includes('@') ? ((await deps.users.findByEmail(p.invitedBy))?.id ?? NO_ONE) : p.invitedBy;
  if (p.q) f.search = p.q;
  return f;
}

/** One page of the table as the route shows it: the query read, the rows, the count (the bench times this). */
export async function loadGuestTable(deps: Pick<GuestsConsoleDeps, 'db' | 'users' | 'partners' | 'idpNames' | 'query' | 'cursors'>, query: Record<string, unknown>) {
  const p = guestListParams.parse(query);
  const sortId = `${p.sort}:${p.dir}`;
  const after = p.after ? deps.cursors.decode(p.after, sortId) : undefined;
  const before = !after && p.before ? deps.cursors.decode(p.before, sortId) : undefined;
  const filter = await resolveFilter(deps, p);
  // One instant of the shared clock for the filter and the rows: an access end counts from it.
  const at = deps.users.clock.now();
  const now = at.toISOString();
  const [page, total] = await Promise.all([deps.query.page({ filter, sort: p.sort, dir: p.dir, size: PAGE_SIZE, after, before, now }), deps.query.count(filter, now)]);
  const rows = await guestRows(deps.db, page.users, { idps: deps.idpNames, partners: deps.partners }, at);
  return { p, sortId, after, before, page, total, rows };
}

/**
 * The guest table (Entra's "All users" filtered to guests): filters, sort, keyset pages with a
 * signed cursor, the count, and the same set as CSV. Readable by every role with User.Read.All.
 */
export function guestListRoutes(router: Router, deps: GuestsConsoleDeps): ShowGuests {

  async function show(ctx: Context, extra: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number } = {}) {
    const { p, sortId, after, before, page, total, rows } = await loadGuestTable(deps, ctx.query);
    const cursorAt = (i: number) => deps.cursors.encode({ sort: sortId, value: page.keys[i]!, id: page.users[i]!.id });
    const held = consolePermissions(portalUser(ctx));
    const tr = deps.renderer.translator(ctx);
    const base = '/myapps/admin/guests';
    await deps.renderer.page(
      ctx,
      'console-guests',
      {
        ...consolePageBase(ctx, 'guests'),
        may: { invite: held.has('User.Invite.All'), write: held.has('User.ReadWrite.All') },
        query: p,
        total,
        countCap: COUNT_CAP,
        guests: rows.map((g) => ({ ...g, stateLabel: tr.t(STATE_LABEL_KEY[g.state]), lastSignInText: shortTime(g.lastSignIn, tr.t('console.common.never')), invitedText: shortTime(g.invitedAt, '') })),
        columns: (Object.keys(SORT_LABELS) as (keyof typeof SORT_LABELS)[]).map((key) => {
          const current = p.sort === key;
          const dir = current && p.dir === 'asc' ? 'desc' : 'asc';
          return { key, label: tr.t(SORT_LABELS[key]), href: `${base}?${filterQuery(p, { sort: key, dir })}`, sorted: current ? (p.dir === 'asc' ? 'ascending' : 'descending') : 'none' };
        }),
        stateOptions: STATE_OPTIONS.map(([value, label]) => [value, tr.t(label)]),
        partnerOptions: deps.partners.list().map((x) => ({ id: x.id!, name: x.displayName })),
        idpOptions: [...deps.idpNames].map(([id, name]) => ({ id, name })),
        first: after || before ? `${base}?${filterQuery(p)}` : '',
        previous: page.hasMoreBefore && page.users.length ? `${base}?${filterQuery(p, { before: cursorAt(0) })}` : '',
        next: page.hasMoreAfter && page.users.length ? `${base}?${filterQuery(p, { after: cursorAt(page.users.length - 1) })}` : '',
        exportHref: `${base}/export.csv?${filterQuery(p)}`,
        landings: inviteLandings(deps, tr),
        notice: await actionNotice(deps, ctx),
        error: extra.error,
        errorCode: extra.errorCode,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  router.get('/', (ctx) => show(ctx));

  /** The filtered set as CSV, streamed a batch at a time (no page limit, constant memory). */
  router.get('/export.csv', async (ctx) => {
    const p = guestListParams.parse(ctx.query);
    const filter = await resolveFilter(deps, p);
    const at = deps.users.clock.now();
    const now = at.toISOString();
    const names = { idps: deps.idpNames, partners: deps.partners };
    async function* lines() {
      yield csvLine([...CSV_COLUMNS]);
      for await (const users of deps.query.all(filter, p.sort, p.dir, now)) {
        yield (await guestRows(deps.db, users, names, at)).map(csvRow).join('');
      }
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('content-disposition', `attachment; filename="guests-${now.slice(0, 10)}.csv"`);
    ctx.set('cache-control', 'no-store');
    ctx.body = Readable.from(lines());
  });

  return show;
}

/** Renders the table, with an error above the invite form (the invite route's bad input). */
export type ShowGuests = (ctx: Context, extra?: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number }) => Promise<void>;
