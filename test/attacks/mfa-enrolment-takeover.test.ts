import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../support/browserless.js';
import { codeForStep, currentStep, finish, freshCode, is, PAGES, totpKeyOn } from '../e2e-access/access-support.js';
import { atMfaStep, codesIssued, post, PASSWORD, startMfaWorld, STRICT } from './support/web-mfa.js';
import { useStarted } from '../support/world.js';
import { directoryRows } from './support/web-snapshot.js';

/**
 * Taking over someone's second factor: the attacker knows a member's password and wants an
 * authenticator of their own on the account, or the victim's. They read the key another browser
 * was shown, confirm one enrolment from another sign-in, enrol over an active factor, or remove and
 * replace the victim's factor and recovery codes from My Apps, by a password-only session or by a
 * forged form. The mechanisms: the key an enrolment page shows belongs to that sign-in only
 * (src/mfa/mfa-step.ts, src/mfa/mfa-service.ts); enrolment is only offered while no factor is
 * active; My Apps asks for a fresh sign-in with MFA (src/portal/security-info.ts); CSRF tokens.
 */
const w = useStarted(startMfaWorld);
let issuer: string;
beforeAll(() => {
  issuer = w.issuer;
});

const mfaRows = async () => {
  const rows = await directoryRows(w.foyer.foyer.db);
  return { totp: rows.mfa_totp, recovery: rows.mfa_recovery_codes };
};
const at = (uid: string, path: string) => `${issuer}/interaction/${uid}${path}`;

describe('enrolment at the MFA step', () => {
  it('the key one browser was shown cannot be confirmed from another sign-in, and never becomes the victim’s factor', async () => {
    const email = 'ivy@contoso.example';
    await w.foyer.createMember(email, PASSWORD);
    // The attacker gets as far as the enrolment page and keeps the key.
    const attacker = await atMfaStep(new Browser(), issuer, STRICT, email);
    expect(is(attacker.page, PAGES.enrol)).toBe(true);
    const attackerKey = totpKeyOn(attacker.page);

    // Later the member signs in and sets up an authenticator: the key must be one the attacker never saw.
    const victim = await atMfaStep(new Browser(), issuer, STRICT, email);
    const victimKey = totpKeyOn(victim.page);
    expect(victimKey).not.toBe(attackerKey);

    const step = currentStep();
    const codesPage = await victim.auth.submit(victim.page, { code: await codeForStep(victimKey, step) });
    expect(is(codesPage, PAGES.codes)).toBe(true);
    expect((await finish(victim.auth, await victim.auth.submit(codesPage, {}))).amr).toContain('mfa');

    // The attacker's page, still open, confirms nothing now.
    const before = await mfaRows();
    const stale = await post(attacker.auth.browser, at(attacker.uid, '/mfa/enrol'), { code: await codeForStep(attackerKey, step) });
    expect([stale.status, stale.code]).toEqual([400, 'noEnrolmentPending']);
    expect(await mfaRows()).toEqual(before);

    // With the factor active, a code from the attacker's key gets nowhere.
    const later = await atMfaStep(new Browser(), issuer, STRICT, email);
    const codes = await codesIssued(w.foyer);
    const denied = await post(later.auth.browser, at(later.uid, '/mfa/verify'), { code: await codeForStep(attackerKey, currentStep()) });
    expect([denied.status, denied.location]).toEqual([400, null]);
    expect(await codesIssued(w.foyer)).toBe(codes);
  });

  it('a confirmation posted to a sign-in that never showed an enrolment page is refused', async () => {
    const email = 'jon@contoso.example';
    const userId = await w.foyer.createMember(email, PASSWORD);
    // The attacker learns a pending key some other way (here: the service, as if read off a screen).
    const { secret } = await w.mfa.pendingEnrolment({ id: userId, mail: email });
    const browser = new Browser();
    const { auth, page, uid } = await atMfaStep(browser, issuer, STRICT, email);
    const shownKey = totpKeyOn(page);
    expect(shownKey).not.toBe(secret);
    const before = await mfaRows();
    const refused = await post(auth.browser, at(uid, '/mfa/enrol'), { code: await codeForStep(secret, currentStep()) });
    expect([refused.status, refused.location]).toEqual([400, null]);
    expect(await mfaRows()).toEqual(before);
  });

  it('two sign-ins confirming their own keys at the same moment: exactly one key becomes the factor', async () => {
    const email = 'joy@contoso.example';
    const userId = await w.foyer.createMember(email, PASSWORD);
    const [a, b] = await Promise.all([atMfaStep(new Browser(), issuer, STRICT, email), atMfaStep(new Browser(), issuer, STRICT, email)]);
    const step = currentStep();
    const confirm = async (s: typeof a) => s.auth.submit(s.page, { code: await codeForStep(totpKeyOn(s.page), step) });
    const answers = await Promise.all([confirm(a), confirm(b)]);
    expect(answers.filter((p) => is(p, PAGES.codes))).toHaveLength(1);
    expect(answers.filter((p) => p.status === 400)).toHaveLength(1);
    const winner = is(answers[0], PAGES.codes) ? a : b;
    // The active factor is the winner's key: its next code verifies.
    expect((await w.mfa.verifyTotp(userId, await codeForStep(totpKeyOn(winner.page), step + 1))).ok).toBe(true);
  });

  it('with a factor active, enrolling another one at the MFA step is refused without proving the existing one', async () => {
    const email = 'kim@contoso.example';
    await w.enrolledMember(email);
    const { auth, uid } = await atMfaStep(new Browser(), issuer, STRICT, email);
    const before = await mfaRows();
    const res = await post(auth.browser, at(uid, '/mfa/enrol'), { code: '123456' });
    expect([res.status, res.code]).toEqual([400, 'noEnrolmentPending']);
    expect(await mfaRows()).toEqual(before);
  });

  it('the MFA forms refuse a post without the CSRF token, or with another browser’s', async () => {
    const email = 'lea@contoso.example';
    await w.foyer.createMember(email, PASSWORD);
    const { auth, page, uid } = await atMfaStep(new Browser(), issuer, STRICT, email);
    const key = totpKeyOn(page);
    const other = new Browser();
    await other.request(`${issuer}/myapps`);
    const foreign = other.cookiesFor(issuer)['foyer.csrf']!;
    const before = await mfaRows();
    const code = await codeForStep(key, currentStep());
    for (const fields of [{ code }, { code, _csrf: foreign }] as Record<string, string>[]) {
      const res = await post(auth.browser, at(uid, '/mfa/enrol'), fields, { csrf: false });
      expect([res.status, res.code]).toEqual([403, 'csrfTokenInvalid']);
    }
    expect(await mfaRows()).toEqual(before);
  });
});

/** My Apps with a session that signed in again with the password and the authenticator a moment ago. */
async function freshPortal(email: string, secret: string, userId: string): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const identify = await browser.navigate(`${issuer}/myapps/account`);
  const password = await browser.submit(identify, { email });
  await browser.submit(password, { email, password: PASSWORD });
  const again = await browser.navigate(`${issuer}/myapps/account/security/verify`);
  const verify = await browser.submit(again, { email, password: PASSWORD });
  expect(is(verify, PAGES.verify)).toBe(true);
  const page = await browser.submit(verify, { code: await freshCode(w.foyer, userId, secret) });
  expect(page.body).toContain('action="/myapps/account/security/reset"');
  return { browser, page };
}

/** My Apps with a password-only session (no MFA in it). */
async function passwordPortal(email: string): Promise<Browser> {
  const browser = new Browser();
  const identify = await browser.navigate(`${issuer}/myapps/account`);
  const page = await browser.submit(await browser.submit(identify, { email }), { email, password: PASSWORD });
  expect(page.url).toBe(`${issuer}/myapps/account`);
  return browser;
}

const RESET = '/myapps/account/security/reset';
const REGENERATE = '/myapps/account/security/recovery-codes';

describe('security info on My Apps', () => {
  it('a password-only session may neither remove the authenticator nor replace the recovery codes', async () => {
    const email = 'max@contoso.example';
    await w.enrolledMember(email);
    const browser = await passwordPortal(email);
    const before = await mfaRows();
    for (const path of [RESET, REGENERATE]) {
      const res = await post(browser, `${issuer}${path}`, {});
      expect([path, res.status, res.code]).toEqual([path, 403, 'reauthenticationRequired']);
    }
    expect(await mfaRows()).toEqual(before);
  });

  it('there is no other way to put an authenticator on the account from My Apps', async () => {
    const email = 'ned@contoso.example';
    await w.enrolledMember(email);
    const browser = await passwordPortal(email);
    const before = await mfaRows();
    for (const path of ['/myapps/account/security/enrol', '/myapps/account/security/totp', '/myapps/account/security/confirm']) {
      const res = await post(browser, `${issuer}${path}`, { code: '123456' });
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect(await mfaRows()).toEqual(before);
  });

  it('even a fresh MFA session refuses a forged form: no CSRF token, or another browser’s', async () => {
    const email = 'ola@contoso.example';
    const { userId, secret } = await w.enrolledMember(email);
    const { browser } = await freshPortal(email, secret, userId);
    const attacker = new Browser();
    await attacker.request(`${issuer}/myapps`);
    const foreign = attacker.cookiesFor(issuer)['foyer.csrf']!;
    const before = await mfaRows();
    for (const path of [RESET, REGENERATE]) {
      for (const fields of [{}, { _csrf: foreign }] as Record<string, string>[]) {
        const res = await post(browser, `${issuer}${path}`, fields, { csrf: false });
        expect([path, res.status, res.code]).toEqual([path, 403, 'csrfTokenInvalid']);
      }
    }
    expect(await mfaRows()).toEqual(before);
    // The control: the same session with its own token may.
    expect((await post(browser, `${issuer}${REGENERATE}`, {})).status).toBe(200);
  });
});
