import { z } from 'zod';
import { GUEST_SORTS, GUEST_STATES } from './guest-list-query.js';

const DATE = /^\d{4}-\d\d-\d\d$/;

/**
 * The table's query string. Nonsense in a filter falls back to "any" (a hand-edited link shows
 * the unfiltered table rather than an error); only a bad cursor is refused, since it stands for
 * a position the admin was given.
 */
export const guestListParams = z.object({
  state: z.enum(['all', ...GUEST_STATES]).catch('all'),
  partner: z.string().trim().max(64).catch(''),
  idp: z.string().trim().max(64).catch(''),
  signIn: z.enum(['any', 'never', 'before', 'after']).catch('any'),
  signInDate: z.string().trim().regex(DATE).catch(''),
  sponsor: z.string().trim().max(320).catch(''),
  invitedBy: z.string().trim().max(320).catch(''),
  q: z.string().trim().max(200).catch(''),
  sort: z.enum(GUEST_SORTS).catch('invited'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  after: z.string().max(2048).optional().catch(undefined),
  before: z.string().max(2048).optional().catch(undefined),
});

export type GuestListParams = z.infer<typeof guestListParams>;

/** The filter and sort part of the query (what a page link, a sort link and the export keep). */
export function filterQuery(p: GuestListParams, overrides: Partial<Record<keyof GuestListParams, string>> = {}): string {
  const kept: Record<string, string> = {};
  for (const key of ['state', 'partner', 'idp', 'signIn', 'signInDate', 'sponsor', 'invitedBy', 'q', 'sort', 'dir'] as const) {
    const value = overrides[key] ?? p[key];
    const isDefault = { state: 'all', signIn: 'any', sort: 'invited', dir: 'desc' }[key as string] === value;
    if (value && !isDefault) kept[key] = value;
  }
  for (const key of ['after', 'before'] as const) if (overrides[key]) kept[key] = overrides[key]!;
  return new URLSearchParams(kept).toString();
}
