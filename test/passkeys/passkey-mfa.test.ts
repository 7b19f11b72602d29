/**
 * Passkeys as the MFA step, in real Chromium with a CDP virtual authenticator (no mocked
 * verification): a member registers a passkey the first time a policy asks for MFA, signs in with
 * it next time, and the ID token's amr says hwk + mfa. Then the attacks: a passkey of another user,
 * a replayed assertion, an answer to another sign-in's challenge, a removed passkey and a cloned one
 * (its counter going backwards) are refused with a 400 and a stable code, and change nothing.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireMfaFor } from '../e2e-access/access-support.js';
import { describeInChromium, HAS_CHROMIUM, launchChromium, recordedPage } from '../support/chromium.js';
import { startWorld, type World } from '../support/world.js';
import { addAuthenticator, assertionFor, claimsOf, postPasskeyForm, signInWithPassword, usePasskeyInto, type VirtualAuthenticator } from './passkey-support.js';

const ANN = 'ann@contoso.example';
const BEN = 'ben@contoso.example';
const CAT = 'cat@contoso.example';
const FAY = 'fay@contoso.example';
let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startWorld({ foyerHost: 'localhost', demoApp: true, members: [ANN, BEN, CAT, FAY], customize: (c) => void (c.conditionalAccess = [requireMfaFor('demo-app')]) }),
    launchChromium(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const db = () => world.foyer.foyer.db;
const passkeysOf = (email: string) => db()('passkeys').where({ user_id: world.members[email] }).orderBy('created_at');
const heading = (page: Page) => page.locator('h1').first().textContent();

/** Signs `email` in for the first time: password, then a new passkey instead of an authenticator app, then the recovery codes. */
async function registerFirstPasskey(page: Page, email: string): Promise<string[]> {
  await signInWithPassword(page, `${world.appUrl}login`, email);
  expect(await heading(page)).toBe('Set up your authenticator app');
  await page.getByLabel('Name this passkey').fill('Laptop');
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  const codes = await page.locator('.recovery-codes code').allTextContents();
  await usePasskeyInto(page, 'I have saved them, continue', world.appUrl);
  return codes;
}

/** A fresh browser context with its own virtual authenticator holding a passkey of `email`, signed out of Foyer. */
async function withPasskey(ctx: Parameters<typeof recordedPage>[1], email: string): Promise<{ page: Page; auth: VirtualAuthenticator }> {
  const { page, context } = await recordedPage(browser, ctx);
  const auth = await addAuthenticator(context, page);
  await registerFirstPasskey(page, email);
  await context.clearCookies();
  return { page, auth };
}

describeInChromium('passkeys as the second factor', () => {
  it('a member registers a passkey on first required MFA, then signs in with it: amr hwk + mfa, counter and backup state recorded', async (ctx) => {
    const { page, context } = await recordedPage(browser, ctx);
    const auth = await addAuthenticator(context, page);
    const codes = await registerFirstPasskey(page, ANN);
    expect(codes).toHaveLength(10);
    const first = await claimsOf(page);
    expect(JSON.parse(first.amr!)).toEqual(expect.arrayContaining(['pwd', 'hwk', 'user', 'mfa']));

    const [stored] = await passkeysOf(ANN);
    expect(stored).toMatchObject({ name: 'Laptop', device_type: 'singleDevice' });
    expect(Boolean(stored.backed_up)).toBe(false);
    const [held] = await auth.credentials();
    expect(Buffer.from(held!.credentialId, 'base64').toString('base64url')).toBe(stored.credential_id);
    expect(held!.userHandle && Buffer.from(held!.userHandle, 'base64').toString()).toBe(world.members[ANN]);

    // Next sign-in: the verify page offers the passkey; the counter moves forward.
    await context.clearCookies();
    await signInWithPassword(page, `${world.appUrl}login`, ANN);
    expect(await heading(page)).toBe('Use your passkey');
    await usePasskeyInto(page, 'Use your passkey', world.appUrl);
    expect(JSON.parse((await claimsOf(page)).amr!)).toEqual(expect.arrayContaining(['pwd', 'hwk', 'mfa']));
    const [after] = await passkeysOf(ANN);
    expect(Number(after.sign_count)).toBeGreaterThan(Number(stored.sign_count));
    expect(after.last_used_at).toBeTruthy();

    // Recovery codes still work beside the passkey.
    await context.clearCookies();
    await signInWithPassword(page, `${world.appUrl}login`, ANN);
    await page.getByText('Lost your phone? Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(codes[0]!);
    await usePasskeyInto(page, 'Use recovery code', world.appUrl);
    expect(JSON.parse((await claimsOf(page)).amr!)).toEqual(expect.arrayContaining(['pwd', 'mfa']));

    const log = await db()('sign_ins').where({ user_id: world.members[ANN], mfa_method: 'passkey' }).count({ n: '*' }).first();
    expect(Number(log?.n)).toBeGreaterThan(0);
  });

  it('a member signs in without a password: the passkey alone is two factors (amr hwk + user + mfa, no pwd), and the MFA policy asks nothing more', async (ctx) => {
    const { page } = await withPasskey(ctx, FAY);
    await page.goto(`${world.appUrl}login`);
    await page.getByLabel('Email address').fill(FAY);
    await page.getByRole('button', { name: 'Next' }).click();
    await usePasskeyInto(page, 'Use a passkey instead', world.appUrl);
    const amr = JSON.parse((await claimsOf(page)).amr!) as string[];
    expect(amr).toEqual(expect.arrayContaining(['hwk', 'user', 'mfa']));
    expect(amr).not.toContain('pwd');
    const row = await db()('sign_ins').where({ user_id: world.members[FAY], result: 'success', mfa_method: 'passkey', identity_provider: 'local' }).first();
    expect(row).toBeTruthy();
  });

  it('attacks: another user’s passkey, a replayed assertion, another sign-in’s challenge, a cloned credential, a removed passkey: all refused, nothing changed', async (ctx) => {
    const ben = await withPasskey(ctx, BEN);
    const cat = await withPasskey(ctx, CAT);
    const catBefore = await passkeysOf(CAT);
    const benBefore = await passkeysOf(BEN);

    // 1. Ben's passkey answering Cat's MFA step (Ben's browser reaching Cat's page with her password): refused.
    await cat.page.context().clearCookies();
    await signInWithPassword(ben.page, `${world.appUrl}login`, CAT);
    expect(await heading(ben.page)).toBe('Use your passkey');
    const foreign = await assertionFor(ben.page, (o) => ({ ...o, allowCredentials: [{ type: 'public-key', id: benBefore[0].credential_id }] }));
    const refusedForeign = await postPasskeyForm(ben.page, foreign);
    expect(refusedForeign.status).toBe(400);
    expect(refusedForeign.text).toContain('That passkey is not registered for this account');

    // 2. An answer to another sign-in's challenge: Cat's assertion over the challenge of a second tab's sign-in, posted to the first.
    await signInWithPassword(cat.page, `${world.appUrl}login`, CAT);
    await cat.page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    const other = await cat.page.context().newPage();
    await other.goto(`${world.appUrl}login`);
    await other.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    const otherOptions = JSON.parse((await other.locator('form[data-passkey]').getAttribute('data-options'))!) as { challenge: string };
    const crossed = await assertionFor(cat.page, (o) => ({ ...o, challenge: otherOptions.challenge }));
    const refusedCrossed = await postPasskeyForm(cat.page, crossed);
    expect(refusedCrossed.status).toBe(400);
    expect(refusedCrossed.text).toContain('could not be verified');

    // 3. A replayed assertion: a good answer, used once by its own sign-in, then posted again there and to a new sign-in.
    // (The second tab has no authenticator of its own: the virtual one belongs to the first page.)
    await other.close();
    await cat.page.reload();
    const good = await assertionFor(cat.page);
    const action = await cat.page.locator('form[data-passkey]').getAttribute('action');
    const csrf = await cat.page.locator('form[data-passkey] input[name=_csrf]').inputValue();
    const post = async () => (await cat.page.request.post(new URL(action!, cat.page.url()).href, { form: { _csrf: csrf, response: good }, maxRedirects: 0 })).status();
    expect(await post()).toBe(303);
    const afterGood = await passkeysOf(CAT);
    expect(await post()).toBe(400);
    await cat.page.context().clearCookies();
    await signInWithPassword(cat.page, `${world.appUrl}login`, CAT);
    const replayed = await postPasskeyForm(cat.page, good);
    expect(replayed.status).toBe(400);
    expect(await passkeysOf(CAT)).toEqual(afterGood);

    // 4. A cloned credential: the stored counter is ahead of what the authenticator says.
    await db()('passkeys').where({ id: afterGood[0].id }).update({ sign_count: 1_000_000 });
    await cat.page.reload();
    const cloned = await postPasskeyForm(cat.page, await assertionFor(cat.page));
    expect(cloned.status).toBe(400);
    expect(cloned.text).toContain('may have been copied');
    expect(Number((await passkeysOf(CAT))[0].sign_count)).toBe(1_000_000);

    // 5. A removed passkey signs no one in.
    await db()('passkeys').where({ id: afterGood[0].id }).update({ sign_count: afterGood[0].sign_count });
    await cat.page.reload();
    const options = await cat.page.locator('form[data-passkey]').getAttribute('data-options');
    await world.foyer.foyer.db('passkeys').where({ id: afterGood[0].id }).delete();
    const removed = await postPasskeyForm(cat.page, await assertionFor(cat.page, () => JSON.parse(options!)));
    expect(removed.status).toBe(400);
    expect(removed.text).toContain('not registered for this account');

    // Nothing else changed: Ben's passkey untouched, no one signed in with a refused answer.
    expect(await passkeysOf(BEN)).toEqual(benBefore);
    expect(catBefore).toHaveLength(1);
    const refusals = await db()('sign_ins').where({ result: 'failure', mfa_method: 'passkey' }).pluck('error_code');
    expect(refusals).toEqual(expect.arrayContaining(['passkeyUnknown', 'passkeyResponseInvalid', 'passkeyChallengeInvalid', 'passkeyCounterRegressed']));
  });
}, { timeout: 180_000 });
