import type { Context } from 'koa';
import { HttpError } from '../http/http-error.js';
import { SignedTokens } from '../lib/signed-token.js';

/**
 * Where the next page of a keyset-paged list starts: the last row's sort value and id. A page
 * then reads `WHERE (sort, id) > (value, id)` along an index, so page 1,000 costs what page 1
 * costs, and rows inserted between pages neither repeat nor shift others out.
 */
export interface KeysetPosition {
  value: string;
  id: string;
}

const MAX_TOKEN_LENGTH = 1024;

const invalid = () =>
  new HttpError(400, 'invalidQuery', '$skiptoken is not one Foyer handed out for this list and filter: take it from @odata.nextLink as is, or start again without it.');

/**
 * Graph's opaque `$skiptoken` for the keyset lists (/users, /invitations, /auditLogs/signIns):
 * base64url JSON of [scope, value, id] and an HMAC over it. The scope names the list and its
 * filter, so a token edited, made up, or taken from another list or filter is refused with
 * 400 invalidQuery (the code a bad offset always had) before any query runs.
 */
export class SkipTokenCodec {
  private readonly tokens: SignedTokens;

  /**
   * `keys`: newest first, read at each call (provider/keys/derived-keys.ts), so tokens follow a
   * cookie-secret rotation on every node: made with the newest key, accepted under any current one.
   */
  constructor(keys: () => Buffer[]) {
    this.tokens = new SignedTokens(keys, 'foyer-skiptoken', MAX_TOKEN_LENGTH);
  }

  encode(scope: string, position: KeysetPosition): string {
    return this.tokens.seal([scope, position.value, position.id]);
  }

  decode(raw: unknown, scope: string): KeysetPosition {
    const parsed = this.tokens.open(raw);
    if (!parsed || parsed.length !== 3) throw invalid();
    const [s, value, id] = parsed;
    if (s !== scope || typeof value !== 'string' || typeof id !== 'string') throw invalid();
    return { value, id };
  }
}

/** `$top` and `$skiptoken` of a keyset list: the page size and where it starts (undefined: the first page). */
export interface KeysetPage {
  top: number;
  after?: KeysetPosition;
}

const DIGITS = /^[0-9]{1,3}$/;

/** Reads `$top` (1..999, default 100) and a `$skiptoken` this codec made for `scope`. */
export function keysetPaging(ctx: Context, codec: SkipTokenCodec, scope: string): KeysetPage {
  const rawTop = ctx.query.$top;
  if (Array.isArray(rawTop) || Array.isArray(ctx.query.$skiptoken)) throw new HttpError(400, 'invalidQuery', '$top and $skiptoken may be given once.');
  const top = rawTop === undefined ? 100 : typeof rawTop === 'string' && DIGITS.test(rawTop) ? Number(rawTop) : Number.NaN;
  if (!(top >= 1 && top <= 999)) throw new HttpError(400, 'invalidQuery', '$top must be a whole number from 1 to 999.');
  const raw = ctx.query.$skiptoken;
  return raw === undefined ? { top } : { top, after: codec.decode(raw, scope) };
}

/**
 * Graph's collection envelope from one row more than a page (callers read top + 1): the extra row
 * only says there is a next page, whose link repeats the query (a filtered list stays filtered)
 * with a token at the last row kept.
 */
export function keysetPageOf<R, T>(
  ctx: Context,
  rows: R[],
  page: KeysetPage,
  link: { url: string; scope: string; codec: SkipTokenCodec; positionOf: (row: R) => KeysetPosition; shape: (row: R) => T; extra?: Record<string, string> },
): { value: T[]; '@odata.nextLink'?: string } {
  const kept = rows.slice(0, page.top);
  const value = kept.map(link.shape);
  if (rows.length <= page.top) return { ...link.extra, value };
  const token = link.codec.encode(link.scope, link.positionOf(kept.at(-1)!));
  const query = Object.entries(ctx.query)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '$skiptoken' && e[0] !== '$top')
    .concat([
      ['$top', String(page.top)],
      ['$skiptoken', token],
    ])
    // Graph writes the `$` of system query options as is.
    .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`)
    .join('&');
  return { ...link.extra, value, '@odata.nextLink': `${link.url}?${query}` };
}

/** The row-value condition for "after this position" in the list's order (both columns the same direction). */
export function afterClause(sortColumn: string, order: 'asc' | 'desc'): string {
  return `(${sortColumn}, id) ${order === 'asc' ? '>' : '<'} (?, ?)`;
}

/** The scope a token is bound to: the list and its filter, whatever order the clauses came in. */
export function scopeOf(list: string, filter: object): string {
  const entries = Object.entries(filter).filter(([, v]) => v !== undefined);
  return `${list}\0${JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}
