/**
 * Replaying an upstream OIDC answer (the classic "code/state replay", next to saml-replay.test.ts):
 * the partner's callback delivered a second time after it was used, twice at the same moment, or
 * after the sign-in started over at the partner (a reload gives a new state). Each later delivery is
 * refused with a clear page before any code is exchanged, and nothing changes: no second sign-in,
 * no identity, no session. The single use is the atomic claim of the answer's state
 * (src/interaction/upstream-sign-in.ts). A real Foyer and the partner's real oidc-provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, leakedInternals, type Page } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { WEB, finish, invitedGuest, start } from '../e2e-access/access-support.js';

let world: GuestWorld;
let bob: string;

beforeAll(async () => {
  world = await startGuestWorld();
  bob = (await invitedGuest(world.foyer, await appToken(world.foyer.issuer, 'portal-app'), 'bob@partner.example', 'bob')).userId;
});
afterAll(() => world?.stop());

const callback = () => `${world.foyer.issuer}/federation/partner/callback`;
const db = () => world.foyer.foyer.db;

async function snapshot() {
  const [identities, signIns, user] = await Promise.all([
    db()('identities').count({ n: '*' }).first(),
    db()('sign_ins').where({ result: 'success' }).count({ n: '*' }).first(),
    db()('users').where({ id: bob }).first(),
  ]);
  return { identities: Number(identities?.n), signIns: Number(signIns?.n), lastSignIn: user.last_sign_in_at };
}

/** Bob's sign-in to the web app, through the partner, stopped before the answer is delivered to Foyer. */
async function partnerAnswer(browser: Browser) {
  const auth = await start(browser, world.foyer.issuer, WEB);
  const toPartner = await browser.submit(auth.page, { email: 'bob@partner.example' }, { stopAt: [world.partner.issuer] });
  const params = await signInAtPartner(browser, toPartner.stoppedAt!, 'bob', callback());
  return { auth, url: `${callback()}?${new URLSearchParams(params)}`, toPartner: toPartner.stoppedAt! };
}

function expectUnknown(page: Page & { stoppedAt?: string }) {
  expect(page.stoppedAt).toBeUndefined();
  expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'signInResponseUnknown']);
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe("the partner's answer delivered again", () => {
  it('after it was used: refused, and no second sign-in', async () => {
    const browser = new Browser();
    const { auth, url } = await partnerAnswer(browser);
    expect((await finish(auth, await auth.open(url))).sub).toBe(bob);
    const before = await snapshot();
    expectUnknown(await auth.open(url));
    expect(await snapshot()).toEqual(before);
  });

  it('twice at the same moment: exactly one delivery goes on to the sign-in', async () => {
    const browser = new Browser();
    const { url } = await partnerAnswer(browser);
    const before = await snapshot();
    const [a, b] = await Promise.all([browser.request(url), browser.request(url)]);
    const outcomes = await Promise.all(
      [a, b].map(async (r) => `${r.status} ${r.headers.get('location')?.replace(/^https?:\/\/[^/]+\/auth\/[^/?]+$/, '/auth/:uid') ?? errorCodeOf(await r.text())}`),
    );
    // Refused as unknown: before its code reached the partner's token endpoint, not by the partner refusing a second exchange.
    // The callback finishes the sign-in itself: the one that went on is sent to the authorization endpoint.
    expect(outcomes.sort()).toEqual(['303 /auth/:uid', '400 signInResponseUnknown']);
    // The one that went on has not been given a code yet (no sign-in log row), and the refused one added nothing.
    const { identities, signIns } = await snapshot();
    expect({ identities, signIns }).toEqual({ identities: before.identities, signIns: before.signIns });
  });

  it('after the sign-in started over at the partner: the first answer no longer counts', async () => {
    const browser = new Browser();
    const { auth, url: stale } = await partnerAnswer(browser);
    // The person starts the same sign-in over (reload, another try): a new state goes to the partner.
    const uid = /\/interaction\/([^/?]+)/.exec(auth.page.url)![1]!;
    const again = await browser.navigate(`${world.foyer.issuer}/interaction/${uid}`, { stopAt: [world.partner.issuer] });
    expect(again.stoppedAt).toBeDefined();
    const before = await snapshot();
    expectUnknown(await auth.open(stale));
    expect(await snapshot()).toEqual(before);
  });
});
