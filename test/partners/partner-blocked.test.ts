/**
 * Switching a partner to blocked, the way an operator does it: change the config and restart
 * Foyer (same database). Its guests who redeemed before are refused at their next sign-in, single
 * sign-on and token refresh, with a page that says why; their refresh tokens end for good; links
 * sent before cannot be redeemed; nothing is written for them. Another partner's guests go on.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { is, PAGES, signInRows, start, type Authorization } from '../e2e-access/access-support.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { APP_A, invite, redeem, startPartnerWorld, type PartnerWorld } from './partner-world.js';

let world: PartnerWorld;
let alice: { userId: string; browser: Browser; refreshToken: string };
let nina: { refreshToken: string };
let gil: { userId: string; redeemUrl: string };

async function refreshTokenFrom(auth: Authorization): Promise<string> {
  const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt!), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce });
  return tokens.refresh_token!;
}

async function countRows(table: string, where: Record<string, unknown>): Promise<number> {
  return Number((await world.foyer.foyer.db(table).where(where).count({ n: '*' }).first())?.n);
}

beforeAll(async () => {
  world = await startPartnerWorld();
  const a = await invite(world, 'alice@fabrikam.example');
  const { browser } = await redeem(world, a.redeemUrl, 'fabrikam', 'alice');
  alice = { userId: a.userId, browser, refreshToken: await refreshTokenFrom(await start(browser, world.issuer, APP_A)) };
  const n = await redeem(world, (await invite(world, 'nina@northwind.example')).redeemUrl, 'northwind', 'nina');
  nina = { refreshToken: await refreshTokenFrom(await start(n.browser, world.issuer, APP_A)) };
  // Invited before the change, never redeemed.
  gil = await invite(world, 'gil@fabrikam.example');

  await world.restart((config) => {
    const fabrikam = (config.partners as Record<string, unknown>[]).find((p) => p.id === 'fabrikam')!;
    fabrikam.b2bCollaborationInbound = { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } };
  });
});
afterAll(() => world?.stop());

describe('a partner switched to blocked', () => {
  it('refuses the guest’s existing session at the app with a page saying why, and issues no code', async () => {
    const auth = await start(alice.browser, world.issuer, APP_A);
    expect(auth.page.status).toBe(403);
    expect(auth.page.stoppedAt).toBeUndefined();
    expect(headingOf(auth.page.body)).toBe('You cannot use App A');
    expect(errorCodeOf(auth.page.body)).toBe('partnerBlocked');
    expect(auth.page.body).toContain('does not let people from Fabrikam sign in at the moment');
    // Its only way on is back to the app, with access_denied and no code.
    const landed = await auth.open(/href="(\/interaction\/[^"]+\/abort)"/.exec(auth.page.body)![1]!);
    const answer = new URL(landed.stoppedAt!);
    expect([answer.searchParams.get('error'), answer.searchParams.has('code')]).toEqual(['access_denied', false]);
  });

  it('ends its guests’ refresh tokens (invalid_grant), and another partner’s keep working', async () => {
    const config = await client.discovery(new URL(world.issuer), APP_A.id, DEMO_SECRET, undefined, { execute: [client.allowInsecureRequests] });
    await expect(client.refreshTokenGrant(config, alice.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.refreshTokenGrant(config, nina.refreshToken)).access_token).toBeTruthy();
    // Ended, not only refused: the grant is gone, so lifting the block later brings nothing back.
    const grants = await world.foyer.foyer.db('oidc_payloads').where({ model: 'Grant' }).andWhereLike('payload', `%${alice.userId}%`).count({ n: '*' }).first();
    expect(Number(grants?.n)).toBe(0);
  });

  it('refuses a fresh sign-in before the guest is sent to Fabrikam, and writes nothing', async () => {
    const identitiesBefore = await countRows('identities', {});
    const browser = new Browser();
    const auth = await start(browser, world.issuer, APP_A);
    expect(is(auth.page, PAGES.identify)).toBe(true);
    const refused = await auth.submit(auth.page, { email: 'alice@fabrikam.example' });
    expect(refused.status).toBe(403);
    expect(errorCodeOf(refused.body)).toBe('partnerBlocked');
    expect(refused.trail.some((u) => u.startsWith(world.fabrikam.issuer))).toBe(false);
    expect(await countRows('identities', {})).toBe(identitiesBefore);
    const rows = await signInRows(world.foyer, { user_principal_name: 'alice@fabrikam.example', error_code: 'partnerBlocked' });
    expect(rows.length).toBeGreaterThan(0);
  });

  it('refuses a link sent before the change, and the invitation stays as it was', async () => {
    const res = await new Browser().request(gil.redeemUrl);
    const body = await res.text();
    expect(res.status).toBe(403);
    expect(errorCodeOf(body)).toBe('partnerBlocked');
    expect(headingOf(body)).toBe('Access denied');
    const user = await world.foyer.foyer.users.findById(gil.userId);
    expect(user?.externalUserState).toBe('PendingAcceptance');
    expect(await countRows('identities', { user_id: gil.userId })).toBe(0);
    expect(await countRows('invitations', { user_id: gil.userId, status: 'PendingAcceptance' })).toBe(1);
  });

  it('refuses new invitations to its people, and writes no user', async () => {
    const res = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: 'new@fabrikam.example', inviteRedirectUrl: APP_A.launchUrl, sendInvitationMessage: true });
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'partnerBlocked']);
    expect(await world.foyer.foyer.users.findByEmail('new@fabrikam.example')).toBeUndefined();
  });

  it('names the partner in the sign-in log', async () => {
    const row = await world.foyer.foyer.db('sign_ins').where({ error_code: 'partnerBlocked' }).whereNotNull('home_tenant_id').first();
    expect([row?.home_tenant_id, row?.home_tenant_name]).toEqual(['fabrikam', 'Fabrikam']);
  });

  it('lifting the block later does not bring the old refresh token back', async () => {
    await world.restart((config) => {
      const fabrikam = (config.partners as Record<string, unknown>[]).find((p) => p.id === 'fabrikam')!;
      delete fabrikam.b2bCollaborationInbound;
    });
    const config = await client.discovery(new URL(world.issuer), APP_A.id, DEMO_SECRET, undefined, { execute: [client.allowInsecureRequests] });
    await expect(client.refreshTokenGrant(config, alice.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
