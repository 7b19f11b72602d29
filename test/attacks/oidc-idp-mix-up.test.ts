import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, leakedInternals, type Page } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, webAppClient, WEB_APP, type PendingAuthorization } from '../support/oidc-client.js';
import { signInAtPartner, type PartnerIdp } from '../support/partner-idp.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';
import { worldState } from './support/web-snapshot.js';

/**
 * OIDC IdP mix-up: two real partner IdPs, alpha and beta, both federated with Foyer. The answer
 * alpha gives to a sign-in Foyer started there is delivered at beta's callback (so that Foyer
 * would redeem alpha's code at beta, which could be the attacker's IdP), or at alpha's callback
 * naming another issuer (RFC 9207 `iss`) or none. Always from the browser that started the
 * sign-in. The mechanisms: the state leads to a sign-in that is waiting for one IdP only
 * (src/interaction/upstream-sign-in.ts), and openid-client checks `iss` in the authorization
 * response against the IdP's metadata before any code is sent anywhere.
 */
const user = (name: string, domain: string) => ({ sub: `${name}-${domain}`, email: `${name}@${domain}`, emailVerified: true, name, amr: ['pwd'] });
const users = (domain: string) => ({ ann: user('ann', domain), bea: user('bea', domain), cai: user('cai', domain) });
const world = useWorld({ oidc: [{ id: 'alpha', users: users('alpha.example') }, { id: 'beta', users: users('beta.example') }], portal: true });
let foyer: RunningFoyer;
let alpha: PartnerIdp;
let beta: PartnerIdp;
/** Token requests each partner's token endpoint saw (a mixed-up code must reach neither). */
const tokenRequests = { alpha: 0, beta: 0 };

const callback = (idp: 'alpha' | 'beta') => world.callback(idp);

beforeAll(async () => {
  foyer = world.foyer;
  [alpha, beta] = [world.oidc.alpha!, world.oidc.beta!];
  for (const id of ['alpha', 'beta'] as const) {
    world.oidc[id]!.provider.on('grant.success', () => void tokenRequests[id]++);
    world.oidc[id]!.provider.on('grant.error', () => void tokenRequests[id]++);
  }
  for (const name of ['ann', 'bea', 'cai']) await world.invite(`${name}@alpha.example`, { sendInvitationMessage: false });
});

/** An app sign-in for `name`@alpha.example in a new browser, through alpha's login: alpha's answer, not yet delivered. */
async function alphaAnswer(name: string): Promise<{ browser: Browser; answer: Record<string, string>; pending: PendingAuthorization }> {
  const browser = new Browser();
  const pending = await startAuthorization(await webAppClient(foyer.issuer), { login_hint: `${name}@alpha.example` });
  const alphaForm = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  expect(alphaForm.url.startsWith(alpha.issuer)).toBe(true);
  return { browser, answer: await signInAtPartner(browser, alphaForm.url, name, callback('alpha')), pending };
}

const deliver = (browser: Browser, url: string, params: Record<string, string>) => browser.navigate(`${url}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });

function expectRefused(page: Page & { stoppedAt?: string }, code: string): void {
  expect([page.status, errorCodeOf(page.body), page.stoppedAt, leakedInternals(page.body)]).toEqual([400, code, undefined, undefined]);
}

/** The code alpha issued, still unused at alpha. */
async function unusedAtAlpha(code: string): Promise<boolean> {
  const found = (await alpha.provider.AuthorizationCode.find(code)) as { consumed?: number } | undefined;
  return Boolean(found && !found.consumed);
}

describe('an answer from alpha delivered as if from beta', () => {
  it('at beta’s callback it is refused before any code is exchanged, and stays good for alpha’s own callback', async () => {
    const { browser, answer, pending } = await alphaAnswer('ann');
    expect(answer.iss).toBe(alpha.issuer);
    const before = { state: await worldState(foyer), tokens: { ...tokenRequests } };
    expectRefused(await deliver(browser, callback('beta'), answer), 'signInResponseUnknown');
    expectRefused(await deliver(browser, callback('beta'), { ...answer, iss: beta.issuer }), 'signInResponseUnknown');
    expect({ state: await worldState(foyer), tokens: tokenRequests }).toEqual(before);
    expect(await unusedAtAlpha(answer.code!)).toBe(true);

    // Nothing was used up: the real delivery signs ann in.
    const landed = await deliver(browser, callback('alpha'), answer);
    const tokens = await finishAuthorization(await webAppClient(foyer.issuer), landed.stoppedAt!, pending);
    expect(tokens.claims()?.email).toBe('ann@alpha.example');
  });
});

describe('RFC 9207: the iss of the authorization response', () => {
  it('naming beta at alpha’s callback is refused as wrong_issuer; alpha’s code is never redeemed, no one is signed in', async () => {
    const { browser, answer } = await alphaAnswer('bea');
    const before = { state: await worldState(foyer), tokens: { ...tokenRequests } };
    expectRefused(await deliver(browser, callback('alpha'), { ...answer, iss: beta.issuer }), 'wrong_issuer');
    expect({ state: await worldState(foyer), tokens: tokenRequests }).toEqual(before);
    expect(await unusedAtAlpha(answer.code!)).toBe(true);
    // The attempt is over: the genuine answer, delivered after, finds no sign-in waiting for it.
    expectRefused(await deliver(browser, callback('alpha'), answer), 'signInResponseUnknown');
  });

  it('left out, from an IdP that advertises it, is refused too', async () => {
    const { browser, answer } = await alphaAnswer('cai');
    const { iss: _dropped, ...withoutIss } = answer;
    const before = { state: await worldState(foyer), tokens: { ...tokenRequests } };
    expectRefused(await deliver(browser, callback('alpha'), withoutIss), 'wrong_issuer');
    expect({ state: await worldState(foyer), tokens: tokenRequests }).toEqual(before);
    expect(await unusedAtAlpha(answer.code!)).toBe(true);
  });
});
