/**
 * Step-up and session controls end to end with members (password sign-in) on a real Foyer:
 * acr_values asking for MFA, max_age re-authentication, a policy's
 * signInFrequency, and terms of use accepted once per version (across a restart with a new version).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseForms, type Page } from '../support/browserless.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { appEntries, enrolTotp, finish, freshCode, FREQUENT, is, PAGES, signInRows, start, TERMS, WEB, type Authorization } from './access-support.js';

const PASSWORD = 'correct horse battery staple';
const dir = mkdtempSync(join(tmpdir(), 'foyer-step-up-'));
const databaseUrl = `sqlite:${join(dir, 'foyer.sqlite')}`;
let foyer: RunningFoyer;
let issuer: string;

function configure(termsVersion: string) {
  return (config: Record<string, unknown>) => {
    (config.apps as unknown[]).push(...appEntries([TERMS, FREQUENT]));
    config.termsOfUse = [{ id: 'nda', displayName: 'Contoso NDA', version: termsVersion, text: 'Keep what you see here to yourself.' }];
    config.conditionalAccess = [
      {
        id: 'nda-everyone',
        displayName: 'Everyone accepts the NDA for the terms app',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [TERMS.id] } },
        grantControls: { operator: 'AND', termsOfUse: ['nda'] },
      },
      {
        id: 'hourly',
        displayName: 'Sign in again every hour on the frequent app',
        state: 'enabled',
        conditions: { users: { includeUsers: ['Members'] }, applications: { includeApplications: [FREQUENT.id] } },
        sessionControls: { signInFrequency: { value: 1, type: 'hours' } },
      },
    ];
  };
}

beforeAll(async () => {
  foyer = await startFoyer(configure('1'), { databaseUrl });
  issuer = foyer.issuer;
  for (const who of ['mia', 'noah', 'olga', 'piet']) await foyer.createMember(`${who}@contoso.example`, PASSWORD);
});
afterAll(async () => {
  await foyer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Email page, then password page, as a member does it; returns what Foyer shows next (or where it stopped). */
async function passwordSignIn(auth: Authorization, email: string, password = PASSWORD, page: Page = auth.page) {
  const passwordPage = is(page, PAGES.identify) && parseForms(page.body)[0]!.action.endsWith('/identify') ? await auth.submit(page, { email }) : page;
  expect(parseForms(passwordPage.body)[0]?.action).toMatch(/\/login$/);
  return auth.submit(passwordPage, { email, password });
}

describe('members: step-up and session controls', () => {
  let firstAuthTime: number;

  it('acr_values=urn:foyer:acr:mfa on an app under no policy asks for MFA, and the ID token says acr mfa', async () => {
    const browser = new Browser();
    // max_age (an hour) only so that the ID token carries auth_time to compare.
    const auth = await start(browser, issuer, WEB, { acr_values: 'urn:foyer:acr:mfa', max_age: '3600' });
    const enrol = await passwordSignIn(auth, 'mia@contoso.example');
    const { secret, page } = await enrolTotp(auth, enrol);
    const claims = await finish(auth, page);
    expect([claims.acr, claims.amr]).toEqual(['urn:foyer:acr:mfa', ['pwd', 'otp', 'mfa']]);
    firstAuthTime = claims.auth_time!;

    // Without acr_values the session still says what happened; no prompt.
    const again = await start(browser, issuer, WEB);
    expect((await finish(again)).acr).toBe('urn:foyer:acr:mfa');

    // max_age forces signing in again: the password, then MFA again (a new login has no MFA yet).
    await new Promise((r) => setTimeout(r, 2100)); // max_age counts whole seconds: older than 1 s means 2 s
    const stepUp = await start(browser, issuer, WEB, { max_age: '1', acr_values: 'urn:foyer:acr:mfa' });
    const verify = await passwordSignIn(stepUp, 'mia@contoso.example');
    expect(is(verify, PAGES.verify)).toBe(true);
    const userId = (await foyer.foyer.users.findByEmail('mia@contoso.example'))!.id;
    const fresh = await finish(stepUp, await stepUp.submit(verify, { code: await freshCode(foyer, userId, secret) }));
    expect(fresh.acr).toBe('urn:foyer:acr:mfa');
    expect(fresh.auth_time!).toBeGreaterThan(firstAuthTime);

    // max_age alone re-authenticates with the password only: MFA is not carried over a new login.
    await new Promise((r) => setTimeout(r, 2100)); // max_age counts whole seconds: older than 1 s means 2 s
    const plain = await start(browser, issuer, WEB, { max_age: '1' });
    const claimsPlain = await finish(plain, await passwordSignIn(plain, 'mia@contoso.example'));
    expect([claimsPlain.acr, claimsPlain.amr]).toEqual(['urn:foyer:acr:password', ['pwd']]);
  });

  it('acr_values that accept the current acr do not step up', async () => {
    const auth = await start(new Browser(), issuer, WEB, { acr_values: 'urn:foyer:acr:password urn:foyer:acr:mfa' });
    const claims = await finish(auth, await passwordSignIn(auth, 'noah@contoso.example'));
    expect(claims.acr).toBe('urn:foyer:acr:password');
  });

  it("a policy's signInFrequency makes a session sign in again to that app once it is older, and only there", async () => {
    const browser = new Browser();
    const withAuthTime = { max_age: '86400' };
    const auth = await start(browser, issuer, FREQUENT, withAuthTime);
    const first = await finish(auth, await passwordSignIn(auth, 'olga@contoso.example'));
    expect((await finish(await start(browser, issuer, FREQUENT, withAuthTime))).auth_time).toBe(first.auth_time);

    // Two hours pass for this session (its login time is moved back in the session store).
    const userId = (await foyer.foyer.users.findByEmail('olga@contoso.example'))!.id;
    const rows = await foyer.foyer.db('oidc_payloads').where({ model: 'Session' });
    const mine = rows.filter((r: { payload: string }) => JSON.parse(r.payload).accountId === userId);
    expect(mine).toHaveLength(1);
    const payload = JSON.parse(mine[0].payload);
    payload.loginTs -= 2 * 3600;
    await foyer.foyer.db('oidc_payloads').where({ model: 'Session', id: mine[0].id }).update({ payload: JSON.stringify(payload) });

    expect((await finish(await start(browser, issuer, WEB))).sub).toBe(userId);
    const again = await start(browser, issuer, FREQUENT, withAuthTime);
    expect(again.page.stoppedAt).toBeUndefined();
    const second = await finish(again, await passwordSignIn(again, 'olga@contoso.example'));
    // A fresh login: its time is now, not the two-hours-old one the session had.
    expect(second.auth_time!).toBeGreaterThanOrEqual(first.auth_time!);
  });

  it('terms of use: shown once per version, acceptance recorded, bad input refused; a new version is asked for again', async () => {
    const piet = (await foyer.foyer.users.findByEmail('piet@contoso.example'))!;
    const auth = await start(new Browser(), issuer, TERMS);
    const terms = await passwordSignIn(auth, piet.mail);
    expect(is(terms, PAGES.terms)).toBe(true);
    expect(terms.body).toContain('Keep what you see here to yourself.');
    expect(terms.body).toContain('Contoso NDA</strong> (version 1)');

    const unknown = await auth.submit(terms, { termsId: 'other' });
    expect([unknown.status, is(unknown, PAGES.terms)]).toEqual([400, true]);
    const stale = await auth.submit(terms, { version: '0' });
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('These terms have just been updated');
    expect(await foyer.foyer.db('terms_acceptances').where({ user_id: piet.id })).toHaveLength(0);
    const log = await signInRows(foyer, { user_id: piet.id, app_id: TERMS.id });
    expect(log.map((r) => [r.result, r.error_code])).toEqual([['interrupted', 'termsOfUseRequired']]);

    await finish(auth, await auth.submit(stale, {}));
    expect(await foyer.foyer.db('terms_acceptances').where({ user_id: piet.id })).toMatchObject([{ terms_id: 'nda', version: '1' }]);

    // Accepted once: another sign-in (another browser) goes straight through.
    const second = await start(new Browser(), issuer, TERMS);
    await finish(second, await passwordSignIn(second, piet.mail));

    // Version 2 (Foyer restarted on the same database): asked again, once.
    await foyer.stop();
    foyer = await startFoyer(configure('2'), { databaseUrl });
    issuer = foyer.issuer;
    const third = await start(new Browser(), issuer, TERMS);
    const v2 = await passwordSignIn(third, piet.mail);
    expect(v2.body).toContain('(version 2)');
    await finish(third, await third.submit(v2, {}));
    expect((await foyer.foyer.db('terms_acceptances').where({ user_id: piet.id }).orderBy('version')).map((r: { version: string }) => r.version)).toEqual(['1', '2']);
    const fourth = await start(new Browser(), issuer, TERMS);
    await finish(fourth, await passwordSignIn(fourth, piet.mail));
  });

  it('logs failed passwords with the app and the local identity provider', async () => {
    const auth = await start(new Browser(), issuer, WEB);
    const refused = await passwordSignIn(auth, 'noah@contoso.example', 'wrong password!');
    expect(refused.status).toBe(401);
    const noah = (await foyer.foyer.users.findByEmail('noah@contoso.example'))!;
    const rows = await signInRows(foyer, { user_id: noah.id, result: 'failure' });
    expect(rows.at(-1)).toMatchObject({ app_id: WEB.id, identity_provider: 'local', error_code: 'invalidCredentials', user_principal_name: 'noah@contoso.example' });
    const unknown = await start(new Browser(), issuer, WEB);
    await passwordSignIn(unknown, 'nobody@contoso.example', 'whatever it is');
    expect(await signInRows(foyer, { user_principal_name: 'nobody@contoso.example' })).toMatchObject([{ user_id: null, error_code: 'invalidCredentials', result: 'failure' }]);
  });
});
