/**
 * The other ways to a redeem link for a guest who has already accepted, or to a reset: re-inviting
 * them (another landing page, a cc to the attacker), resending a pending invitation left over for
 * them, the owners' pages and the admin page. Against a real Foyer and the partner's real IdP;
 * each refused attempt leaves the guest exactly as they were.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashTicket } from '../../src/invitations/redeem-ticket.js';
import { memberOnMyApps } from '../portal/portal-helpers.js';
import { errorCodeOf, leakedInternals, type Browser } from '../support/browserless.js';
import { latestOutboxMail } from '../support/guest-world.js';
import { accountState, APP_URL, MEMBERS, outboxCount, refresh, ssoAtWebApp, startRecoveryWorld } from './support/account-recovery-world.js';
import { later, useStarted } from '../support/world.js';

const w = useStarted(() => startRecoveryWorld({ victims: ['vic'] }));
const vic = later(() => w.victims.vic, 'victim');

const codeOf = (res: { body: Record<string, unknown> }) => (res.body.error as { code?: string } | undefined)?.code;

/** A form post from a signed-in My Apps browser, with its CSRF token. */
async function post(browser: Browser, path: string, fields: Record<string, string> = {}) {
  const body = new URLSearchParams({ _csrf: browser.cookiesFor(w.issuer)['foyer.csrf']!, ...fields });
  const res = await browser.request(`${w.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  const text = await res.text();
  expect(leakedInternals(text)).toBeUndefined();
  return { status: res.status, code: errorCodeOf(text), location: res.headers.get('location') };
}

describe('re-inviting a guest who has accepted', () => {
  it('is refused unless sendAgain is asked for: 409 guestAlreadyAccepted, no invitation written', async () => {
    const before = await w.db('invitations').where({ user_id: vic.userId }).select();
    const res = await w.call(w.apps.inviteOnly, 'POST', '/invitations', { invitedUserEmailAddress: vic.email, inviteRedirectUrl: `${w.issuer}/myapps`, sendInvitationMessage: true });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'guestAlreadyAccepted' });
    expect(String((res.body.error as { message: string }).message)).toContain('sendAgain');
    expect(await w.db('invitations').where({ user_id: vic.userId }).select()).toEqual(before);
  });

  it('with sendAgain, to another landing page with a cc to the attacker: no ticket is issued, the link only opens the app', async () => {
    const before = await accountState(w, vic.userId);
    const myApps = `${w.issuer}/myapps`;
    const res = await w.call(w.apps.inviteOnly, 'POST', '/invitations', {
      invitedUserEmailAddress: vic.email.toUpperCase(),
      inviteRedirectUrl: myApps,
      sendInvitationMessage: true,
      sendAgain: true,
      invitedUserMessageInfo: { ccRecipients: [{ emailAddress: { address: 'mallory@partner.example' } }] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'Completed', inviteRedeemUrl: myApps, invitedUser: { id: vic.userId } });
    expect((await w.db('invitations').where({ id: res.body.id }).first()).ticket_hash).toBeNull();
    const mail = latestOutboxMail(w.world.foyer).replace(/=\r?\n/g, '');
    expect(mail).toContain('mallory@partner.example');
    expect(mail).not.toContain('/redeem?t=');
    // The account itself is untouched: only the invitation, its audit entry and the mail are new.
    const access = ({ user, identities, groups, assignments, mfa, sessions, grants }: typeof before) => ({ user, identities, groups, assignments, mfa, sessions, grants });
    expect(access(await accountState(w, vic.userId))).toEqual(access(before));
    const refreshed = await refresh(w, vic.refreshToken);
    expect(refreshed.sub).toBe(vic.userId);
    vic.refreshToken = refreshed.refreshToken!;
  });
});

describe('a pending invitation left over for a guest who has since accepted', () => {
  let leftover: string;
  beforeAll(async () => {
    // What two invitations racing on PostgreSQL could leave behind: a second pending row.
    leftover = randomUUID();
    const now = new Date().toISOString();
    await w.db('invitations').insert({
      id: leftover, user_id: vic.userId, invited_email: vic.email, invite_redirect_url: APP_URL, ticket_hash: hashTicket(randomUUID()), status: 'PendingAcceptance',
      invited_user_type: 'Guest', invited_by_type: 'app', invited_by_id: 'portal-app', invited_by_name: 'Sign-up portal', message_body: null, cc_recipients: '[]',
      message_language: null, send_invitation_message: true, sent_count: 1, last_sent_at: now, expires_at: new Date(Date.now() + 86_400_000).toISOString(), created_at: now, redeemed_at: null, revoked_at: null,
    });
  });

  it('is not resent by an inviter through the API: 409 guestAlreadyAccepted, no new link, no mail', async () => {
    const before = await accountState(w, vic.userId);
    const res = await w.call(w.apps.portal, 'POST', `/invitations/${leftover}/resend`);
    expect([res.status, codeOf(res)]).toEqual([409, 'guestAlreadyAccepted']);
    expect(JSON.stringify(res.body)).not.toContain('/redeem?t=');
    expect(await accountState(w, vic.userId)).toEqual(before);
  });

  it('is not resent by the owner of the guest’s app on My Apps either', async () => {
    const { browser } = await memberOnMyApps(w.world.foyer, MEMBERS.owner, '/myapps/manage/app/web-app');
    const before = await accountState(w, vic.userId);
    expect(await post(browser, `/myapps/manage/app/web-app/guests/${vic.userId}/resend`)).toMatchObject({ status: 409, code: 'guestAlreadyAccepted' });
    expect(await accountState(w, vic.userId)).toEqual(before);
  });
});

describe('My Apps', () => {
  it('an owner has no reset: the action does not exist on their page, and nothing changed', async () => {
    const { browser } = await memberOnMyApps(w.world.foyer, MEMBERS.owner, '/myapps/manage/app/web-app');
    const before = await accountState(w, vic.userId);
    expect(await post(browser, `/myapps/manage/app/web-app/guests/${vic.userId}/reset`)).toMatchObject({ status: 404, code: 'notFound' });
    expect(await accountState(w, vic.userId)).toEqual(before);
  });

  it.each([['a guest inviter', MEMBERS.inviter], ['an owner', MEMBERS.owner]])('%s may not reset on the admin page: 403 consolePermissionRequired, nothing changed', async (_who, email) => {
    const { browser } = await memberOnMyApps(w.world.foyer, email);
    const before = await accountState(w, vic.userId);
    expect(await post(browser, `/myapps/admin/guests/${vic.userId}/reset`)).toMatchObject({ status: 403, code: 'consolePermissionRequired' });
    expect(await accountState(w, vic.userId)).toEqual(before);
  });

  it('an admin resets on the admin page: the guest is signed out, their refresh token and MFA are gone, audited', async () => {
    const { browser } = await memberOnMyApps(w.world.foyer, MEMBERS.admin, '/myapps/admin/guests');
    const live = await refresh(w, vic.refreshToken);
    expect(live.sub).toBe(vic.userId);
    const mails = outboxCount(w);
    // The first POST only asks (the console confirms destructive actions); nothing changes yet.
    const before = await accountState(w, vic.userId);
    expect(await post(browser, `/myapps/admin/guests/${vic.userId}/reset`)).toMatchObject({ status: 200 });
    expect(await accountState(w, vic.userId)).toEqual(before);
    const done = await post(browser, `/myapps/admin/guests/${vic.userId}/reset`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.location).toMatch(new RegExp(`^/myapps/admin/guests/${vic.userId}\\?done=`));
    expect(await accountState(w, vic.userId)).toMatchObject({ user: { mail: vic.email, state: 'PendingAcceptance' }, identities: [], mfa: { totp: 0, codes: 0 }, sessions: 0, grants: 0, mails: mails + 1 });
    // The leftover row is superseded with the rest: one pending invitation, the new one.
    expect(await w.db('invitations').where({ user_id: vic.userId, status: 'PendingAcceptance' })).toHaveLength(1);
    expect(await refresh(w, live.refreshToken!)).toEqual({ error: 'invalid_grant' });
    expect(await ssoAtWebApp(w, vic.browser)).toEqual({ heading: 'Sign in' });
    const audit = await w.db('audit_log').where({ activity: 'Reset redemption', target_id: vic.userId }).first();
    expect(JSON.parse(audit.details)).toMatchObject({ previousAddress: vic.email, newAddress: vic.email, identitiesRemoved: 1, mfaReset: true });
  });
});
