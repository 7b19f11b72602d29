import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { mayInvite, mayInviteMembers, type Inviter } from '../../src/invitations/inviter.js';
import { api } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { WEB_APP, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const user = (roles: ('admin' | 'guestInviter')[], userType: 'Member' | 'Guest' = 'Member'): Inviter => ({ type: 'user', id: 'u', displayName: 'U', userType, roles });

describe('allowInvitesFrom (Entra external collaboration setting)', () => {
  const cases: [string, Inviter, Record<string, boolean>][] = [
    ['an admin', user(['admin']), { none: false, adminsAndGuestInviters: true, adminsGuestInvitersAndAllMembers: true, everyone: true }],
    ['a guest inviter', user(['guestInviter']), { none: false, adminsAndGuestInviters: true, adminsGuestInvitersAndAllMembers: true, everyone: true }],
    ['a member', user([]), { none: false, adminsAndGuestInviters: false, adminsGuestInvitersAndAllMembers: true, everyone: true }],
    ['a guest', user([], 'Guest'), { none: false, adminsAndGuestInviters: false, adminsGuestInvitersAndAllMembers: false, everyone: true }],
    ['an owner of the target app', { ...user([]), ownsTarget: true } as Inviter, { none: false, adminsAndGuestInviters: true, adminsGuestInvitersAndAllMembers: true, everyone: true }],
    ['an app with User.Invite.All', { type: 'app', id: 'a', displayName: 'A' }, { none: true, adminsAndGuestInviters: true, adminsGuestInvitersAndAllMembers: true, everyone: true }],
  ];
  it.each(cases)('decides for %s under every setting', (_who, inviter, expected) => {
    for (const [setting, allowed] of Object.entries(expected)) {
      expect([setting, mayInvite(inviter, setting as never)]).toEqual([setting, allowed]);
    }
  });
  it('lets only admins, apps and the CLI invite Members', () => {
    expect(mayInviteMembers(user(['admin']))).toBe(true);
    expect(mayInviteMembers(user(['guestInviter']))).toBe(false);
    expect(mayInviteMembers({ type: 'cli', displayName: 'ops' })).toBe(true);
  });
});

describe('inviting with a user token (a person signed in to an app that calls the API)', () => {
  let foyer: RunningFoyer;
  beforeAll(async () => {
    foyer = await startFoyer((config) => {
      (config.apps as Record<string, unknown>[])[0]!.launchUrl = 'http://127.0.0.1:9999/';
    });
    await foyer.createMember('admin@contoso.example', 'correct horse battery staple', { admin: true });
    await foyer.createMember('plain@contoso.example', 'correct horse battery staple');
  });
  afterAll(() => foyer?.stop());

  async function userToken(email: string): Promise<string> {
    const config = await webAppClient(foyer.issuer);
    const resource = `${foyer.issuer}/v1.0`;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_APP.redirectUri,
      scope: 'openid User.Invite.All',
      resource,
      login_hint: email,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const browser = new Browser();
    const form = await browser.navigate(url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const done = await browser.submit(form, { email, password: 'correct horse battery staple' }, { stopAt: [WEB_APP.redirectUri] });
    expect(done.stoppedAt).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(config, new URL(done.stoppedAt!), { pkceCodeVerifier: verifier, expectedState: state }, { resource });
    return tokens.access_token;
  }

  const body = { invitedUserEmailAddress: 'guest@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/' };

  it('lets an admin invite, and refuses a plain member under adminsAndGuestInviters', async () => {
    const refused = await api(foyer.issuer, await userToken('plain@contoso.example'), 'POST', '/invitations', body);
    expect([refused.status, (refused.body.error as { code: string }).code]).toEqual([403, 'invitationsNotAllowed']);
    expect(await foyer.foyer.db('users').where({ mail_normalized: 'guest@partner.example' })).toHaveLength(0);
    const ok = await api(foyer.issuer, await userToken('admin@contoso.example'), 'POST', '/invitations', body);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ invitedBy: { type: 'user', displayName: 'admin' } });
  });
});
