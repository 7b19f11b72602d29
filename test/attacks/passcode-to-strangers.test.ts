/**
 * Issue 17: a stranger typing any address on the sign-in page must not make Foyer mail that address
 * a code. A code is mailed only to an address with an invitation or an account to sign in to; the
 * page is the same for every address (no enumeration). Real SMTP server: a mail that was sent has
 * arrived before the page is answered (the sender awaits the server).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, headingOf } from '../support/browserless.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';
import { WEB, finish, start } from '../e2e-access/access-support.js';

const world = useWorld({ smtp: true, portal: true });
let sink: SmtpSink;
let foyer: RunningFoyer;
let danaId: string;

beforeAll(async () => {
  ({ foyer, smtp: sink } = world);
  danaId = (await world.invite('dana@nowhere.example', { sendInvitationMessage: false })).userId;
  const disabled = await world.invite('olga@nowhere.example', { sendInvitationMessage: false });
  await foyer.foyer.db('users').where({ id: disabled.userId }).update({ account_enabled: false });
});

const mailsTo = (to: string) => sink.messages.filter((m) => m.to.includes(to)).length;

/** The code page for `email`, typed on the sign-in page of a fresh browser, with what differs per request masked. */
async function codePageFor(email: string) {
  const auth = await start(new Browser(), foyer.issuer, WEB);
  const page = await auth.submit(auth.page, { email });
  const masked = page.body.split(email).join('<typed>').replace(/\/interaction\/[^/"'?#\s]+/g, '/interaction/<uid>').replace(/[A-Za-z0-9_-]{20,}/g, '<random>');
  return { auth, page, masked };
}

describe('a passcode for an address with no way in', () => {
  it('is not mailed, and the page is the one an invited guest sees', async () => {
    const before = sink.messages.length;
    const stranger = await codePageFor('nobody@nowhere.example');
    expect(headingOf(stranger.page.body)).toBe('Enter the code we emailed you');
    expect(mailsTo('nobody@nowhere.example')).toBe(0);
    expect(sink.messages.length).toBe(before);

    const invited = await codePageFor('dana@nowhere.example');
    expect([invited.page.status, invited.masked]).toEqual([stranger.page.status, stranger.masked]);
  });

  it('is not mailed to a disabled guest with an invitation either', async () => {
    const page = await codePageFor('olga@nowhere.example');
    expect(headingOf(page.page.body)).toBe('Enter the code we emailed you');
    expect(mailsTo('olga@nowhere.example')).toBe(0);
  });

  it('no code a stranger could guess signs anyone in: every code is wrong', async () => {
    const { auth, page } = await codePageFor('nobody2@nowhere.example');
    const after = await auth.submit(page, { code: '000000' });
    expect(after.status).toBe(400);
    expect(await foyer.foyer.db('users').where({ mail: 'nobody2@nowhere.example' }).first()).toBeUndefined();
  });
});

describe('an invited address', () => {
  it('still gets its code over SMTP, and the code redeems the invitation', async () => {
    const { auth, page } = await codePageFor('dana@nowhere.example');
    await sink.waitForMessage('dana@nowhere.example');
    const mail = sink.messages.filter((m) => m.to.includes('dana@nowhere.example')).at(-1)!;
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    expect((await finish(auth, await auth.submit(page, { code }))).sub).toBe(danaId);
  });

  it('once accepted, signs in by passcode again: the code is mailed', async () => {
    const before = mailsTo('dana@nowhere.example');
    await codePageFor('dana@nowhere.example');
    expect(mailsTo('dana@nowhere.example')).toBe(before + 1);
  });
});
