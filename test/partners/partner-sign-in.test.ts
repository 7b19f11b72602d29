/**
 * Partner settings end to end, against two partner organisations' real OpenID providers:
 * automatic redemption for one partner only, a partner limited to one app, MFA trust with a
 * maximum age, and the partner named in the sign-in log.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import { finish, is, PAGES, signInRows, start } from '../e2e-access/access-support.js';
import { APP_A, APP_B, invite, redeem, startPartnerWorld, type PartnerWorld } from './partner-world.js';

let world: PartnerWorld;

beforeAll(async () => {
  world = await startPartnerWorld((config) => {
    config.conditionalAccess = [
      {
        id: 'fabrikam-mfa-on-a',
        displayName: "Fabrikam's guests do MFA on app A",
        state: 'enabled',
        conditions: {
          users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: ['fabrikam'] } } },
          applications: { includeApplications: [APP_A.id] },
        },
        grantControls: { builtInControls: ['mfa'] },
      },
    ];
  });
});
afterAll(() => world?.stop());

describe('automatic redemption', () => {
  it('skips the review page for the partner that allows it, and only for that one', async () => {
    const fabrikam = await invite(world, 'alice@fabrikam.example');
    const auto = await redeem(world, fabrikam.redeemUrl, 'fabrikam', 'alice');
    expect(auto.review).toBe(false);
    expect(auto.landed.stoppedAt).toBe(APP_A.launchUrl);
    expect((await world.foyer.foyer.users.findById(fabrikam.userId))?.externalUserState).toBe('Accepted');

    const northwind = await invite(world, 'nina@northwind.example');
    const reviewed = await redeem(world, northwind.redeemUrl, 'northwind', 'nina');
    expect(reviewed.review).toBe(true);
    expect(reviewed.landed.stoppedAt).toBe(APP_A.launchUrl);
  });

  it('still asks in a browser signed in as someone else', async () => {
    const { browser } = await redeem(world, (await invite(world, 'gil@fabrikam.example')).redeemUrl, 'fabrikam', 'gil');
    const other = await invite(world, 'fay@fabrikam.example');
    const page = await browser.navigate(other.redeemUrl);
    expect(headingOf(page.body)).toBe('Review permissions');
    expect(page.body).toContain('This browser is signed in as');
  });
});

describe('a partner limited to app A', () => {
  let browser: Browser;
  let userId: string;
  beforeAll(async () => {
    const invited = await invite(world, 'noel@northwind.example');
    userId = invited.userId;
    ({ browser } = await redeem(world, invited.redeemUrl, 'northwind', 'noel'));
  });

  it('signs its guest in to app A', async () => {
    const claims = await finish(await start(browser, world.issuer, APP_A));
    expect(claims.sub).toBe(userId);
  });

  it('refuses app B with a page that says why, and the app gets access_denied and no code', async () => {
    const auth = await start(browser, world.issuer, APP_B);
    expect(auth.page.status).toBe(403);
    expect(headingOf(auth.page.body)).toBe('You cannot use App B');
    expect(errorCodeOf(auth.page.body)).toBe('partnerAppNotAllowed');
    expect(auth.page.body).toContain('does not let people from Northwind use App B');
    expect(parseForms(auth.page.body)).toEqual([]);
    const back = /href="(\/interaction\/[^"]+\/abort)"/.exec(auth.page.body)?.[1];
    const landed = await auth.open(back!);
    const answer = new URL(landed.stoppedAt!);
    expect(answer.searchParams.get('error')).toBe('access_denied');
    expect(answer.searchParams.has('code')).toBe(false);
  });

  it('refuses app B silently with prompt=none: access_denied, no code', async () => {
    const auth = await start(browser, world.issuer, APP_B, { prompt: 'none' });
    const answer = new URL(auth.page.stoppedAt!);
    expect(answer.searchParams.get('error')).toBe('access_denied');
    expect(answer.searchParams.has('code')).toBe(false);
  });

  it('logs the refusal with the partner and the code', async () => {
    const rows = await signInRows(world.foyer, { user_id: userId, app_id: APP_B.id });
    expect(rows.map((r) => [r.result, r.error_code])).toContainEqual(['failure', 'partnerAppNotAllowed']);
    const stored = await world.foyer.foyer.db('sign_ins').where({ user_id: userId, app_id: APP_A.id, result: 'success' }).first();
    expect([stored.home_tenant_id, stored.home_tenant_name]).toEqual(['northwind', 'Northwind']);
  });

  it('an owner cannot invite its people to app B either', async () => {
    const { api } = await import('../support/api-client.js');
    const res = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: 'new@northwind.example', inviteRedirectUrl: APP_B.launchUrl });
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'partnerAppNotAllowed']);
    expect(await world.foyer.foyer.users.findByEmail('new@northwind.example')).toBeUndefined();
  });
});

describe("MFA at a trusted partner's IdP", () => {
  it('a fresh MFA at Fabrikam skips Foyer’s prompt: amr fed+mfa, acr mfa', async () => {
    const { browser } = await redeem(world, (await invite(world, 'bob@fabrikam.example')).redeemUrl, 'fabrikam', 'bob');
    const claims = await finish(await start(browser, world.issuer, APP_A));
    expect(claims.amr).toEqual(['fed', 'mfa']);
    expect(claims.acr).toBe('urn:foyer:acr:mfa');
  });

  it('an MFA older than mfaMaxAgeMinutes does not: Foyer asks for its own', async () => {
    // Fabrikam answers with an ID token (signed with its own key) saying fay authenticated 3 hours ago.
    world.fabrikam.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Number(c.auth_time) - 3 * 3600 }) });
    try {
      const browser = new Browser();
      const auth = await start(browser, world.issuer, APP_A, { login_hint: 'fay@fabrikam.example' });
      // fay was invited above and never accepted: signing in through Fabrikam redeems just in time.
      const partner = auth.page;
      expect(headingOf(partner.body)).toBe(PAGES.partner);
      const next = await auth.submit(partner, { login: 'fay' });
      expect(is(next, PAGES.enrol)).toBe(true);
    } finally {
      world.fabrikam.tamperIdTokens(undefined);
    }
  });

  it('the same MFA without a policy naming Fabrikam counts as MFA all the same, and Northwind guests are not asked', async () => {
    const { browser } = await redeem(world, (await invite(world, 'owen@northwind.example')).redeemUrl, 'northwind', 'owen');
    const claims = await finish(await start(browser, world.issuer, APP_A));
    expect(claims.amr).toEqual(['fed']);
  });
});

describe('refresh tokens', () => {
  it('a partner guest’s refresh token for an allowed app works while the settings allow it', async () => {
    const { browser } = await redeem(world, (await invite(world, 'pia@northwind.example')).redeemUrl, 'northwind', 'pia');
    const auth = await start(browser, world.issuer, APP_A);
    const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt!), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(auth.config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });
});
