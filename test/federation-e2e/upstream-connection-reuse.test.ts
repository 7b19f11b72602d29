import { beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpFetch } from '../../src/federation/node-http-fetch.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { useWorld } from '../support/world.js';

/**
 * Under load the bench's guest sign-ins failed at the callback with a 502: Foyer sent the code
 * exchange on a kept-alive connection the partner IdP had closed while it sat idle, and the request
 * was lost without an answer (docs/benchmarks.md, "Failed sign-ins under load"). Here the partner
 * drops the exchange on a reused connection once, deterministically.
 */
const world = useWorld({ oidc: true, portal: true });
let token: string;

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
});

const callback = () => `${world.foyer.issuer}/federation/partner/callback`;

async function rowCounts() {
  const db = world.foyer.foyer.db;
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n);
  return { users: await count('users'), identities: await count('identities'), audit: await count('audit_log'), signIns: await count('sign_ins') };
}

describe('a code exchange lost on a kept-alive connection the IdP closed', () => {
  it('is sent again on a new connection and the sign-in finishes; a replay of the same answer is still refused and changes nothing', async () => {
    const invited = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'alice@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
    expect(invited.status).toBe(201);
    const browser = new Browser();
    const page = await browser.navigate(redeemUrlIn(latestOutboxMail(world.foyer)));
    const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
    const params = await signInAtPartner(browser, partnerForm.url, 'alice', callback());
    // Foyer (in this process) has a kept-alive connection to the partner in its pool, used last.
    await (await nodeHttpFetch(`${world.partner.issuer}/.well-known/openid-configuration`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' })).arrayBuffer();
    const exchange = world.partner.dropNextOnReusedConnection('/token');

    const first = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(exchange.dropped()).toBe(true);
    expect(exchange.arrivals()).toBe(2);
    expect(first.stoppedAt).toBe(APP_URL);
    const redeemed = await world.foyer.foyer.db('users').where({ id: (invited.body.invitedUser as { id: string }).id }).first();
    expect(redeemed?.external_user_state).toBe('Accepted');

    // The same answer delivered again: refused before anything is exchanged, and nothing changes.
    const before = await rowCounts();
    const replay = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(replay.status).toBe(400);
    expect(errorCodeOf(replay.body)).toBe('signInResponseUnknown');
    expect(exchange.arrivals()).toBe(2);
    expect(await rowCounts()).toEqual(before);
  });
});
