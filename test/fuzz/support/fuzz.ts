/**
 * Shared pieces of the fuzz suite: how many cases to run, hostile values, and the one property
 * every route must keep: whatever arrives, the answer is a response below 500 that leaks nothing,
 * and the server stays up.
 *
 * `npm run test:fuzz` runs FUZZ_RUNS=10000 cases per route group; the default `npm test` runs the
 * same properties with 300 cases each, so CI stays within its time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { projectRoot } from '../../../src/lib/project-root.js';
import { leakedInternals } from '../../support/browserless.js';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Seeded from the environment when a failure must be replayed (fast-check prints the seed). */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** Time for one route group at full size on the 2-core CI machine. */
export const FUZZ_TIMEOUT_MS = Math.max(120_000, FUZZ_RUNS * 80);

export function fuzzParams(): fc.Parameters<unknown> {
  return { numRuns: FUZZ_RUNS, ...(FUZZ_SEED !== undefined ? { seed: FUZZ_SEED } : {}), endOnFailure: true };
}

/** Strings that break naive parsers, templates, SQL, paths and logs. */
const NASTY = [
  '', ' ', '\u0000', '\u202e', '\ud800', '\uffff', '𝕏', '👩🏽‍💻', 'ǅ', 'İ', 'ß', '\u0130\u0131', 'Ω≈ç√∫',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' OR '1'='1", '1; DROP TABLE users --',
  '../../../../etc/passwd', '..%2f..%2f', '%00', '%', '%zz', '{{7*7}}', '<%= it %>', '${7*7}', '__proto__',
  'constructor', 'prototype', 'null', 'undefined', 'NaN', '-1', '1e309', '0x7fffffff', '9007199254740993',
  'true', '[]', '{}', 'a'.repeat(5000), 'x@y', 'a@b.c', '@', 'user@[127.0.0.1]', 'user@xn--80ak6aa92e.com',
  'alice@partner.example', 'member@contoso.example', 'http://evil.example/', 'javascript:alert(1)', 'data:text/html,x',
  '\r\nSet-Cookie: injected=1', '\nx-injected: 1', 'line1\rline2',
];

export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 70_000 }).map((n) => 'é'.repeat(n)) },
  );

/** Any JSON value, nasty strings included, nested a little. */
export const jsonish = (): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      nastyString(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.oneof(nastyString(), fc.constantFrom('id', 'email', 'invitedUserEmailAddress', 'inviteRedirectUrl', 'displayName', '@odata.bind')), tie('value'), { maxKeys: 6 }),
    ),
  })).value;

/** A body as the bytes a client sends: valid JSON of anything, broken JSON, or form encoding. */
export const rawBody = (): fc.Arbitrary<string> =>
  fc.oneof(
    jsonish().map((v) => JSON.stringify(v) ?? 'null'),
    fc.constantFrom('{', '{"a":', '[1,2', '{"a":1}}', 'null', '"str"', '{"__proto__":{"polluted":true}}', '\u0000', '{"a":"\\ud800"}', '1e999999'),
    fc.dictionary(nastyString(), nastyString(), { maxKeys: 6 }).map((d) => new URLSearchParams(d).toString()),
    nastyString(),
  );

export const contentType = (): fc.Arbitrary<string | undefined> =>
  fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', '*/*', ';;;');

/** Header values fetch will send (it refuses CR, LF and NUL itself; the raw-socket suite sends those). */
export const headerValue = (): fc.Arbitrary<string> =>
  nastyString().map((s) => s.replace(/[\r\n\0]/g, ' ').replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 2000));

export interface Outcome {
  status: number;
  body: string;
}

/** The property every request must keep. Returns a description of the problem, or undefined. */
export function problemWith(outcome: Outcome): string | undefined {
  if (outcome.status >= 500) return `answered ${outcome.status}: ${outcome.body.slice(0, 300)}`;
  const leak = leakedInternals(outcome.body);
  if (leak) return `leaked ${leak}`;
  return undefined;
}

/** encodeURIComponent that survives lone surrogates (they become U+FFFD, as a browser would send). */
export function encode(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

export async function send(url: string, init: RequestInit): Promise<Outcome> {
  return closedOnOversizedBody(init.body, async () => {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    return { status: res.status, body: await res.text() };
  });
}

/**
 * Network errors that are not the server failing: a body over the limits is refused (413) before it
 * is read and the server closes the connection while the client is still sending, so the client
 * sees a reset instead of the 413; and a keep-alive connection the server closed after
 * `keepAliveTimeout` (5 s) can be reset under a request that reuses it (the client's race, which
 * browsers answer by retrying). The first counts as a 413, the second is retried once; any other
 * network error, or a second reset, fails the case.
 */
export async function closedOnOversizedBody(body: unknown, run: () => Promise<Outcome>): Promise<Outcome> {
  const reset = (err: unknown) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes((err as { cause?: { code?: string } }).cause?.code ?? '');
  try {
    return await run();
  } catch (err) {
    if (!reset(err)) throw err;
    const size = typeof body === 'string' ? Buffer.byteLength(body) : 0;
    if (size > 16 * 1024) return { status: 413, body: '' };
    return run();
  }
}

/** The API's path templates, from the OpenAPI document when it is there, plus the ones known here. */
export function apiPathTemplates(): string[] {
  const known = [
    '/invitations', '/invitations/{id}', '/invitations/{id}/resend', '/invitations/{id}/revoke',
    '/users', '/users/{id}', '/users/{id}/memberOf', '/users/{id}/revokeSignInSessions',
    '/groups', '/groups/{id}', '/groups/{id}/members', '/groups/{id}/members/$ref', '/groups/{id}/members/{id}/$ref', '/groups/{id}/owners',
    '/servicePrincipals', '/servicePrincipals/{id}', '/servicePrincipals/{id}/appRoleAssignedTo', '/servicePrincipals/{id}/appRoleAssignedTo/{id}',
    '/identity/conditionalAccess/policies', '/identity/conditionalAccess/policies/{id}', '/auditLogs/directoryAudits', '/auditLogs/signIns', '/me', '/openapi.yaml',
  ];
  const file = join(projectRoot, 'docs', 'openapi.yaml');
  if (existsSync(file)) {
    try {
      const doc = parse(readFileSync(file, 'utf8')) as { paths?: Record<string, unknown>; servers?: unknown };
      for (const path of Object.keys(doc.paths ?? {})) known.push(path.replace(/^\/v1\.0/, '').replace(/\{[^}]+\}/g, '{id}'));
    } catch {
      /* the known list is enough */
    }
  }
  return [...new Set(known)];
}
