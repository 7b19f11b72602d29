/**
 * Consent for a third-party app (found by the audit). The consent page listed only the OpenID
 * scopes, while Allow also granted every API permission the app asked for with `resource`: a
 * third-party app asking an administrator for `resource=<issuer>/v1.0` and `User.ReadWrite.All`
 * showed "Sign you in" (or, once signed in before, no list at all) and came away with a token that
 * may reset any guest's redemption to the app's own address, i.e. take over every guest account.
 * The page now names every permission Allow grants, per API, and Allow grants exactly what the page
 * showed. A real Foyer, openid-client as the app (the public, third-party SPA), a real admin.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api-client.js';
import { Browser, headingOf, type Page } from '../support/browserless.js';
import { finishAuthorization, isConsentPage, isPasswordPage, SPA_APP, spaClient, startAuthorization, type PendingAuthorization } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const ADMIN = 'admin@contoso.example';
const PASSWORD = 'a long admin password 42';

let foyer: RunningFoyer;
let spa: client.Configuration;

beforeAll(async () => {
  foyer = await startFoyer();
  await foyer.createMember(ADMIN, PASSWORD, { admin: true });
  spa = await spaClient(foyer.issuer);
});
afterAll(() => foyer?.stop());

const apiResource = () => `${foyer.issuer}/v1.0`;
const stop = { stopAt: [SPA_APP.redirectUri] };

/** The admin, in `browser`, through the third-party app's authorization request, up to the consent page. */
async function toConsent(browser: Browser, params: Record<string, string>): Promise<{ page: Page & { stoppedAt?: string }; pending: PendingAuthorization }> {
  const pending = await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri, ...params });
  let page = await browser.navigate(pending.url.href, stop);
  if (headingOf(page.body) === 'Sign in' && !isPasswordPage(page)) page = await browser.submit(page, { email: ADMIN }, stop);
  if (isPasswordPage(page)) page = await browser.submit(page, { email: ADMIN, password: PASSWORD }, stop);
  return { page, pending };
}

/** The scopes of the grants Foyer holds for the admin and the third-party app. */
async function grantedToSpa(): Promise<string[]> {
  const rows = (await foyer.foyer.db('oidc_payloads').where({ model: 'Grant' }).select('payload')) as { payload: string }[];
  return rows
    .map((r) => JSON.parse(r.payload) as { clientId: string; openid?: { scope?: string }; resources?: Record<string, string> })
    .filter((g) => g.clientId === SPA_APP.id)
    .flatMap((g) => [...(g.openid?.scope?.split(' ') ?? []), ...Object.values(g.resources ?? {}).flatMap((s) => s.split(' '))]);
}

describe("a third-party app asking an administrator for Foyer's own API", () => {
  it('the consent page names the API and each permission before anything is granted', async () => {
    const browser = new Browser();
    const { page } = await toConsent(browser, { resource: apiResource(), scope: 'openid User.ReadWrite.All Group.ReadWrite.All' });
    expect(isConsentPage(page)).toBe(true);
    expect(page.body).toContain('User.ReadWrite.All');
    expect(page.body).toContain('Group.ReadWrite.All');
    expect(page.body).toMatch(/reset/i);
    expect(page.body).toContain(apiResource());
    expect(await grantedToSpa()).toEqual([]);
  });

  it('after a plain sign-in was allowed, asking for the API again shows the permissions, not an empty page', async () => {
    const browser = new Browser();
    const first = await toConsent(browser, { scope: 'openid' });
    expect(isConsentPage(first.page)).toBe(true);
    const signedIn = await browser.submit(first.page, {}, stop);
    await finishAuthorization(spa, signedIn.stoppedAt!, first.pending);
    expect(await grantedToSpa()).toEqual(['openid']);

    const { page, pending } = await toConsent(browser, { resource: apiResource(), scope: 'openid User.ReadWrite.All' });
    expect(isConsentPage(page)).toBe(true);
    expect(page.body).toContain('User.ReadWrite.All');
    expect(page.body).toMatch(/reset/i);
    // Nothing was added before the person answered.
    expect(await grantedToSpa()).toEqual(['openid']);

    // What the page showed is what Allow grants (the positive control: the admin meant it).
    const allowed = await browser.submit(page, {}, stop);
    const tokens = await finishAuthorization(spa, allowed.stoppedAt!, pending);
    expect((await api(foyer.issuer, tokens.access_token, 'GET', '/users')).status).toBe(200);
  });

  it("another API's scopes are named with that API", async () => {
    const { page } = await toConsent(new Browser(), { resource: 'https://api.contoso.example', scope: 'openid write' });
    expect(isConsentPage(page)).toBe(true);
    expect(page.body).toContain('https://api.contoso.example');
    expect(page.body).toMatch(/<code>write<\/code>/);
  });
});
