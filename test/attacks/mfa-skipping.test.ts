import { beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { callbackError } from '../support/oidc-client.js';
import { codeForStep, currentStep, finish, freshCode, is, lastUsedStep, PAGES, start, WEB } from '../e2e-access/access-support.js';
import { atMfaStep, codesIssued, get, PASSWORD, post, startMfaWorld, STRICT, TERMS } from './support/web-mfa.js';
import { useStarted } from '../support/world.js';

/**
 * Skipping the second factor: a member whose password the attacker has, signing in to an app that
 * conditional access puts behind MFA, tries every other door of the sign-in instead of the code.
 * The mechanism: MFA is an oidc-provider prompt (src/access/access-prompt.ts) whose check is
 * evaluated again on every resume from the session's amr, so no step can finish the authorization
 * while it is unsatisfied; each form post checks that its interaction is at that very step
 * (src/access/access-step.ts, requirePrompt); the interaction is bound to the browser's cookie and
 * destroyed once resumed; a TOTP step and a recovery code are used up once (src/mfa/mfa-service.ts).
 */
const w = useStarted(startMfaWorld);
let issuer: string;
beforeAll(() => {
  issuer = w.issuer;
});

const at = (uid: string, path: string) => `${issuer}/interaction/${uid}${path}`;
const UNEXPECTED = [400, 'unexpectedInteractionStep'];

describe('every other door out of the MFA page', () => {
  it('consent, continue, terms, login, identify, mfa/continue and enrol all refuse; the resume URL only brings the MFA page back; no code is issued', async () => {
    const { secret, userId } = await w.enrolledMember('ana@contoso.example');
    const browser = new Browser();
    const { auth, page, uid } = await atMfaStep(browser, issuer, STRICT, 'ana@contoso.example');
    expect(is(page, PAGES.verify)).toBe(true);
    const codes = await codesIssued(w.foyer);

    const consentGet = await get(browser, at(uid, '/consent'));
    expect([consentGet.status, consentGet.location]).toEqual([405, null]);
    const attempts = [
      await post(browser, at(uid, '/consent'), {}),
      await get(browser, at(uid, '/continue')),
      await post(browser, at(uid, '/terms/accept'), { termsId: 'nda', version: '1' }),
      await post(browser, at(uid, '/login'), { email: 'ana@contoso.example', password: PASSWORD }),
      await post(browser, at(uid, '/identify'), { email: 'ana@contoso.example' }),
    ];
    for (const a of attempts) expect([a.status, a.code, a.location]).toEqual([...UNEXPECTED, null]);
    const early = await post(browser, at(uid, '/mfa/continue'), {});
    expect([early.status, early.code]).toEqual([400, 'mfaNotCompleted']);
    const reEnrol = await post(browser, at(uid, '/mfa/enrol'), { code: '123456' });
    expect([reEnrol.status, reEnrol.code]).toEqual([400, 'noEnrolmentPending']);

    // The authorization's own resume URL, with no result: oidc-provider asks the prompts again.
    const resumed = await auth.open(`${issuer}/auth/${uid}`);
    expect([resumed.stoppedAt, is(resumed, PAGES.verify)]).toEqual([undefined, true]);
    expect(await codesIssued(w.foyer)).toBe(codes);

    // Only the code gets through, and the ID token says so.
    const claims = await finish(auth, await auth.submit(resumed, { code: await freshCode(w.foyer, userId, secret) }));
    expect([claims.acr, claims.amr]).toEqual(['urn:foyer:acr:mfa', ['pwd', 'otp', 'mfa']]);
  });

  it('accepting the terms of use on an app that needs MFA and terms does not skip MFA', async () => {
    const { secret, userId } = await w.enrolledMember('ben@contoso.example');
    const browser = new Browser();
    const { auth, uid } = await atMfaStep(browser, issuer, TERMS, 'ben@contoso.example');
    const codes = await codesIssued(w.foyer);
    const accepted = await post(browser, at(uid, '/terms/accept'), { termsId: 'nda', version: '1' });
    expect(accepted.status).toBe(303);
    const next = await auth.open(accepted.location!);
    expect([next.stoppedAt, is(next, PAGES.verify)]).toEqual([undefined, true]);
    expect(await codesIssued(w.foyer)).toBe(codes);
    const claims = await finish(auth, await auth.submit(next, { code: await freshCode(w.foyer, userId, secret) }));
    expect(claims.amr).toContain('mfa');
  });

  it('an interaction uid does not work from another browser, even one with a valid CSRF token and a sign-in of its own', async () => {
    await w.enrolledMember('cat@contoso.example');
    const { uid } = await atMfaStep(new Browser(), issuer, STRICT, 'cat@contoso.example');
    const attacker = new Browser();
    await start(attacker, issuer, STRICT);
    const codes = await codesIssued(w.foyer);
    for (const path of ['/mfa/verify', '/mfa/recovery', '/mfa/continue', '/consent', '/terms/accept']) {
      const res = await post(attacker, at(uid, path), { code: '000000', recoveryCode: 'AAAAA-BBBBB' });
      expect([path, res.status, res.code]).toEqual([path, 400, 'interactionExpired']);
    }
    expect((await get(attacker, at(uid, ''))).code).toBe('interactionExpired');
    expect(await codesIssued(w.foyer)).toBe(codes);
  });

  it('single sign-on into the strict app from a password-only session stops for MFA, and prompt=none gets an error, not a code', async () => {
    await w.enrolledMember('dan@contoso.example');
    const browser = new Browser();
    const web = await start(browser, issuer, WEB);
    const password = await web.submit(web.page, { email: 'dan@contoso.example' });
    expect((await finish(web, await web.submit(password, { email: 'dan@contoso.example', password: PASSWORD }))).amr).toEqual(['pwd']);

    const sso = await start(browser, issuer, STRICT);
    expect([sso.page.stoppedAt, is(sso.page, PAGES.verify)]).toEqual([undefined, true]);
    const silent = await start(browser, issuer, STRICT, { prompt: 'none' });
    expect(callbackError(silent.page.stoppedAt!)?.error).toBe('interaction_required');
    expect(new URL(silent.page.stoppedAt!).searchParams.has('code')).toBe(false);
  });
});

describe('codes used again', () => {
  it('a TOTP code accepted once is refused in the next sign-in, and that sign-in gets no code', async () => {
    const { secret, userId } = await w.enrolledMember('eve@contoso.example');
    const first = await atMfaStep(new Browser(), issuer, STRICT, 'eve@contoso.example');
    const code = await freshCode(w.foyer, userId, secret);
    expect((await finish(first.auth, await first.auth.submit(first.page, { code }))).amr).toContain('mfa');

    const second = await atMfaStep(new Browser(), issuer, STRICT, 'eve@contoso.example');
    const codes = await codesIssued(w.foyer);
    const step = await lastUsedStep(w.foyer, userId);
    const replay = await post(second.auth.browser, at(second.uid, '/mfa/verify'), { code });
    expect([replay.status, replay.code, replay.location]).toEqual([400, undefined, null]);
    expect(replay.body).toContain('That code was already used.');
    // An older step's code, still inside the clock-drift window, is no better.
    const older = await post(second.auth.browser, at(second.uid, '/mfa/verify'), { code: await codeForStep(secret, Math.min(step, currentStep()) - 1) });
    expect(older.status).toBe(400);
    expect([await codesIssued(w.foyer), await lastUsedStep(w.foyer, userId)]).toEqual([codes, step]);
  });

  it('the MFA form post replayed after it succeeded finds its interaction gone, and issues no second code', async () => {
    const { secret, userId } = await w.enrolledMember('fay@contoso.example');
    const { auth, page, uid } = await atMfaStep(new Browser(), issuer, STRICT, 'fay@contoso.example');
    const code = await freshCode(w.foyer, userId, secret);
    const done = await auth.submit(page, { code });
    await finish(auth, done);
    const codes = await codesIssued(w.foyer);
    for (const path of ['/mfa/verify', '/mfa/continue']) {
      const replay = await post(auth.browser, at(uid, path), { code });
      expect([path, replay.status, replay.code]).toEqual([path, 400, 'interactionExpired']);
    }
    expect(await codesIssued(w.foyer)).toBe(codes);
  });

  it('a new member’s enrolment confirmed once cannot be continued again from the same page', async () => {
    await w.foyer.createMember('gus@contoso.example', PASSWORD);
    const { auth, page, uid } = await atMfaStep(new Browser(), issuer, STRICT, 'gus@contoso.example');
    expect(is(page, PAGES.enrol)).toBe(true);
    const secret = /<code id="totp-key">([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/\s/g, '');
    const codesPage = await auth.submit(page, { code: await codeForStep(secret, currentStep()) });
    expect(is(codesPage, PAGES.codes)).toBe(true);
    await finish(auth, await auth.submit(codesPage, {}));
    const codes = await codesIssued(w.foyer);
    const again = await post(auth.browser, at(uid, '/mfa/continue'), {});
    expect([again.status, again.code]).toEqual([400, 'interactionExpired']);
    expect(await codesIssued(w.foyer)).toBe(codes);
  });

  it('a recovery code works once; the second time it is refused and no code is issued', async () => {
    const { recoveryCodes } = await w.enrolledMember('hal@contoso.example');
    const recoveryCode = recoveryCodes[0]!;
    const first = await atMfaStep(new Browser(), issuer, STRICT, 'hal@contoso.example');
    const used = await post(first.auth.browser, at(first.uid, '/mfa/recovery'), { recoveryCode });
    expect(used.status).toBe(303);
    expect((await finish(first.auth, await first.auth.open(used.location!))).amr).toContain('mfa');

    const second = await atMfaStep(new Browser(), issuer, STRICT, 'hal@contoso.example');
    const codes = await codesIssued(w.foyer);
    const replay = await post(second.auth.browser, at(second.uid, '/mfa/recovery'), { recoveryCode: recoveryCode.toLowerCase().replace('-', ' ') });
    expect([replay.status, replay.location]).toEqual([400, null]);
    expect(replay.body).toContain('That recovery code is not valid, or it was already used.');
    expect(await codesIssued(w.foyer)).toBe(codes);
  });
});
