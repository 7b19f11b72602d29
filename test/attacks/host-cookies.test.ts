/**
 * Cookies planted by a sibling subdomain. A host sharing Foyer's registrable domain (or any page able
 * to set `Domain=` cookies for it) could plant its own CSRF token, which it then knows, or its own
 * browser-binding value, which let a sign-in link it started be finished by a victim's browser
 * (takeover 1 of the review). Signing would not help: the attacker's own values are valid. Over
 * https these two cookies are now `__Host-` cookies (Secure, Path=/, no Domain), which a browser
 * accepts only from Foyer's own host, and a planted plain `foyer.csrf` / `foyer.browser` is not read.
 * A real Foyer with an https issuer behind a TLS-terminating proxy (X-Forwarded-Proto), and the
 * real partner IdP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, parseForms } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { WEB_APP } from '../support/oidc-client.js';

let world: GuestWorld;
let publicOrigin: string;
let localOrigin: string;

/** A browser reaching Foyer through the TLS proxy: https URLs, forwarded to the local http port. */
class ProxiedBrowser extends Browser {
  /** Every Set-Cookie Foyer sent this browser. */
  readonly setCookies: string[] = [];
  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    if (!url.startsWith(publicOrigin)) return super.request(url, init);
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    const res = await super.request(localOrigin + url.slice(publicOrigin.length), { ...init, headers });
    this.setCookies.push(...res.headers.getSetCookie());
    return res;
  }
}

beforeAll(async () => {
  world = await startGuestWorld((config) => {
    const port = (config.server as { port: number }).port;
    publicOrigin = `https://127.0.0.1:${port}`;
    config.issuer = publicOrigin;
    (config.server as Record<string, unknown>).trustProxy = true;
  });
  localOrigin = `http://127.0.0.1:${world.foyer.port}`;
}, 60_000);
afterAll(() => world?.stop());

async function signInPage(browser: ProxiedBrowser) {
  const authorize = new URL(`${publicOrigin}/auth`);
  authorize.search = new URLSearchParams({ client_id: WEB_APP.id, response_type: 'code', scope: 'openid', redirect_uri: WEB_APP.redirectUri, state: 's'.repeat(16), nonce: 'n'.repeat(16) }).toString();
  return browser.navigate(authorize.href, { stopAt: [WEB_APP.redirectUri] });
}

/** A request as the victim's browser sends it: its own cookies, minus `without`, plus what the sibling planted. */
function asVictim(browser: Browser, url: string, planted: Record<string, string>, without: string[], init: RequestInit = {}): Promise<Response> {
  const local = localOrigin + url.slice(publicOrigin.length);
  const jar = browser.cookiesFor(local);
  for (const name of without) delete jar[name];
  Object.assign(jar, planted);
  const headers = new Headers(init.headers);
  headers.set('x-forwarded-proto', 'https');
  headers.set('accept', 'text/html');
  headers.set('cookie', Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; '));
  return fetch(local, { ...init, headers, redirect: 'manual' });
}

describe('cookies a sibling subdomain could plant (https)', () => {
  it('the CSRF cookie is a __Host- cookie, and a planted plain foyer.csrf token is not accepted', async () => {
    const victim = new ProxiedBrowser();
    const page = await signInPage(victim);

    const form = parseForms(page.body)[0]!;
    const planted = 'p'.repeat(43);
    const res = await asVictim(victim, new URL(form.action, publicOrigin).href, { 'foyer.csrf': planted }, ['foyer.csrf', '__Host-foyer.csrf'], {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: planted, email: 'someone@partner.example' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(errorCodeOf(await res.text())).toBe('csrfTokenInvalid');
  });

  it("the browser binding is a __Host- cookie: the attacker's binding value planted as foyer.browser does not finish the attacker's sign-in in the victim's browser", async () => {
    const attacker = new ProxiedBrowser();
    const page = await signInPage(attacker);
    const sent = await attacker.submit(page, { email: 'alice@partner.example' }, { stopAt: [world.partner.issuer] });
    expect(sent.stoppedAt).toBeDefined();
    const state = new URL(sent.stoppedAt!).searchParams.get('state')!;
    const jar = attacker.cookiesFor(localOrigin);
    const binding = jar['__Host-foyer.browser'] ?? jar['foyer.browser']!;
    expect(binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const uid = /\/interaction\/([^/?]+)/.exec(page.url)![1]!;
    const pendingBefore = await world.foyer.foyer.provider.Interaction.find(uid);

    // The victim's browser brings the partner's answer back, carrying the planted binding.
    const victim = new ProxiedBrowser();
    const res = await asVictim(victim, `${publicOrigin}/federation/partner/callback?${new URLSearchParams({ state, code: 'the-victims-code' })}`, { 'foyer.browser': binding }, []);
    expect(res.status).toBe(400);
    expect(errorCodeOf(await res.text())).toBe('browser_mismatch');
    // Nothing used up: the attacker's sign-in still waits for its answer, with no identity in it.
    const pendingAfter = await world.foyer.foyer.provider.Interaction.find(uid);
    expect(pendingAfter?.result).toEqual(pendingBefore?.result);
  });

  it('sets both with Secure, Path=/ and no Domain, as __Host- requires', async () => {
    const browser = new ProxiedBrowser();
    const page = await signInPage(browser);
    await browser.submit(page, { email: 'alice@partner.example' }, { stopAt: [world.partner.issuer] });
    for (const name of ['__Host-foyer.csrf', '__Host-foyer.browser']) {
      const cookie = browser.setCookies.find((c) => c.startsWith(`${name}=`));
      expect(cookie, name).toBeDefined();
      expect(cookie).toMatch(/;\s*path=\/(;|$)/i);
      expect(cookie).toMatch(/;\s*secure/i);
      expect(cookie).not.toMatch(/;\s*domain=/i);
    }
    expect(browser.setCookies.filter((c) => /^foyer\.(csrf|browser)=/.test(c))).toEqual([]);
  });
});
