import type { Context } from 'koa';
import type { UserFilter } from '../directory/directory-users.js';
import { HttpError } from '../http/http-error.js';

const unsupported = (message: string) => new HttpError(400, 'Request_UnsupportedQuery', message);

/** The `$filter` fields Foyer supports on users, with the values each accepts (undefined: any text). */
const USER_FILTER_FIELDS: Record<string, readonly string[] | undefined> = {
  userType: ['Member', 'Guest'],
  mail: undefined,
  externalUserState: ['PendingAcceptance', 'Accepted'],
};

// One clause: a property, `eq`, and a single-quoted string in which '' is a quote.
const CLAUSE = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/i;

/**
 * Parses a users `$filter`: clauses `property eq 'value'` on userType, mail and externalUserState,
 * joined by `and`. Anything else (other operators or properties, `or`, `not`, functions,
 * parentheses, a property twice) is refused with a 400 that says what is supported, rather than
 * silently returning an unfiltered list.
 */
export function parseUserFilter(raw: string): UserFilter {
  if (raw.length > 1000) throw unsupported('$filter is too long.');
  const filter: Record<string, string> = {};
  const clauses = splitOnAnd(raw);
  for (const clause of clauses) {
    const match = CLAUSE.exec(clause);
    if (!match) {
      throw unsupported(
        `$filter clause "${clause.trim().slice(0, 100)}" is not supported. Use property eq 'value' on userType, mail or externalUserState, joined with and.`,
      );
    }
    const [, field = '', quoted = ''] = match;
    const name = Object.keys(USER_FILTER_FIELDS).find((f) => f.toLowerCase() === field.toLowerCase());
    if (!name) throw unsupported(`$filter on "${field}" is not supported. Filter on userType, mail or externalUserState.`);
    if (name in filter) throw unsupported(`$filter names ${name} twice.`);
    const value = quoted.replace(/''/g, "'");
    const allowed = USER_FILTER_FIELDS[name];
    if (allowed && !allowed.includes(value)) throw unsupported(`${name} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}.`);
    filter[name] = value;
  }
  return filter as UserFilter;
}

/** Splits on the keyword `and` outside quoted strings. */
function splitOnAnd(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "'") quoted = !quoted;
    if (!quoted && /\s/.test(ch) && /^\s+and\s+/i.test(raw.slice(i))) {
      parts.push(current);
      current = '';
      i += /^\s+and\s+/i.exec(raw.slice(i))![0].length - 1;
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

/** Refuses OData system query options a route does not implement ($select, $orderby, $expand, …). */
export function onlyQueryOptions(ctx: Context, allowed: string[]): void {
  for (const key of Object.keys(ctx.query)) {
    if (key.startsWith('$') && !allowed.includes(key)) {
      throw unsupported(`${key} is not supported here${allowed.length ? `; this route takes ${allowed.join(', ')}` : ''}.`);
    }
  }
  for (const key of allowed) {
    if (Array.isArray(ctx.query[key])) throw unsupported(`${key} may be given once.`);
  }
}

/**
 * Graph's collection envelope from one row more than a page (callers ask for top + 1): the extra
 * row only says there is a next page. The next link repeats the query, so a filtered list stays
 * filtered, with the offset moved on.
 */
export function pageOf<T>(ctx: Context, rows: T[], page: { top: number; skip: number }, url: string): { value: T[]; '@odata.nextLink'?: string } {
  if (rows.length <= page.top) return { value: rows };
  const kept = Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '$skiptoken' && e[0] !== '$top');
  const query = [...kept, ['$top', String(page.top)], ['$skiptoken', String(page.skip + page.top)]]
    // Graph writes the `$` of system query options as is.
    .map(([k, v]) => `${encodeURIComponent(k!).replace(/^%24/, '$')}=${encodeURIComponent(v!)}`)
    .join('&');
  return { value: rows.slice(0, page.top), '@odata.nextLink': `${url}?${query}` };
}

/** The page to ask storage for: one row more than returned, to know whether there is a next page. */
export const fetchWindow = (page: { top: number; skip: number }) => ({ top: page.top + 1, skip: page.skip });
