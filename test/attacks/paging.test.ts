/**
 * Item 6 of the outside review: `$skiptoken=99999999999999999999` answered 500 on every list (the
 * offset reached the database as 1e20). Every paging route of a real Foyer, called with a real
 * token, now answers 400 invalidQuery for any `$skiptoken` or `$top` that is not a plain whole
 * number in range, without internals in the body; offsets stop at MAX_SKIP. The keyset lists
 * (/users, /invitations, /auditLogs/signIns, issue 20) take only the signed tokens they hand out,
 * so every number is refused there the same way (test/api/keyset-paging.test.ts has the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SKIP } from '../../src/api/api-guards.js';
import { codeOf, insertGuest, startDirectoryWorld, type DirectoryWorld } from '../api/directory-world.js';
import type { ApiResponse } from '../support/api-client.js';
import { leakedInternals } from '../support/browserless.js';

type UserPage = { value: { id: string }[]; '@odata.nextLink'?: string };

let w: DirectoryWorld;
let routes: string[];
/** The lists whose $skiptoken is an offset (the others are keyset-paged, with opaque tokens). */
const KEYSET_ROUTES = ['/invitations', '/users', '/auditLogs/signIns'];
const offsetRoutes = () => routes.filter((r) => !KEYSET_ROUTES.includes(r));

beforeAll(async () => {
  w = await startDirectoryWorld();
  const group = await w.call(w.tokens['admin-app'], 'POST', '/groups', { displayName: 'Paged' });
  expect(group.status).toBe(201);
  routes = ['/invitations', '/users', '/groups', `/groups/${group.body.id}/members`, `/groups/${group.body.id}/owners`, '/servicePrincipals/web-app/appRoleAssignedTo', '/auditLogs/signIns'];
  for (const n of [1, 2, 3]) await insertGuest(w, `paged${n}@partner.example`);
});
afterAll(() => w?.stop());

const get = (path: string, query: string) => w.call(w.tokens['admin-app'], 'GET', `${path}?${query}`);

const BAD_SKIPTOKENS = [
  '99999999999999999999', // past 2^64: the review's 500
  '9007199254740993', // 2^53 + 1: no longer an exact number
  String(MAX_SKIP + 1),
  '-1',
  '1.5',
  '1e3',
  '0x10',
  '',
  ' 1',
  'abc',
  '１', // a fullwidth digit
];
const BAD_TOPS = ['0', '1000', '99999999999999999999', '1e2', '', '-5', '2.0'];

describe('paging with a $skiptoken Foyer never handed out', () => {
  it.each(BAD_SKIPTOKENS)('$skiptoken=%j: 400 invalidQuery on every paging route', async (value) => {
    for (const route of routes) {
      const res = await get(route, `$skiptoken=${encodeURIComponent(value)}`);
      expect([route, res.status, codeOf(res)]).toEqual([route, 400, 'invalidQuery']);
      expect(leakedInternals(JSON.stringify(res.body))).toBeUndefined();
    }
  });

  it.each(BAD_TOPS)('$top=%j: 400 invalidQuery on every paging route', async (value) => {
    for (const route of routes) {
      const res = await get(route, `$top=${encodeURIComponent(value)}`);
      expect([route, res.status, codeOf(res)]).toEqual([route, 400, 'invalidQuery']);
    }
  });

  it('a repeated option is refused too, never read as NaN or as the first value', async () => {
    for (const route of routes) {
      for (const query of ['$skiptoken=1&$skiptoken=2', '$top=1&$top=2']) {
        const res = await get(route, query);
        expect([route, query, res.status]).toEqual([route, query, 400]);
        expect(['invalidQuery', 'Request_UnsupportedQuery']).toContain(codeOf(res));
      }
    }
  });
});

describe('paging within range', () => {
  it('the deepest offset and the largest page are answered, with an empty page past the end', async () => {
    for (const route of offsetRoutes()) {
      const deepest = await get(route, `$skiptoken=${MAX_SKIP}&$top=999`);
      expect([route, deepest.status, deepest.body.value]).toEqual([route, 200, []]);
      expect((await get(route, '$skiptoken=0')).status).toBe(200);
    }
  });

  it('a keyset list refuses any offset, even 0, with 400 invalidQuery, and answers the largest page', async () => {
    for (const route of KEYSET_ROUTES) {
      for (const token of ['0', String(MAX_SKIP)]) {
        const res = await get(route, `$skiptoken=${token}`);
        expect([route, res.status, codeOf(res)]).toEqual([route, 400, 'invalidQuery']);
      }
      expect((await get(route, '$top=999')).status).toBe(200);
    }
  });

  it('the tokens Foyer hands out in @odata.nextLink work', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${w.issuer}/v1.0/users?$top=2`;
    while (next) {
      const res: ApiResponse<UserPage> = await w.call<UserPage>(w.tokens['admin-app'], 'GET', next.slice(`${w.issuer}/v1.0`.length));
      expect(res.status).toBe(200);
      seen.push(...res.body.value.map((u) => u.id));
      next = res.body['@odata.nextLink'];
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });
});
