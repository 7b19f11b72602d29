/** Fuzzing the token endpoint (every grant, every client authentication style, hostile values). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, contentType, fuzzParams, headerValue, nastyString, problemWith, rawBody, send } from './support/fuzz.js';
import { startFuzzWorld } from './support/fuzz-foyer.js';
import { useStarted } from '../support/world.js';

const world = useStarted(startFuzzWorld);

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe(`token endpoint fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it('never answers 5xx, whatever the grant, parameters or credentials', async () => {
    const value = fc.oneof(nastyString(), fc.constantFrom('web-app', 'daemon-app', 'spa-app', DEMO_SECRET, 'openid offline_access', 'https://api.contoso.example', 'http://127.0.0.1:9999/callback'));
    const request = fc.record({
      params: fc.record(
        {
          grant_type: fc.oneof(fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'password', 'implicit'), nastyString()),
          code: value,
          refresh_token: value,
          redirect_uri: value,
          code_verifier: value,
          client_id: value,
          client_secret: value,
          scope: value,
          resource: value,
          client_assertion: value,
          client_assertion_type: value,
        },
        { requiredKeys: ['grant_type'] },
      ),
      auth: fc.oneof(fc.constant(undefined), fc.tuple(value, value).map(([a, b]) => basic(a, b)), headerValue()),
      form: fc.boolean(),
      raw: rawBody(),
      type: contentType(),
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'OPTIONS'),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        headers['content-type'] = r.form ? 'application/x-www-form-urlencoded' : (r.type ?? 'application/json');
        const body = r.form ? new URLSearchParams(r.params as Record<string, string>).toString() : r.raw;
        const outcome = await send(`${world.foyer.issuer}/token`, { method: r.method, headers, body: r.method === 'GET' ? undefined : body });
        const problem = problemWith(outcome);
        if (problem) throw new Error(`${r.method} /token ${JSON.stringify(r.params).slice(0, 300)}: ${problem}`);
      }),
      fuzzParams(),
    );
    expect((await fetch(`${world.foyer.issuer}/healthz`)).status).toBe(200);
  }, FUZZ_TIMEOUT_MS);
});
