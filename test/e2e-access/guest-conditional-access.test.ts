/**
 * Conditional access end to end, for guests of a real partner organisation: a real Foyer, the
 * partner's own oidc-provider as home IdP (trusted for MFA), openid-client as the apps, and an
 * "authenticator app" that computes codes with otplib from the key Foyer shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, parseForms } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS, signInAtPartner, type PartnerUser } from '../support/partner-idp.js';
import {
  appEntries,
  BLOCKED,
  codeForStep,
  currentStep,
  enrolTotp,
  finish,
  formIndex,
  freshCode,
  invitedGuest,
  is,
  lastUsedStep,
  PAGES,
  REPORT,
  requireMfaFor,
  signInAsGuest,
  signInRows,
  start,
  STRICT,
  WEB,
} from './access-support.js';

const guest = (name: string, amr: string[] = ['pwd']): PartnerUser => ({ sub: `${name}-sub`, email: `${name}@partner.example`, emailVerified: true, name, amr });
const USERS = { ...PARTNER_USERS, dave: guest('dave'), erin: guest('erin'), frank: guest('frank'), grace: guest('grace') };

let world: GuestWorld;
let token: string;
let issuer: string;
/** What alice's authenticator app holds after enrolling (the key shown on the enrolment page). */
let aliceSecret: string;

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as unknown[]).push(...appEntries([STRICT, BLOCKED, REPORT]));
      config.conditionalAccess = [
        requireMfaFor(STRICT.id, { id: 'strict-mfa', displayName: 'Strict app needs MFA', users: ['GuestsOrExternalUsers'] }),
        {
          id: 'block-guests',
          displayName: 'No guests on the blocked app',
          state: 'enabled',
          // Only from the loopback "office": shows the client IP reaching the evaluation.
          conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: [BLOCKED.id] }, locations: { includeLocations: ['loopback'] } },
          grantControls: { builtInControls: ['block'] },
        },
        {
          id: 'grace-everywhere',
          displayName: 'Grace does MFA everywhere, My Apps included',
          state: 'enabled',
          conditions: { users: { includeUsers: ['grace@partner.example'] }, applications: { includeApplications: ['All'] } },
          grantControls: { builtInControls: ['mfa'] },
        },
        {
          id: 'report-mfa',
          displayName: 'Report-only MFA on the report app',
          state: 'enabledForReportingButNotEnforced',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [REPORT.id] } },
          grantControls: { builtInControls: ['mfa'] },
        },
      ];
      config.mfa = { maxAttempts: 3 };
      config.namedLocations = [{ id: 'loopback', displayName: 'This machine', ipRanges: ['127.0.0.0/8', '::1/128'] }];
    },
    { users: USERS, trustMfa: true },
  );
  issuer = world.foyer.issuer;
  token = await appToken(issuer, 'portal-app');
});
afterAll(() => world?.stop());

describe('guests under conditional access', () => {
  it('a guest reaches an app under an MFA policy inside their session: enrols TOTP and gets amr otp+mfa, acr mfa; an app under no policy stays silent', async () => {
    const { userId, browser } = await invitedGuest(world.foyer, token, 'alice@partner.example', 'alice');

    // An app under no policy: single sign-on, no prompt, the session's amr as it is.
    const web = await start(browser, issuer, WEB);
    expect((await finish(web)).amr).toEqual(['fed']);

    // The stricter app stops the same session for MFA, first as enrolment.
    const strict = await start(browser, issuer, STRICT);
    expect(is(strict.page, PAGES.enrol)).toBe(true);
    expect(strict.page.body).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"/);
    const uri = /href="(otpauth:\/\/totp\/[^"]+)"/.exec(strict.page.body)![1]!.replace(/&amp;/g, '&');
    expect(new URL(uri).searchParams.get('issuer')).toBe('Contoso Test');
    expect(decodeURIComponent(new URL(uri).pathname)).toBe('/Contoso Test:alice@partner.example');

    // A wrong code does not count; the page says so and stays.
    const wrong = await strict.submit(strict.page, { code: '12345' });
    expect([wrong.status, is(wrong, PAGES.enrol)]).toEqual([400, true]);
    expect(wrong.body).toContain('Enter the 6-digit code');
    const { secret, recoveryCodes, page } = await enrolTotp(strict, wrong);
    expect(recoveryCodes).toHaveLength(10);
    const claims = await finish(strict, page);
    expect(claims.sub).toBe(userId);
    expect(claims.acr).toBe('urn:foyer:acr:mfa');
    expect(claims.amr).toEqual(['fed', 'otp', 'mfa']);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    aliceSecret = secret;

    // MFA now lives in the session: both apps sign in silently and say so.
    expect((await finish(await start(browser, issuer, STRICT))).amr).toEqual(['fed', 'otp', 'mfa']);
    expect((await finish(await start(browser, issuer, WEB))).acr).toBe('urn:foyer:acr:mfa');

    const log = await signInRows(world.foyer, { user_id: userId, app_id: STRICT.id });
    expect(log.map((r) => [r.result, r.error_code, r.mfa_method])).toEqual([
      ['interrupted', 'mfaRequired', null],
      ['success', null, 'totp'],
      ['success', null, 'totp'],
    ]);
    expect(log[1]).toMatchObject({ identity_provider: 'partner', conditional_access_status: 'success', authentication_requirement: 'multiFactorAuthentication', is_interactive: 1, ip_address: '127.0.0.1' });
    expect(log[1]!.applied_policies.find((p) => p.id === 'strict-mfa')).toMatchObject({ result: 'success' });
    expect(log[2]!.is_interactive).toBe(0);
    const webLog = await signInRows(world.foyer, { user_id: userId, app_id: WEB.id });
    expect(webLog[0]).toMatchObject({ result: 'success', conditional_access_status: 'notApplied', authentication_requirement: 'singleFactorAuthentication' });
  });

  it('in a new browser the enrolled guest enters a code; a replayed code is refused, the next one works', async () => {
    const userId = (await world.foyer.foyer.users.findByEmail('alice@partner.example'))!.id;
    const row = await world.foyer.foyer.db('mfa_totp').where({ user_id: userId }).first();
    expect(row.secret_sealed).toMatch(/^v1\./);

    const auth = await start(new Browser(), issuer, STRICT);
    const verify = await signInAsGuest(auth, 'alice@partner.example', 'alice');
    expect(is(verify, PAGES.verify)).toBe(true);
    // The enrolment page is not offered again, and no key is shown.
    expect(verify.body).not.toContain('totp-key');

    const secret = aliceSecret;
    const used = await lastUsedStep(world.foyer, userId);
    const replay = await auth.submit(verify, { code: await codeForStep(secret, used) });
    expect(replay.status).toBe(400);
    if (currentStep() <= used + 1) expect(replay.body).toContain('That code was already used');
    expect(await lastUsedStep(world.foyer, userId)).toBe(used);

    const done = await auth.submit(replay, { code: await freshCode(world.foyer, userId, secret) });
    expect((await finish(auth, done)).amr).toEqual(['fed', 'otp', 'mfa']);
    expect(await lastUsedStep(world.foyer, userId)).toBeGreaterThan(used);
    const failures = await signInRows(world.foyer, { user_id: userId, result: 'failure' });
    expect(failures.map((r) => r.error_code)).toContain(currentStep() <= used + 1 ? 'mfaCodeReused' : 'mfaCodeInvalid');
  });

  it('locks a guest out after too many wrong codes, with a clear message, and refuses even the right code then', async () => {
    const { userId, browser } = await invitedGuest(world.foyer, token, 'dave@partner.example', 'dave');
    const first = await start(browser, issuer, STRICT);
    const { secret, page } = await enrolTotp(first, first.page);
    await finish(first, page);

    const auth = await start(new Browser(), issuer, STRICT);
    let form = await signInAsGuest(auth, 'dave@partner.example', 'dave');
    const right = await freshCode(world.foyer, userId, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 2; i++) {
      form = await auth.submit(form, { code: wrong });
      expect([form.status, form.body.includes('That code is not right')]).toEqual([400, true]);
    }
    form = await auth.submit(form, { code: wrong });
    expect(form.status).toBe(429);
    expect(form.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(form.body).toContain('Too many wrong codes. For your security, wait 15 minutes before trying again.');
    const refused = await auth.submit(form, { code: right });
    expect([refused.status, refused.stoppedAt]).toEqual([429, undefined]);
    const codes = (await signInRows(world.foyer, { user_id: userId, result: 'failure' })).map((r) => r.error_code);
    expect(codes).toEqual(['mfaCodeInvalid', 'mfaCodeInvalid', 'mfaLockedOut', 'mfaLockedOut']);
  });

  it('a recovery code signs the guest in once, and never again', async () => {
    const { browser } = await invitedGuest(world.foyer, token, 'erin@partner.example', 'erin');
    const first = await start(browser, issuer, STRICT);
    const { recoveryCodes, page } = await enrolTotp(first, first.page);
    await finish(first, page);

    const useCode = async (code: string) => {
      const auth = await start(new Browser(), issuer, STRICT);
      const verify = await signInAsGuest(auth, 'erin@partner.example', 'erin');
      return { auth, result: await auth.submit(verify, { recoveryCode: code }, formIndex(verify, '/mfa/recovery')) };
    };
    const once = await useCode(recoveryCodes[0]!.toLowerCase());
    const claims = await finish(once.auth, once.result);
    expect(claims.amr).toEqual(['fed', 'mfa']);
    expect(claims.acr).toBe('urn:foyer:acr:mfa');

    const twice = await useCode(recoveryCodes[0]!);
    expect(twice.result.status).toBe(400);
    expect(twice.result.body).toContain('That recovery code is not valid, or it was already used.');
    expect(twice.result.body).toMatch(/<details open>/);
    const other = await twice.auth.submit(twice.result, { recoveryCode: recoveryCodes[1]! }, formIndex(twice.result, '/mfa/recovery'));
    expect((await finish(twice.auth, other)).amr).toEqual(['fed', 'mfa']);
    const userId = (await world.foyer.foyer.users.findByEmail('erin@partner.example'))!.id;
    const rows = await signInRows(world.foyer, { user_id: userId, app_id: STRICT.id });
    expect(rows.filter((r) => r.result === 'success').map((r) => r.mfa_method)).toEqual(['totp', 'recoveryCode', 'recoveryCode']);
  });

  it('a policy trusting the home organisation lets a guest whose IdP asserted MFA through without a prompt', async () => {
    const { userId, browser } = await invitedGuest(world.foyer, token, 'bob@partner.example', 'bob');
    const strict = await start(browser, issuer, STRICT);
    const claims = await finish(strict);
    expect(claims.amr).toEqual(['fed', 'mfa']);
    expect(claims.acr).toBe('urn:foyer:acr:mfa');
    expect(await world.foyer.foyer.db('mfa_totp').where({ user_id: userId })).toHaveLength(0);
    const [row] = await signInRows(world.foyer, { user_id: userId, app_id: STRICT.id });
    expect(row).toMatchObject({ result: 'success', mfa_method: 'trustedUpstream', conditional_access_status: 'success' });
  });

  it('a blocked guest gets the block page with the correlation id, and the app gets access_denied and no code', async () => {
    const { userId, browser } = await invitedGuest(world.foyer, token, 'frank@partner.example', 'frank');
    const blocked = await start(browser, issuer, BLOCKED);
    expect(blocked.page.status).toBe(403);
    expect(is(blocked.page, PAGES.blocked)).toBe(true);
    expect(errorCodeOf(blocked.page.body)).toBe('blockedByConditionalAccess');
    const reference = /<span id="correlation-id">([^<]+)<\/span>/.exec(blocked.page.body)![1]!;
    const [row] = await signInRows(world.foyer, { user_id: userId, app_id: BLOCKED.id });
    expect(row).toMatchObject({ result: 'failure', error_code: 'blockedByConditionalAccess', correlation_id: reference, conditional_access_status: 'failure' });
    expect(row!.applied_policies.find((p) => p.id === 'block-guests')).toMatchObject({ result: 'failure', reason: expect.stringContaining('location included: 127.0.0.1 is in loopback') });

    // The page's only way on is back to the app, with an error and no code.
    const back = /<a class="button secondary" href="([^"]+)"/.exec(blocked.page.body)![1]!.replace(/&amp;/g, '&');
    const returned = await blocked.open(back);
    const params = new URL(returned.stoppedAt!).searchParams;
    expect([params.get('error'), params.get('code'), params.get('state')]).toEqual(['access_denied', null, blocked.pending.state]);

    // prompt=none: no page at all, access_denied straight away (and logged).
    const silent = await start(browser, issuer, BLOCKED, { prompt: 'none' });
    const none = new URL(silent.page.stoppedAt!).searchParams;
    expect([none.get('error'), none.get('code')]).toEqual(['access_denied', null]);
    expect(await signInRows(world.foyer, { user_id: userId, app_id: BLOCKED.id, error_code: 'blockedByConditionalAccess' })).toHaveLength(2);
    // Other apps are not affected by the block.
    expect((await finish(await start(browser, issuer, WEB))).sub).toBe(userId);
  });

  it('a report-only policy changes nothing but is logged with what it would have done', async () => {
    const frank = (await world.foyer.foyer.users.findByEmail('frank@partner.example'))!;
    const browser = new Browser();
    const auth = await start(browser, issuer, REPORT);
    const landed = await signInAsGuest(auth, frank.mail, 'frank');
    const claims = await finish(auth, landed);
    expect(claims.amr).toEqual(['fed']);
    const rows = await signInRows(world.foyer, { user_id: frank.id, app_id: REPORT.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: 'success', conditional_access_status: 'notApplied', mfa_method: null, authentication_requirement: 'singleFactorAuthentication' });
    expect(rows[0]!.applied_policies.find((p) => p.id === 'report-mfa')).toMatchObject({ result: 'reportOnlyInterrupted' });
    expect(rows[0]!.applied_policies.find((p) => p.id === 'strict-mfa')).toMatchObject({ result: 'notApplied', reason: 'app not included: report-app' });
  });

  it('a per-user policy on every app applies already while redeeming the invitation (My Apps)', async () => {
    const res = await api(issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'grace@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
    expect(res.status).toBe(201);
    const browser = new Browser();
    const redeem = await browser.navigate(redeemUrlIn(latestOutboxMail(world.foyer)));
    const partnerForm = await browser.submit(redeem, {}, { stopAt: [APP_URL] });
    const callback = `${issuer}/federation/partner/callback`;
    const params = await signInAtPartner(browser, partnerForm.url, 'grace', callback);
    const enrol = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(is(enrol, PAGES.enrol)).toBe(true);
    const secret = /<code id="totp-key">([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    const codes = await browser.submit(enrol, { code: await codeForStep(secret, currentStep()) }, { stopAt: [APP_URL] });
    const landed = await browser.submit(codes, {}, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    const grace = (await world.foyer.foyer.users.findByEmail('grace@partner.example'))!;
    expect(grace.externalUserState).toBe('Accepted');
    const [row] = await signInRows(world.foyer, { user_id: grace.id, result: 'success' });
    expect(row).toMatchObject({ app_id: 'foyer-myapps', mfa_method: 'totp' });
    // The same policy covers the web app: MFA is in the session, so no second prompt.
    expect((await finish(await start(browser, issuer, WEB))).amr).toEqual(['fed', 'otp', 'mfa']);
  });

  it('refuses bad input on every MFA route with a clear 4xx and changes nothing', async () => {
    const auth = await start(new Browser(), issuer, STRICT);
    const verify = await signInAsGuest(auth, 'alice@partner.example', 'alice');
    expect(is(verify, PAGES.verify)).toBe(true);
    const uid = /\/interaction\/([^/]+)/.exec(verify.url)![1]!;
    const userId = (await world.foyer.foyer.users.findByEmail('alice@partner.example'))!.id;
    const before = await lastUsedStep(world.foyer, userId);
    const post = (path: string, fields: Record<string, string>) =>
      auth.browser.request(`${issuer}/interaction/${uid}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const csrf = parseForms(verify.body)[0]!.fields._csrf!;

    for (const code of ['', 'abcdef', '1234567', '12 34', '<script>']) {
      const res = await post('/mfa/verify', { _csrf: csrf, code });
      expect(res.status, code).toBe(400);
      expect(await res.text()).toContain('Enter the 6-digit code your authenticator app shows.');
    }
    expect((await post('/mfa/recovery', { _csrf: csrf, recoveryCode: '' })).status).toBe(400);
    expect((await post('/mfa/recovery', { _csrf: csrf, recoveryCode: 'x'.repeat(40) })).status).toBe(400);
    const noCsrf = await post('/mfa/verify', { code: '123456' });
    expect([noCsrf.status, errorCodeOf(await noCsrf.text())]).toEqual([403, 'csrfTokenInvalid']);
    const enrol = await post('/mfa/enrol', { _csrf: csrf, code: '123456' });
    expect([enrol.status, errorCodeOf(await enrol.text())]).toEqual([400, 'noEnrolmentPending']);
    const cont = await post('/mfa/continue', { _csrf: csrf });
    expect([cont.status, errorCodeOf(await cont.text())]).toEqual([400, 'mfaNotCompleted']);
    const terms = await post('/terms/accept', { _csrf: csrf, termsId: 'x', version: '1' });
    expect([terms.status, errorCodeOf(await terms.text())]).toEqual([400, 'unexpectedInteractionStep']);
    const json = await auth.browser.request(`${issuer}/interaction/${uid}/mfa/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":' });
    expect(json.status).toBe(400);
    const otherUid = await auth.browser.request(`${issuer}/interaction/not-a-real-uid/mfa/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&code=123456` });
    expect([otherUid.status, errorCodeOf(await otherUid.text())]).toEqual([400, 'interactionExpired']);
    expect(await lastUsedStep(world.foyer, userId)).toBe(before);

    // An MFA route while the interaction is still at login.
    const early = await start(new Browser(), issuer, STRICT);
    const earlyUid = /\/interaction\/([^/]+)/.exec(early.page.url)![1]!;
    const earlyCsrf = parseForms(early.page.body)[0]!.fields._csrf!;
    const atLogin = await early.browser.request(`${issuer}/interaction/${earlyUid}/mfa/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${earlyCsrf}&code=123456` });
    expect([atLogin.status, errorCodeOf(await atLogin.text())]).toEqual([400, 'unexpectedInteractionStep']);
  });
});
