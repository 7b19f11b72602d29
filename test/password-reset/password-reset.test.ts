import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/directory/password-hash.js';
import { observe } from '../attacks/support/web-compare.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { isPasswordPage, oauthErrorOf, openPasswordForm, signedInWebApp, webAppClient } from '../support/oidc-client.js';
import { PASSWORD, useWorld } from '../support/world.js';
import { askForLink, postForgot, resetUrlIn, useLink } from './support.js';

/**
 * Password reset for members, over a real SMTP server, read as its attacker would: the link is
 * used twice, after it expired, from another browser; it is asked for a guest's address and for
 * addresses with no account (the same answer, no mail); and after a reset nothing signed in
 * before still works.
 */
const NEW_PASSWORD = 'a brand new passphrase 42';
const TTL_MINUTES = 30;
let clock = Date.now();

const world = useWorld(() => ({
  smtp: true,
  members: ['mia@contoso.example', 'noah@contoso.example', 'olga@contoso.example', 'pia@contoso.example', 'quinn@contoso.example', 'off@contoso.example', 'rae@contoso.example'],
  clock: { now: () => new Date(clock) },
  customize: (config) => {
    config.passwordReset = { ttlMinutes: TTL_MINUTES, perAddressPerHour: 2, perIpPerHour: 1000 };
  },
}));

const db = () => world.foyer.foyer.db;
const settled = () => world.foyer.foyer.passwordReset.settled();
const passwordHashOf = async (email: string) => (await db()('users').where({ mail_normalized: email }).first('password_hash')).password_hash as string | null;
const auditFor = async (userId: string) => (await db()('audit_log').where({ target_id: userId }).orderBy('activity_at')).map((r: { activity: string; result: string }) => `${r.activity}:${r.result}`);
const mailsTo = (to: string) => world.smtp.messages.filter((m) => m.to.includes(to));

async function linkFor(email: string): Promise<string> {
  const answer = await askForLink(world.issuer, email);
  expect(headingOf(answer.body)).toBe('Check your mail');
  return resetUrlIn((await world.smtp.waitForMessage(email)).raw);
}

describe('a member resets their password', () => {
  it('with the mailed link: the new password works, the old one not, every session and refresh token ends, and it is audited', async () => {
    const before = await signedInWebApp(world.issuer, 'mia@contoso.example', PASSWORD);
    expect(before.tokens.refresh_token).toBeTruthy();
    const mail = await (async () => {
      const answer = await askForLink(world.issuer, 'mia@contoso.example');
      expect(answer.status).toBe(200);
      return world.smtp.waitForMessage('mia@contoso.example');
    })();
    expect(mail.subject).toBe('Reset your Contoso Test password');
    const url = resetUrlIn(mail.raw);
    // Only a hash of the token is stored.
    const token = new URL(url).searchParams.get('t')!;
    expect(JSON.stringify(await db()('password_reset_tickets').select())).not.toContain(token);

    const { done } = await useLink(url, NEW_PASSWORD);
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('Your password is changed');

    expect(await verifyPassword(NEW_PASSWORD, (await passwordHashOf('mia@contoso.example'))!)).toBe(true);
    expect(await oauthErrorOf(client.refreshTokenGrant(before.config, before.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    // The browser signed in before has no session any more: the app's next sign-in asks again.
    const again = await openPasswordForm(before.browser, await webAppClient(world.issuer), 'mia@contoso.example');
    expect(isPasswordPage(again.page)).toBe(true);
    const oldPassword = await before.browser.submit(again.page, { email: 'mia@contoso.example', password: PASSWORD });
    expect(oldPassword.status).toBe(401);
    await signedInWebApp(world.issuer, 'mia@contoso.example', NEW_PASSWORD);

    expect(await auditFor(world.members['mia@contoso.example']!)).toEqual(expect.arrayContaining(['Request password reset:success', 'Reset password:success', 'Revoke sign-in sessions:success']));
  });

  it('the password form links to the reset page', async () => {
    const { page } = await openPasswordForm(new Browser(), await webAppClient(world.issuer), 'noah@contoso.example');
    expect(page.body).toContain('href="/password/forgot"');
  });

  it('a too short or mistyped new password is asked again, and the link still works', async () => {
    const url = await linkFor('noah@contoso.example');
    const browser = new Browser();
    const form = await browser.navigate(url);
    const short = await browser.submit(form, { password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(short.body).toContain('at least 12 characters');
    const mistyped = await browser.submit(short, { password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!` });
    expect(mistyped.status).toBe(400);
    expect(await verifyPassword(PASSWORD, (await passwordHashOf('noah@contoso.example'))!)).toBe(true);
    const done = await browser.submit(mistyped, { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(headingOf(done.body)).toBe('Your password is changed');
  });
});

describe('attacks on the link', () => {
  it('used twice, the second time from another browser that opened the form before: refused, nothing changes', async () => {
    const url = await linkFor('olga@contoso.example');
    const attacker = new Browser();
    const attackerForm = await attacker.navigate(url);
    expect(attackerForm.status).toBe(200);
    await useLink(url, NEW_PASSWORD);
    const hashAfterReset = await passwordHashOf('olga@contoso.example');
    const auditAfterReset = await auditFor(world.members['olga@contoso.example']!);

    for (const browser of [new Browser(), attacker]) {
      const reopened = await browser.navigate(url);
      expect(reopened.status).toBe(410);
      expect(errorCodeOf(reopened.body)).toBe('resetLinkUsed');
    }
    const replay = await attacker.submit(attackerForm, { password: 'the attacker chose this', confirm: 'the attacker chose this' });
    expect(replay.status).toBe(410);
    expect(errorCodeOf(replay.body)).toBe('resetLinkUsed');
    expect(await passwordHashOf('olga@contoso.example')).toBe(hashAfterReset);
    expect(await auditFor(world.members['olga@contoso.example']!)).toEqual(auditAfterReset);
  });

  it('expired: refused, also from a form opened in time, nothing changes', async () => {
    const url = await linkFor('pia@contoso.example');
    const browser = new Browser();
    const form = await browser.navigate(url);
    expect(form.status).toBe(200);
    clock += (TTL_MINUTES * 60 + 1) * 1000;
    try {
      const reopened = await new Browser().navigate(url);
      expect(reopened.status).toBe(410);
      expect(errorCodeOf(reopened.body)).toBe('resetLinkExpired');
      const late = await browser.submit(form, { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      expect(late.status).toBe(410);
      expect(errorCodeOf(late.body)).toBe('resetLinkExpired');
    } finally {
      clock -= (TTL_MINUTES * 60 + 1) * 1000;
    }
    expect(await verifyPassword(PASSWORD, (await passwordHashOf('pia@contoso.example'))!)).toBe(true);
  });

  it('a newer reset closes the older links of the same member', async () => {
    const first = await linkFor('quinn@contoso.example');
    const second = await linkFor('quinn@contoso.example');
    await useLink(second, NEW_PASSWORD);
    const old = await new Browser().navigate(first);
    expect(old.status).toBe(410);
    expect(errorCodeOf(old.body)).toBe('resetLinkUsed');
  });

  it('the account disabled after the link was mailed: the link no longer sets a password', async () => {
    const url = await linkFor('off@contoso.example');
    await db()('users').where({ mail_normalized: 'off@contoso.example' }).update({ account_enabled: false });
    const hash = await passwordHashOf('off@contoso.example');
    const { done } = await useLink(url, NEW_PASSWORD);
    expect(done.status).toBe(400);
    expect(errorCodeOf(done.body)).toBe('resetLinkInvalid');
    expect(await passwordHashOf('off@contoso.example')).toBe(hash);
  });

  it('a made-up or malformed token is refused without a 500', async () => {
    for (const t of ['', 'x', 'A'.repeat(43), '../../etc', 'A'.repeat(5000)]) {
      const page = await new Browser().navigate(`${world.issuer}/password/reset?t=${encodeURIComponent(t)}`);
      expect(page.status).toBe(400);
      expect(errorCodeOf(page.body)).toBe('resetLinkInvalid');
    }
  });
});

describe('enumeration and abuse of the request form', () => {
  it('a member, a guest, a disabled member and an unknown address get the same answer; only the member gets mail', async () => {
    await world.foyer.foyer.users.create({ mail: 'gus@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    const nobody = await observe(await postForgot(world.issuer, 'nobody@contoso.example'), ['nobody@contoso.example']);
    expect(nobody.status).toBe(200);
    for (const email of ['rae@contoso.example', 'gus@partner.example', 'off@contoso.example', 'nobody@partner.example']) {
      expect(await observe(await postForgot(world.issuer, email), [email])).toEqual(nobody);
    }
    await settled();
    expect(mailsTo('rae@contoso.example')).toHaveLength(1);
    for (const email of ['gus@partner.example', 'nobody@contoso.example', 'nobody@partner.example']) expect(mailsTo(email)).toEqual([]);
    const guest = (await world.foyer.foyer.users.findByEmail('gus@partner.example'))!;
    expect(await db()('password_reset_tickets').where({ user_id: guest.id })).toEqual([]);
    expect(guest.hasPassword).toBe(false);
  });

  it('more requests for one address than its budget get the same answer and no more mail', async () => {
    const email = 'rae@contoso.example';
    const sent = mailsTo(email).length;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await observe(await postForgot(world.issuer, email), [email]));
    await settled();
    // rae had one request already (above): the budget of 2 allows one more mail.
    expect(mailsTo(email)).toHaveLength(sent + 1);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
  });

  it('a request without a valid address is a 400 with the form again, and nothing is sent', async () => {
    const res = await postForgot(world.issuer, 'not an address');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Enter your email address');
  });
});

describe('the per-address budget of the client', () => {
  const small = useWorld({ smtp: true, members: ['sam@contoso.example'], customize: (config) => void (config.passwordReset = { perIpPerHour: 2 }) });

  it('past its budget a client gets 429 whatever the address, and no mail', async () => {
    for (const email of ['sam@contoso.example', 'nobody@contoso.example']) expect((await postForgot(small.issuer, email)).status).toBe(200);
    for (const email of ['sam@contoso.example', 'nobody@contoso.example']) expect((await postForgot(small.issuer, email)).status).toBe(429);
    await small.foyer.foyer.passwordReset.settled();
    expect(small.smtp.messages.filter((m) => m.to.includes('sam@contoso.example'))).toHaveLength(1);
  });
});
