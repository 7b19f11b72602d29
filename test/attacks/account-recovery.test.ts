/**
 * Takeover 3 of the outside review: an app that may only invite resets an accepted guest's
 * redemption to its own address, is handed the new redeem link, and becomes the guest (same id,
 * groups, assignments). Played against a real Foyer and the partner's real IdP: every inviter
 * without account-recovery rights is refused with 403 and nothing about the guest changes; an app
 * with User.ReadWrite.All may reset to the same address only; an admin may move the guest to a
 * new address, which ends the old sessions, refresh tokens and MFA factors, audited.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, leakedInternals } from '../support/browserless.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import {
  accountState,
  acceptedGuest,
  ALL_SCOPES,
  APP_URL,
  outboxCount,
  refresh,
  signInAtWebApp,
  ssoAtWebApp,
  startRecoveryWorld,
  type Victim,
} from './support/account-recovery-world.js';
import { later, useStarted } from '../support/world.js';

const w = useStarted(() => startRecoveryWorld({ victims: ['vic'] }));
const vic = later(() => w.victims.vic, 'victim');

const resetBody = (victim: Victim, address: string) => ({
  invitedUserEmailAddress: address,
  inviteRedirectUrl: APP_URL,
  sendInvitationMessage: true,
  resetRedemption: true,
  invitedUser: { id: victim.userId },
});
const codeOf = (res: { body: Record<string, unknown> }) => (res.body.error as { code?: string } | undefined)?.code;

describe('resetting an accepted guest without account-recovery rights', () => {
  const attackers: [string, () => Promise<string>][] = [
    ['the sign-up portal app (User.Invite.All + User.Read.All)', async () => w.apps.portal],
    ['an invite-only app (User.Invite.All)', async () => w.apps.inviteOnly],
    ['a guest inviter, whatever the token’s scopes', () => w.userToken('inviter', ALL_SCOPES)],
    ['an owner of the app the guest is assigned to', () => w.userToken('owner', ALL_SCOPES)],
    ['an admin whose token only carries User.Invite.All', () => w.userToken('admin', ['User.Invite.All'])],
  ];

  it.each(attackers)('%s: 403 accountRecoveryNotAllowed, and nothing about the guest changed', async (_who, tokenOf) => {
    const token = await tokenOf();
    const before = await accountState(w, vic.userId);
    expect(before.identities).toHaveLength(1);
    expect(before.sessions).toBeGreaterThan(0);
    for (const address of ['mallory@partner.example', vic.email]) {
      const res = await w.call(token, 'POST', '/invitations', resetBody(vic, address));
      expect([res.status, codeOf(res)]).toEqual([403, 'accountRecoveryNotAllowed']);
      expect(JSON.stringify(res.body)).not.toContain('/redeem?t=');
      expect(leakedInternals(JSON.stringify(res.body))).toBeUndefined();
    }
    expect(await accountState(w, vic.userId)).toEqual(before);
  });

  it('is refused before the target is looked up: an unknown user id gets the same 403, not a 404', async () => {
    const res = await w.call(w.apps.inviteOnly, 'POST', '/invitations', { ...resetBody(vic, 'mallory@partner.example'), invitedUser: { id: '7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11' } });
    expect([res.status, codeOf(res)]).toEqual([403, 'accountRecoveryNotAllowed']);
  });

  it('after every attempt the guest still signs in with their own account and keeps their refresh token', async () => {
    const signedIn = await signInAtWebApp(w, vic.email, vic.login);
    expect(signedIn.sub).toBe(vic.userId);
    const refreshed = await refresh(w, vic.refreshToken);
    expect(refreshed.sub).toBe(vic.userId);
    vic.refreshToken = refreshed.refreshToken!;
    // And the attacker, signing in with their own account, is nobody here.
    const mallory = await signInAtWebApp(w, 'mallory@partner.example', 'mallory');
    expect(mallory.sub).toBeUndefined();
    expect(await w.db('users').where({ mail_normalized: 'mallory@partner.example' })).toHaveLength(0);
  });
});

describe('an app with User.ReadWrite.All', () => {
  let val: Victim;
  beforeAll(async () => {
    val = await acceptedGuest(w, 'val');
  });

  it('may not send the reset to another address: 403 addressChangeNotAllowed, nothing changed', async () => {
    const before = await accountState(w, val.userId);
    const res = await w.call(w.apps.writer, 'POST', '/invitations', resetBody(val, 'mallory@partner.example'));
    expect([res.status, codeOf(res)]).toEqual([403, 'addressChangeNotAllowed']);
    expect(await accountState(w, val.userId)).toEqual(before);
  });

  it('may reset to the same address: the guest is signed out, identities and MFA go, and only the address’s owner can redeem again', async () => {
    const live = await refresh(w, val.refreshToken);
    expect(live.sub).toBe(val.userId);
    const res = await w.call(w.apps.writer, 'POST', '/invitations', resetBody(val, val.email));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resetRedemption: true, status: 'PendingAcceptance', invitedUser: { id: val.userId }, invitedUserEmailAddress: val.email });
    const after = await accountState(w, val.userId);
    expect(after).toMatchObject({ user: { mail: val.email, state: 'PendingAcceptance' }, identities: [], mfa: { totp: 0, codes: 0 }, sessions: 0, grants: 0, groups: [w.groupId], assignments: ['web-app'] });
    expect(await refresh(w, live.refreshToken!)).toEqual({ error: 'invalid_grant' });

    // The writer holds the link, but redeeming it needs the invited address proven: mallory's
    // partner account does not prove val's address, so she is only offered a code mailed to val.
    const link = String(res.body.inviteRedeemUrl);
    const mallory = await redeemLink(w.world, new Browser(), link, 'mallory', APP_URL);
    expect(mallory.stoppedAt).toBeUndefined();
    expect(mallory.body).toContain('Confirm your email address');
    expect(await w.db('identities').where({ user_id: val.userId })).toEqual([]);

    const back = await redeemLink(w.world, val.browser, redeemUrlIn(latestOutboxMail(w.world.foyer)), val.login, APP_URL);
    expect(back.stoppedAt).toBe(APP_URL);
    expect((await accountState(w, val.userId)).user.state).toBe('Accepted');
  });
});

describe('an admin recovering an account for a guest who moved to a new address', () => {
  let vera: Victim;
  beforeAll(async () => {
    vera = await acceptedGuest(w, 'vera');
  });

  it('resets to the new address: same user, groups and assignments; old sessions, refresh token and MFA gone; audited with both addresses', async () => {
    const live = await refresh(w, vera.refreshToken);
    expect(live.sub).toBe(vera.userId);
    const mailsBefore = outboxCount(w);
    const res = await w.call(await w.userToken('admin', ALL_SCOPES), 'POST', '/invitations', resetBody(vera, 'vera.new@partner.example'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'PendingAcceptance', invitedUser: { id: vera.userId }, invitedUserEmailAddress: 'vera.new@partner.example' });
    expect(outboxCount(w)).toBe(mailsBefore + 1);
    expect(latestOutboxMail(w.world.foyer)).toContain('vera.new@partner.example');

    const after = await accountState(w, vera.userId);
    expect(after).toMatchObject({ user: { mail: 'vera.new@partner.example', state: 'PendingAcceptance' }, identities: [], mfa: { totp: 0, codes: 0 }, sessions: 0, grants: 0 });
    expect(await refresh(w, live.refreshToken!)).toEqual({ error: 'invalid_grant' });
    const audit = await w.db('audit_log').where({ activity: 'Reset redemption', target_id: vera.userId }).first();
    expect(JSON.parse(audit.details)).toMatchObject({ previousAddress: 'vera@partner.example', newAddress: 'vera.new@partner.example', previousState: 'Accepted', identitiesRemoved: 1, mfaReset: true });
    expect(await w.db('audit_log').where({ activity: 'Revoke sign-in sessions', result: 'success', target_id: vera.userId })).toHaveLength(1);

    // The old browser's session is over: the web app gets the sign-in page, not single sign-on;
    // and the old partner account, no longer linked, is nobody here.
    expect(await ssoAtWebApp(w, vera.browser)).toEqual({ heading: 'Sign in' });
    const oldAccount = await signInAtWebApp(w, 'vera@partner.example', 'vera');
    expect([oldAccount.sub, oldAccount.landed.status, errorCodeOf(oldAccount.landed.body)]).toEqual([undefined, 403, 'noInvitation']);

    // The guest redeems at the new address and is the same user, with the same access.
    const landed = await redeemLink(w.world, new Browser(), redeemUrlIn(latestOutboxMail(w.world.foyer)), 'vera.new', APP_URL);
    expect(landed.stoppedAt).toBe(APP_URL);
    expect(await accountState(w, vera.userId)).toMatchObject({ user: { mail: 'vera.new@partner.example', state: 'Accepted' }, groups: [w.groupId], assignments: ['web-app'] });
    expect((await signInAtWebApp(w, 'vera.new@partner.example', 'vera.new')).sub).toBe(vera.userId);
  });
});
