/**
 * Item 5 of the review: a cross-site GET `/auth?login_hint=anyone@…` (an image tag or a link on any
 * page) made Foyer mail that address a passcode: mail bombing in Foyer's name, with no person
 * asking. A code is now mailed only from a POST the person made on Foyer's own page (CSRF-checked);
 * the address comes from the offer Foyer stored, not from the form. Real SMTP server.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';
import { WEB, start } from '../e2e-access/access-support.js';

const world = useWorld({ smtp: true, portal: true });
let sink: SmtpSink;
let foyer: RunningFoyer;

beforeAll(async () => {
  ({ foyer, smtp: sink } = world);
  await world.invite('dana@nowhere.example', { sendInvitationMessage: false });
});

const mailsTo = (to: string) => sink.messages.filter((m) => m.to.includes(to)).length;

describe('a passcode for someone who did not ask', () => {
  it('is not mailed by a cross-site GET with login_hint, however often', async () => {
    for (let i = 0; i < 3; i++) {
      const auth = await start(new Browser(), foyer.issuer, WEB, { login_hint: 'dana@nowhere.example' });
      expect(auth.page.status).toBe(200);
      expect(headingOf(auth.page.body)).toBe('Confirm your email address');
    }
    // The mail would have been sent before the page was answered (the sender awaits the SMTP server).
    expect(mailsTo('dana@nowhere.example')).toBe(0);
  });

  it('is not mailed by a cross-site POST of the offer (no CSRF token), and the offer stays unused', async () => {
    const browser = new Browser();
    const auth = await start(browser, foyer.issuer, WEB, { login_hint: 'dana@nowhere.example' });
    const action = /action="([^"]+\/passcode\/send)"/.exec(auth.page.body)![1]!;
    const forged = await browser.navigate(new URL(action, foyer.issuer).href, {
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=victim%40nowhere.example' },
    });
    expect([forged.status, errorCodeOf(forged.body)]).toEqual([403, 'csrfTokenInvalid']);
    expect(mailsTo('dana@nowhere.example') + mailsTo('victim@nowhere.example')).toBe(0);
  });

  it('is mailed when the person presses the button, to the offered address whatever the form says', async () => {
    const browser = new Browser();
    const auth = await start(browser, foyer.issuer, WEB, { login_hint: 'dana@nowhere.example' });
    const codePage = await auth.submit(auth.page, { email: 'victim@nowhere.example' });
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    expect(mailsTo('dana@nowhere.example')).toBe(1);
    expect(mailsTo('victim@nowhere.example')).toBe(0);
  });

  it('is mailed at once when the person typed the address themselves (a POST of the email form)', async () => {
    const browser = new Browser();
    const auth = await start(browser, foyer.issuer, WEB);
    const codePage = await auth.submit(auth.page, { email: 'dana@nowhere.example' });
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    expect(mailsTo('dana@nowhere.example')).toBe(2);
  });

  it('cannot be entered in a browser other than the one that asked for it', async () => {
    const browser = new Browser();
    const auth = await start(browser, foyer.issuer, WEB);
    const codePage = await auth.submit(auth.page, { email: 'dana@nowhere.example' });
    const latest = sink.messages.filter((m) => m.to.includes('dana@nowhere.example')).at(-1)!;
    const code = /\b(\d{6})\b/.exec(latest.text)![1]!;
    // The interaction cookie alone is not enough: without this browser's binding the code is refused and stays usable.
    const binding = browser.cookiesFor(foyer.issuer)['foyer.browser'];
    browser.forget(foyer.issuer, (name) => name === 'foyer.browser');
    const refused = await auth.submit(codePage, { code });
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([400, 'browser_mismatch']);
    expect(binding).toBeDefined();
  });
});
