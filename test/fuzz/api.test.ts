/**
 * Fuzzing every route of the Graph-shaped API (/v1.0/*): any method, path parameters, query,
 * body bytes, content type and credentials. The answer is always below 500 and leaks nothing.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, apiPathTemplates, contentType, fuzzParams, headerValue, nastyString, problemWith, rawBody, send } from './support/fuzz.js';
import { encode } from './support/fuzz.js';
import { startFuzzWorld } from './support/fuzz-foyer.js';
import { useStarted } from '../support/world.js';

const world = useStarted(startFuzzWorld);
let token: string;
beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
}, 60_000);

describe(`API fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it('never answers 5xx or leaks internals, whatever the request', async () => {
    const templates = apiPathTemplates();
    const request = fc.record({
      template: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...templates) }, { weight: 1, arbitrary: nastyString().map((s) => `/${s}`) }),
      ids: fc.array(fc.oneof(fc.uuid(), nastyString()), { minLength: 4, maxLength: 4 }),
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
      query: fc.dictionary(fc.constantFrom('$top', '$skip', '$skiptoken', '$filter', '$select', '$count', 'status', '$orderby', '$search', 'x'), nastyString(), { maxKeys: 4 }),
      body: rawBody(),
      type: contentType(),
      auth: fc.oneof({ weight: 6, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: fc.constant('none') }, { weight: 2, arbitrary: headerValue() }),
      extra: headerValue(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.template.replace(/\{id\}/g, () => encode(r.ids[i++ % r.ids.length]!));
        const url = new URL(`${world.foyer.issuer}/v1.0${path.startsWith('/') ? path : `/${path}`}`);
        for (const [k, v] of Object.entries(r.query)) url.searchParams.set(k, v);
        const headers: Record<string, string> = { 'x-fuzz': r.extra, accept: 'application/json' };
        if (r.type) headers['content-type'] = r.type;
        if (r.auth === 'valid') headers.authorization = `Bearer ${token}`;
        else if (r.auth !== 'none') headers.authorization = r.auth;
        const outcome = await send(url.href, { method: r.method, headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body });
        const problem = problemWith(outcome);
        if (problem) throw new Error(`${r.method} ${url.pathname}${url.search}: ${problem}`);
      }),
      fuzzParams(),
    );
    expect((await fetch(`${world.foyer.issuer}/healthz`)).status).toBe(200);
  }, FUZZ_TIMEOUT_MS);
});
