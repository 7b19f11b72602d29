import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, headingOf } from '../support/browserless.js';
import { startGuestWorld } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { freePort } from '../support/start-foyer.js';
import { APP_URL, redeemUrlIn, useWorld } from '../support/world.js';

const world = useWorld({
  oidc: true,
  smtp: true,
  portal: true,
  customize: (config) => {
    (config.mail as Record<string, unknown>).from = 'Contoso Test <invites@contoso.example>';
    (config.tenant as Record<string, unknown>).branding = { primaryColor: '#aa3300', privacyUrl: 'https://contoso.example/privacy' };
  },
});
let sink: SmtpSink;
let token: string;

beforeAll(async () => {
  sink = world.smtp;
  token = await appToken(world.foyer.issuer, 'portal-app');
});

describe('invitation mail over real SMTP', () => {
  it('mails a branded invitation with the custom message and cc, and its link redeems end to end', async () => {
    const res = await api(world.foyer.issuer, token, 'POST', '/invitations', {
      invitedUserEmailAddress: 'alice@partner.example',
      invitedUserDisplayName: 'Alice',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: true,
      invitedUserMessageInfo: { customizedMessageBody: 'Welcome aboard <b>Alice</b>!', ccRecipients: [{ emailAddress: { address: 'manager@partner.example' } }] },
    });
    expect(res.status).toBe(201);
    const mail = await sink.waitForMessage('alice@partner.example');
    expect(mail.to).toContain('manager@partner.example');
    expect(mail.from).toBe('invites@contoso.example');
    expect(mail.subject).toBe('Sign-up portal invited you to access Web App within Contoso Test');
    expect(mail.text).toContain('Welcome aboard <b>Alice</b>!');
    // HTML escapes the inviter's message; it never becomes markup.
    expect(mail.html).toContain('Welcome aboard &lt;b&gt;Alice&lt;/b&gt;!');
    expect(mail.html).toContain('#aa3300');
    expect(mail.html).toContain('https://contoso.example/privacy');
    const link = redeemUrlIn(mail.text);
    expect(mail.html).toContain(link);
    expect(link).toBe(res.body.inviteRedeemUrl);

    const browser = new Browser();
    const page = await browser.navigate(link);
    expect(headingOf(page.body)).toBe('Review permissions');
    expect(page.body).toContain('Sign-up portal');
    const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
    const callback = `${world.foyer.issuer}/federation/partner/callback`;
    const params = await signInAtPartner(browser, partnerForm.url, 'alice', callback);
    const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    const user = await api(world.foyer.issuer, token, 'GET', `/users/${(res.body.invitedUser as { id: string }).id}`);
    expect(user.body).toMatchObject({ externalUserState: 'Accepted' });
  });

  it('writes nothing when the mail server is unreachable, and says so with 502', async () => {
    const closedPort = await freePort();
    const broken = await startGuestWorld((config) => {
      config.mail = { smtp: { host: '127.0.0.1', port: closedPort } };
    });
    try {
      const t = await appToken(broken.foyer.issuer, 'portal-app');
      const res = await api(broken.foyer.issuer, t, 'POST', '/invitations', { invitedUserEmailAddress: 'zoe@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([502, 'mailDeliveryFailed']);
      expect(await broken.foyer.foyer.db('users').where({ mail_normalized: 'zoe@partner.example' })).toHaveLength(0);
      expect(await broken.foyer.foyer.db('invitations')).toHaveLength(0);
    } finally {
      await broken.stop();
    }
  });

  it('writes nothing when the outbox folder cannot be written (no SMTP), and says so with 502', async () => {
    const broken = await startGuestWorld((config) => {
      // A folder below a regular file: mkdir fails whoever runs the test (root included).
      config.mail = { outboxDir: '/etc/hostname/outbox' };
    });
    try {
      const t = await appToken(broken.foyer.issuer, 'portal-app');
      const res = await api(broken.foyer.issuer, t, 'POST', '/invitations', { invitedUserEmailAddress: 'zoe@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([502, 'mailDeliveryFailed']);
      expect(await broken.foyer.foyer.db('invitations')).toHaveLength(0);
    } finally {
      await broken.stop();
    }
  });
});
