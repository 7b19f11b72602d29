import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './scim-error.js';

export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MAX_PAGE = 200;

/** What a list may be narrowed by: the equality filters provisioning clients send before they create. */
export interface ListFilter {
  id?: string;
  externalId?: string;
  userName?: string;
  displayName?: string;
}

/**
 * Parses `filter` with scim2-parse-filter and accepts what Entra, Okta and other provisioning
 * clients send: one `eq` (or several joined by `and`) on the attributes given. Anything else is
 * a 400 invalidFilter rather than a silently wrong answer.
 */
export function parseListFilter(raw: unknown, allowed: (keyof ListFilter)[]): ListFilter {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'string' || raw.length > 1000) throw new ScimError(400, 'filter must be one string of at most 1000 characters.', 'invalidFilter');
  let ast: Filter;
  try {
    ast = parse(raw);
  } catch {
    throw new ScimError(400, `The filter "${raw.slice(0, 200)}" is not a SCIM filter (RFC 7644 §3.4.2.2).`, 'invalidFilter');
  }
  const out: ListFilter = {};
  const terms = ast.op === 'and' && 'filters' in ast ? ast.filters : [ast];
  for (const term of terms) {
    const attribute = 'attrPath' in term ? allowed.find((a) => a.toLowerCase() === term.attrPath.toLowerCase()) : undefined;
    if (term.op !== 'eq' || !attribute || !('compValue' in term) || typeof term.compValue !== 'string') {
      throw new ScimError(400, `Only equality filters on ${allowed.join(', ')} are supported, like ${allowed[0]} eq "value".`, 'invalidFilter');
    }
    out[attribute] = term.compValue;
  }
  return out;
}

/** startIndex (1-based) and count, as RFC 7644 §3.4.2.4 reads them: out-of-range values are clamped. */
export function parsePaging(query: Record<string, unknown>): { startIndex: number; count: number } {
  const number = (v: unknown, fallback: number) => {
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(n)) throw new ScimError(400, 'startIndex and count must be integers.', 'invalidValue');
    return n;
  };
  return { startIndex: Math.max(1, number(query.startIndex, 1)), count: Math.min(MAX_PAGE, Math.max(0, number(query.count, 100))) };
}

export function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
