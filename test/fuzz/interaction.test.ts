/**
 * Fuzzing the sign-in journey: the interaction steps (with a live interaction, its cookies and a
 * valid CSRF token, so the validators behind the CSRF check run), the upstream callbacks, and the
 * invitation link (/redeem). Form fields, extra fields, content types and ids are hostile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, contentType, fuzzParams, nastyString, problemWith, rawBody, type Outcome } from './support/fuzz.js';
import { closedOnOversizedBody, encode } from './support/fuzz.js';
import { startFuzzWorld } from './support/fuzz-foyer.js';
import { useStarted } from '../support/world.js';

const world = useStarted(startFuzzWorld);

/** A live sign-in: a browser holding the interaction cookie, its uid and CSRF token. */
async function liveInteraction(): Promise<{ browser: Browser; uid: string; csrf: string }> {
  const config = await webAppClient(world.foyer.issuer);
  const browser = new Browser();
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.href);
  const uid = /\/interaction\/([^/?#]+)/.exec(page.url)?.[1] ?? 'none';
  return { browser, uid, csrf: browser.cookiesFor(page.url)['foyer.csrf'] ?? '' };
}

async function post(browser: Browser, url: string, body: string, type: string | undefined, method = 'POST'): Promise<Outcome> {
  return closedOnOversizedBody(method === 'GET' ? undefined : body, async () => {
    const res = await browser.request(url, { method, body: method === 'GET' ? undefined : body, headers: type ? { 'content-type': type } : {}, signal: AbortSignal.timeout(20_000) });
    return { status: res.status, body: await res.text() };
  });
}

describe(`sign-in journey fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it('interaction steps never answer 5xx, whatever the form', async () => {
    let live = await liveInteraction();
    let used = 0;
    const step = fc.oneof(
      fc.constantFrom('', '/identify', '/login', '/passcode', '/passcode/resend', '/consent', '/idp/partner', '/idp/email-otp', '/abort', '/continue', '/mfa', '/terms'),
      nastyString().map((s) => `/${encode(s)}`),
      nastyString().map((s) => `/idp/${encode(s)}`),
    );
    const field = fc.oneof(nastyString(), fc.constantFrom('member@contoso.example', 'alice@partner.example', 'someone@elsewhere.example', '123456', 'correct horse battery staple'));
    const request = fc.record({
      step,
      fields: fc.record({ email: field, password: field, code: field, prompt: field, submit: field, login: field }, { requiredKeys: [] }),
      extra: fc.dictionary(nastyString(), nastyString(), { maxKeys: 3 }),
      csrf: fc.oneof({ weight: 8, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: nastyString() }, { weight: 1, arbitrary: fc.constant(undefined) }),
      uid: fc.oneof({ weight: 9, arbitrary: fc.constant('live') }, { weight: 1, arbitrary: nastyString() }),
      form: fc.boolean(),
      raw: rawBody(),
      type: contentType(),
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // A fresh interaction now and then, so cases do not all hit one that has ended.
        if (++used % 40 === 0) live = await liveInteraction();
        const uid = r.uid === 'live' ? live.uid : encode(r.uid);
        const fields: Record<string, string> = { ...r.extra, ...(r.fields as Record<string, string>) };
        if (r.csrf === 'valid') fields._csrf = live.csrf;
        else if (r.csrf !== undefined) fields._csrf = r.csrf;
        const body = r.form ? new URLSearchParams(fields).toString() : r.raw;
        const outcome = await post(live.browser, `${world.foyer.issuer}/interaction/${uid}${r.step}`, body, r.form ? 'application/x-www-form-urlencoded' : r.type, r.method);
        const problem = problemWith(outcome);
        if (problem) throw new Error(`${r.method} /interaction/:uid${r.step} ${JSON.stringify(fields).slice(0, 300)}: ${problem}`);
      }),
      fuzzParams(),
    );
    expect((await fetch(`${world.foyer.issuer}/healthz`)).status).toBe(200);
  }, FUZZ_TIMEOUT_MS);

  it('upstream callbacks and the invitation link never answer 5xx', async () => {
    const browser = new Browser();
    // The redeem routes set their CSRF cookie on any visit.
    await browser.navigate(`${world.foyer.issuer}/redeem?t=x`);
    const csrf = browser.cookiesFor(`${world.foyer.issuer}/redeem`)['foyer.csrf'] ?? '';
    const target = fc.oneof(
      fc.record({ kind: fc.constant('redeem-get' as const), t: nastyString() }),
      fc.record({ kind: fc.constant('redeem-post' as const), t: nastyString(), csrf: fc.oneof(fc.constant(csrf), nastyString()), raw: rawBody(), form: fc.boolean(), type: contentType() }),
      fc.record({
        kind: fc.constant('callback' as const),
        idp: fc.oneof(fc.constant('partner'), nastyString()),
        params: fc.dictionary(fc.constantFrom('code', 'state', 'error', 'error_description', 'iss', 'session_state', 'x'), nastyString(), { maxKeys: 5 }),
      }),
      fc.record({ kind: fc.constant('acs' as const), idp: fc.oneof(fc.constant('partner'), nastyString()), saml: nastyString(), relay: nastyString() }),
    );
    await fc.assert(
      fc.asyncProperty(target, async (r) => {
        let outcome: Outcome;
        const issuer = world.foyer.issuer;
        if (r.kind === 'redeem-get') outcome = await post(browser, `${issuer}/redeem?t=${encode(r.t)}`, '', undefined, 'GET');
        else if (r.kind === 'redeem-post') {
          const body = r.form ? new URLSearchParams({ t: r.t, _csrf: r.csrf }).toString() : r.raw;
          outcome = await post(browser, `${issuer}/redeem`, body, r.form ? 'application/x-www-form-urlencoded' : r.type);
        } else if (r.kind === 'callback') {
          outcome = await post(browser, `${issuer}/federation/${encode(r.idp)}/callback?${new URLSearchParams(r.params)}`, '', undefined, 'GET');
        } else {
          const body = new URLSearchParams({ SAMLResponse: Buffer.from(r.saml).toString('base64'), RelayState: r.relay }).toString();
          outcome = await post(browser, `${issuer}/federation/${encode(r.idp)}/acs`, body, 'application/x-www-form-urlencoded');
        }
        const problem = problemWith(outcome);
        if (problem) throw new Error(`${r.kind} ${JSON.stringify(r).slice(0, 300)}: ${problem}`);
      }),
      fuzzParams(),
    );
    expect((await fetch(`${world.foyer.issuer}/healthz`)).status).toBe(200);
  }, FUZZ_TIMEOUT_MS);
});
