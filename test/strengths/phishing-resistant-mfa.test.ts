/**
 * A policy demanding phishing-resistant MFA, in real Chromium with a CDP virtual authenticator: a
 * member who has only an authenticator app proves it and is led to register a passkey (not locked
 * out, not looped), gets in with acr phishingResistantMfa, and next time the passkey is the only
 * way: a TOTP code posted anyway is refused before it is even checked, and nothing changes.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createThrottle } from '../../src/http/throttle.js';
import { resolveMfaKey } from '../../src/mfa/mfa-key.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { codeForStep, currentStep, freshCode, lastUsedStep, signInRows } from '../e2e-access/access-support.js';
import { addAuthenticator, claimsOf, signInWithPassword, usePasskeyInto } from '../passkeys/passkey-support.js';
import { describeInChromium, HAS_CHROMIUM, launchChromium, recordedPage } from '../support/chromium.js';
import { startWorld, type World } from '../support/world.js';

const TOM = 'tom@contoso.example';
let world: World;
let browser: Browser;
let secret: string;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startWorld({
      foyerHost: 'localhost',
      demoApp: true,
      members: [TOM],
      customize: (c) => {
        c.conditionalAccess = [
          {
            id: 'demo-phishing-resistant',
            displayName: 'Demo app needs phishing-resistant MFA',
            state: 'enabled',
            conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['demo-app'] } },
            grantControls: { authenticationStrength: { id: 'phishingResistantMfa' } },
          },
        ];
      },
    }),
    launchChromium(),
  ]);
  // Tom set up an authenticator app earlier (through Foyer's own MFA service, with Foyer's key).
  const { config, db } = world.foyer.foyer;
  const key = resolveMfaKey({ encryptionKey: config.mfa.encryptionKey, databaseUrl: config.storage.databaseUrl })!;
  const mfa = new MfaService({ db, key: key.key, throttle: createThrottle({ name: 'seed', points: 5, durationSeconds: 60 }), issuer: 'Contoso' });
  const user = { id: world.members[TOM]!, mail: TOM };
  const started = mfa.newEnrolment(user);
  secret = started.secret;
  expect((await mfa.confirmEnrolment(user.id, await codeForStep(secret, currentStep()), started.sealed)).ok).toBe(true);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const db = () => world.foyer.foyer.db;
const tomId = () => world.members[TOM]!;
const passkeysOfTom = () => db()('passkeys').where({ user_id: tomId() });
const heading = (page: Page) => page.locator('h1').first().textContent();

/** Posts a form of the page's interaction directly (what a script or an attacker does), with the page's CSRF token. */
async function postTo(page: Page, suffix: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const csrf = await page.locator('form input[name=_csrf]').first().inputValue();
  const uid = /\/interaction\/([^/?#]+)/.exec(page.url())![1];
  const res = await page.request.post(new URL(`/interaction/${uid}${suffix}`, page.url()).href, { form: { _csrf: csrf, ...fields }, maxRedirects: 0 });
  return { status: res.status(), text: await res.text() };
}

describeInChromium('phishing-resistant MFA', () => {
  it('the TOTP-only member proves TOTP, is led to register a passkey, and gets in with acr phishingResistantMfa; the passkey is then the only way', async (ctx) => {
    const { page, context } = await recordedPage(browser, ctx);
    await addAuthenticator(context, page);

    await signInWithPassword(page, `${world.appUrl}login`, TOM);
    expect(await heading(page)).toBe('Enter the code from your authenticator app');
    expect(await page.locator('#strength-note').textContent()).toContain('Phishing-resistant MFA needs a passkey');
    expect(await page.locator('form[data-passkey]').count()).toBe(0);

    // Registering a passkey before proving the factor Tom holds: refused, nothing stored.
    const early = await postTo(page, '/mfa/passkey/register', { response: '{}' });
    expect(early.status).toBe(400);
    expect(early.text).toContain('noEnrolmentPending');
    expect(await passkeysOfTom()).toHaveLength(0);

    await page.getByLabel('6-digit code').fill(await freshCode(world.foyer, tomId(), secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Create a passkey' }).waitFor();
    expect(await page.locator('#proved-note').count()).toBe(1);
    // TOTP proved, but the session is not upgraded by it: no success yet.
    expect(await signInRows(world.foyer, { user_id: tomId(), result: 'success' })).toHaveLength(0);

    await usePasskeyInto(page, 'Create a passkey', world.appUrl);
    const claims = await claimsOf(page);
    expect(claims.acr).toBe('urn:foyer:strength:phishingResistantMfa');
    expect(JSON.parse(claims.amr!)).toEqual(expect.arrayContaining(['pwd', 'hwk', 'user', 'mfa']));
    expect(await passkeysOfTom()).toHaveLength(1);
    // Audited like a passkey added in My Apps, saying it came during a sign-in and what it was proved with.
    const added = await db()('audit_log').where({ activity: 'Add passkey', target_id: tomId() });
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0].details)).toMatchObject({ during: 'sign-in', provedWith: 'totp' });
    const [success] = await signInRows(world.foyer, { user_id: tomId(), result: 'success' });
    expect(success).toMatchObject({ mfa_method: 'passkey', conditional_access_status: 'success', authentication_requirement: 'multiFactorAuthentication' });
    expect(success!.applied_policies[0]).toMatchObject({ id: 'demo-phishing-resistant', result: 'success', satisfiedBy: 'passkey', authenticationStrength: { authenticationStrengthId: 'phishingResistantMfa', authenticationStrengthResult: 'satisfied', satisfiedBy: 'passkey' } });

    // Next sign-in: the passkey is offered, TOTP is not; a code posted anyway is refused unchecked.
    await context.clearCookies();
    await signInWithPassword(page, `${world.appUrl}login`, TOM);
    expect(await heading(page)).toBe('Use your passkey');
    expect(await page.getByLabel('6-digit code').count()).toBe(0);
    const stepBefore = await lastUsedStep(world.foyer, tomId());
    const passkeysBefore = await passkeysOfTom();
    const successesBefore = (await signInRows(world.foyer, { user_id: tomId(), result: 'success' })).length;
    const totp = await postTo(page, '/mfa/verify', { code: await freshCode(world.foyer, tomId(), secret) });
    expect(totp.status).toBe(400);
    expect(totp.text).toContain('authenticationStrengthNotMet');
    const recovery = await postTo(page, '/mfa/recovery', { recoveryCode: 'ABCDE-FGH23' });
    expect(recovery.status).toBe(400);
    expect(recovery.text).toContain('authenticationStrengthNotMet');
    expect(await lastUsedStep(world.foyer, tomId())).toBe(stepBefore);
    expect(await passkeysOfTom()).toEqual(passkeysBefore);
    expect(await signInRows(world.foyer, { user_id: tomId(), result: 'success' })).toHaveLength(successesBefore);

    await page.reload();
    await usePasskeyInto(page, 'Use your passkey', world.appUrl);
    expect((await claimsOf(page)).acr).toBe('urn:foyer:strength:phishingResistantMfa');
  });
}, { timeout: 180_000 });
