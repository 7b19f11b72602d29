/**
 * The upstream state now carries the interaction uid (`<uid>.<192 random bits>`), so the uid is no
 * longer a secret from the partner IdP or anyone who sees the authorization URL. Knowing it must not
 * help: a state with the right uid but another random part is refused before anything is claimed
 * or exchanged, the genuine answer still works afterwards, and the genuine answer delivered at
 * another IdP's callback is refused (mix-up). Attack review of signin-hot-path (ca7cc2f).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
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

async function partnerAnswer(browser: Browser) {
  const auth = await start(browser, world.foyer.issuer, WEB);
  const toPartner = await browser.submit(auth.page, { email: 'bob@partner.example' }, { stopAt: [world.partner.issuer] });
  const params = await signInAtPartner(browser, toPartner.stoppedAt!, 'bob', callback());
  return { auth, params };
}

describe('a state that names the right interaction', () => {
  it('with another random part: refused, nothing used up, the genuine answer still signs in', async () => {
    const browser = new Browser();
    const { auth, params } = await partnerAnswer(browser);
    const [uid] = params.state!.split(".");
    // oidc-provider 9's uids are 43 characters: the state is 76, under SAML's 80-byte RelayState.
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{32}$/);
    const forged = new URLSearchParams({ ...params, state: `${uid}.${'A'.repeat(32)}` });
    const refused = await auth.open(`${callback()}?${forged}`);
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([400, 'signInResponseUnknown']);
    expect((await finish(auth, await auth.open(`${callback()}?${new URLSearchParams(params)}`))).sub).toBe(bob);
  });
});
