import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMfaKey } from '../../src/mfa/mfa-key.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { createThrottle } from '../../src/http/throttle.js';
import { errorCodeOf, headingOf } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { memberOnMyApps, partnerUser, PASSWORD, redeemedGuest, submitForm } from './portal-helpers.js';

let world: GuestWorld;
let mfa: MfaService;
const issuer = () => world.foyer.issuer;
const security = (html: string) => /<dl id="security">([\s\S]*?)<\/dl>/.exec(html)?.[1]?.replace(/\s+/g, ' ') ?? '';

/** Sets up TOTP for a user as the MFA step would, with a real code. */
async function enrol(user: { id: string; mail: string }, confirm = true) {
  const { secret } = await mfa.pendingEnrolment(user);
  if (confirm) expect((await mfa.confirmEnrolment(user.id, await generate({ secret }))).ok).toBe(true);
}

beforeAll(async () => {
  // The partner is trusted for MFA: bob's home organisation did MFA, so his Foyer session has amr mfa.
  world = await startGuestWorld(() => {}, { trustMfa: true, users: { ...PARTNER_USERS, dave: { ...partnerUser('dave'), amr: ['pwd', 'mfa'] } } });
  // The same store and key Foyer uses (generated beside the SQLite file on first start).
  const key = resolveMfaKey({ databaseUrl: world.foyer.foyer.config.storage.databaseUrl })!.key;
  mfa = new MfaService({ db: world.foyer.foyer.db, key, throttle: createThrottle({ name: 'test', points: 5, durationSeconds: 60 }), issuer: 'Contoso Test' });
});
afterAll(() => world?.stop());

describe('security info on My Apps', () => {
  it('says when no authenticator app is set up, and offers nothing to change', async () => {
    await world.foyer.createMember('new@contoso.example', PASSWORD);
    const { page } = await memberOnMyApps(world.foyer, 'new@contoso.example', '/myapps/account');
    expect(security(page.body)).toContain('<dd>Not set up</dd>');
    expect(page.body).not.toContain('/myapps/account/security/reset');
  });

  it('with an authenticator set up, a password-only sign-in may not remove it: sign in again with MFA first', async () => {
    const id = await world.foyer.createMember('active@contoso.example', PASSWORD);
    await enrol({ id, mail: 'active@contoso.example' });
    const { browser, page } = await memberOnMyApps(world.foyer, 'active@contoso.example', '/myapps/account');
    expect(security(page.body)).toContain('<dd>Set up</dd>');
    expect(security(page.body)).toContain('<dt>Unused recovery codes</dt><dd>10</dd>');
    expect(page.body).not.toContain('action="/myapps/account/security/reset"');
    expect(page.body).toContain('href="/myapps/account/security/verify"');

    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    const res = await browser.request(`${issuer()}/myapps/account/security/reset`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
    expect([res.status, errorCodeOf(await res.text())]).toEqual([403, 'reauthenticationRequired']);
    expect(await mfa.status(id)).toBe('active');

    // "Sign in again" asks Foyer for a new login at MFA strength.
    const verify = await browser.request(`${issuer()}/myapps/account/security/verify`);
    const auth = new URL(verify.headers.get('location')!);
    expect(auth.pathname).toBe('/auth');
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({ client_id: 'foyer-myapps', prompt: 'login', acr_values: 'urn:foyer:acr:mfa', login_hint: 'active@contoso.example' });
  });

  it('signing in again with the authenticator (Foyer’s MFA step) unlocks removing it', async () => {
    const id = await world.foyer.createMember('stepup@contoso.example', PASSWORD);
    const { secret } = await mfa.pendingEnrolment({ id, mail: 'stepup@contoso.example' });
    expect((await mfa.confirmEnrolment(id, await generate({ secret }))).ok).toBe(true);
    const { browser, page } = await memberOnMyApps(world.foyer, 'stepup@contoso.example', '/myapps/account');
    expect(page.body).not.toContain('action="/myapps/account/security/reset"');

    // "Sign in again": the password, then the code of the next time step (the enrolment used this one).
    const password = await browser.navigate(`${issuer()}/myapps/account/security/verify`);
    expect(headingOf(password.body)).toBe('Sign in');
    const code = await browser.submit(password, { email: 'stepup@contoso.example', password: PASSWORD });
    expect(headingOf(code.body)).toBe('Enter the code from your authenticator app');
    const back = await browser.submit(code, { code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }) });
    expect(back.url).toBe(`${issuer()}/myapps/account`);
    expect(back.body).toContain('action="/myapps/account/security/reset"');

    await submitForm(browser, back, '/myapps/account/security/reset');
    expect(await mfa.status(id)).toBe('none');
  });

  it('a freshly signed-in user whose set-up was never confirmed may clear it, audited', async () => {
    const id = await world.foyer.createMember('pending@contoso.example', PASSWORD);
    await enrol({ id, mail: 'pending@contoso.example' }, false);
    const { browser, page } = await memberOnMyApps(world.foyer, 'pending@contoso.example', '/myapps/account');
    expect(security(page.body)).toContain('Set-up started, not confirmed');
    const done = await submitForm(browser, page, '/myapps/account/security/reset');
    expect(done.url).toBe(`${issuer()}/myapps/account?notice=mfaReset`);
    expect(done.body).toContain('Your authenticator app was removed.');
    expect(await mfa.status(id)).toBe('none');
    expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Reset MFA', actor_id: id, target_id: id })).toHaveLength(1);
  });

  it('a guest whose sign-in included MFA may remove their authenticator app; a forged form may not', async () => {
    const { browser, userId } = await redeemedGuest(world, 'bob@partner.example', 'bob');
    await enrol({ id: userId, mail: 'bob@partner.example' });
    const page = await browser.navigate(`${issuer()}/myapps/account`);
    expect(page.body).toContain('action="/myapps/account/security/reset"');
    const forged = await browser.request(`${issuer()}/myapps/account/security/reset`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=forged' });
    expect(forged.status).toBe(403);
    expect(await mfa.status(userId)).toBe('active');
    await submitForm(browser, page, '/myapps/account/security/reset');
    expect(await mfa.status(userId)).toBe('none');
    expect(await mfa.remainingRecoveryCodes(userId)).toBe(0);
  });

  it('replaces the recovery codes after a sign-in with MFA: shown once, the old ones dead, the new ones working', async () => {
    const { browser, userId } = await redeemedGuest(world, 'dave@partner.example', 'dave');
    const { secret } = await mfa.pendingEnrolment({ id: userId, mail: 'dave@partner.example' });
    const old = (await mfa.confirmEnrolment(userId, await generate({ secret }))).recoveryCodes!;
    const page = await browser.navigate(`${issuer()}/myapps/account`);
    const shown = await submitForm(browser, page, '/myapps/account/security/recovery-codes');
    expect(shown.status).toBe(200);
    const fresh = [...(/<ul id="recovery-codes">([\s\S]*?)<\/ul>/.exec(shown.body)?.[1] ?? '').matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1]!);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => old.includes(c))).toBe(false);
    expect((await mfa.useRecoveryCode(userId, old[0]!)).ok).toBe(false);
    expect(await mfa.useRecoveryCode(userId, fresh[0]!)).toMatchObject({ ok: true, remaining: 9 });
    expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Regenerate recovery codes', target_id: userId })).toHaveLength(1);
    // Shown once: the account page does not show them again.
    expect((await browser.navigate(`${issuer()}/myapps/account`)).body).not.toContain('id="recovery-codes"');
  });
});
