/**
 * Upstream methods count: Fabrikam's real OpenID provider on loopback asserts how its people
 * signed in. A passkey there (amr hwk+mfa) within the partner's maximum age satisfies a policy
 * demanding phishing-resistant MFA with no prompt at Foyer; an older one, or MFA without a key, is
 * asked again here; an app asking with acr_values for a strength the guest cannot meet gets no
 * token with a weaker acr. The what-if command shows which methods met which policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from '../cli/cli-harness.js';
import { appEntries, finish, signInRows, start, STRICT, WEB } from '../e2e-access/access-support.js';
import { Browser, errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import type { PartnerUser } from '../support/partner-idp.js';
import { useWorld } from '../support/world.js';

const fabrikamUser = (login: string, amr: string[]): PartnerUser => ({ sub: `${login}-sub`, email: `${login}@fabrikam.example`, emailVerified: true, name: login, amr });
const USERS = { hana: fabrikamUser('hana', ['hwk', 'mfa']), olga: fabrikamUser('olga', ['hwk', 'mfa']), pat: fabrikamUser('pat', ['pwd', 'mfa']), ida: fabrikamUser('ida', ['hwk', 'mfa']), kim: fabrikamUser('kim', ['hwk', 'mfa']) };

const PARTNERS = [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 10 }, automaticUserConsentSettings: { inboundAllowed: true } }];
const STRENGTHS = [{ id: 'partnerPasskey', displayName: 'Passkey at the home organisation', allowedCombinations: ['federated,upstreamPasskey'] }];
const strictNeedsPhishingResistant = (appId: string) => ({
  id: 'strict-phishing-resistant',
  displayName: 'Strict app needs phishing-resistant MFA',
  state: 'enabled',
  conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: [appId] } },
  grantControls: { authenticationStrength: 'phishingResistantMfa' },
});

const world = useWorld({
  oidc: [{ id: 'fabrikam', displayName: 'Fabrikam', users: USERS, requireAuthTime: true }],
  portal: true,
  apps: appEntries([STRICT]),
  customize: (c) => {
    c.partners = PARTNERS;
    c.authenticationStrengths = STRENGTHS;
    c.conditionalAccess = [strictNeedsPhishingResistant(STRICT.id)];
  },
});

/** Invites `login`, then signs in to `app` through Fabrikam (redeeming just in time); returns where Foyer stopped. */
async function signInThroughFabrikam(login: keyof typeof USERS, app = STRICT, params: Record<string, string> = {}) {
  const invited = await world.invite(`${login}@fabrikam.example`);
  const auth = await start(new Browser(), world.issuer, app, { login_hint: `${login}@fabrikam.example`, ...params });
  expect(headingOf(auth.page.body)).toBe('Partner IdP sign-in');
  return { auth, userId: invited.userId, landed: await auth.submit(auth.page, { login }) };
}

/** Fabrikam's ID tokens say the person authenticated `minutes` earlier than they did. */
async function withOlderAuthentication<T>(minutes: number, run: () => Promise<T>): Promise<T> {
  world.oidc.fabrikam!.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Number(c.auth_time) - minutes * 60 }) });
  try {
    return await run();
  } finally {
    world.oidc.fabrikam!.tamperIdTokens(undefined);
  }
}

describe('a passkey at the partner counts', () => {
  it('hwk+mfa within mfaMaxAgeMinutes meets phishingResistantMfa without a prompt: amr fed+mfa, acr phishingResistantMfa, the log names the methods', async () => {
    const { auth, userId, landed } = await signInThroughFabrikam('hana');
    expect(landed.stoppedAt, headingOf(landed.body)).toBeTruthy();
    const claims = await finish(auth, landed);
    expect(claims.amr).toEqual(['fed', 'mfa']);
    expect(claims.acr).toBe('urn:foyer:strength:phishingResistantMfa');
    const [row] = await signInRows(world.foyer, { user_id: userId, app_id: STRICT.id, result: 'success' });
    expect(row!.applied_policies[0]).toMatchObject({ id: 'strict-phishing-resistant', result: 'success', satisfiedBy: 'federated,upstreamPasskey' });
    expect(row!.mfa_method).toBe('trustedUpstream');
  });

  it('an older one is asked again at Foyer: a passkey to create here, no TOTP, no code for the app', async () => {
    const { userId, landed } = await withOlderAuthentication(30, () => signInThroughFabrikam('olga'));
    expect(landed.stoppedAt).toBeUndefined();
    expect(headingOf(landed.body)).toBe('Create a passkey');
    expect(landed.body).toContain('Phishing-resistant MFA');
    expect(parseForms(landed.body).map((f) => f.action.replace(/^.*\/interaction\/[^/]+/, ''))).toEqual(['/mfa/passkey/register']);
    expect(await signInRows(world.foyer, { user_id: userId, result: 'success' })).toEqual([]);
    expect((await signInRows(world.foyer, { user_id: userId, app_id: STRICT.id })).map((r) => [r.result, r.error_code])).toEqual([['interrupted', 'mfaRequired']]);
    expect(await world.foyer.foyer.db('passkeys').where({ user_id: userId })).toEqual([]);
    expect(await world.foyer.foyer.db('mfa_totp').where({ user_id: userId })).toEqual([]);
  });

  it('MFA at the partner without a key (pwd+mfa) is MFA, not phishing-resistant: asked for a passkey too', async () => {
    const { landed } = await signInThroughFabrikam('pat');
    expect(headingOf(landed.body)).toBe('Create a passkey');
  });
});

describe('acr_values asking for a strength', () => {
  it('a strength the guest cannot meet here ends with a page that says what to do and access_denied, never a weaker acr', async () => {
    const { auth, userId, landed } = await withOlderAuthentication(30, () => signInThroughFabrikam('ida', WEB, { acr_values: 'urn:foyer:strength:partnerPasskey' }));
    expect(landed.status).toBe(403);
    expect(headingOf(landed.body)).toBe('A stronger sign-in is required');
    expect(errorCodeOf(landed.body)).toBe('authenticationStrengthUnavailable');
    expect(landed.body).toContain('federated + upstreamPasskey');
    expect(parseForms(landed.body)).toEqual([]);
    const back = /href="(\/interaction\/[^"]+\/abort)"/.exec(landed.body)?.[1];
    const answer = new URL((await auth.open(`${world.issuer}${back!}`)).stoppedAt!);
    expect(answer.searchParams.get('error')).toBe('access_denied');
    expect(answer.searchParams.has('code')).toBe(false);
    expect(await signInRows(world.foyer, { user_id: userId, result: 'success' })).toEqual([]);
  });

  it('met at the partner, the same request signs in at once', async () => {
    const { auth, landed } = await signInThroughFabrikam('kim', WEB, { acr_values: 'urn:foyer:strength:partnerPasskey' });
    const claims = await finish(auth, landed);
    expect([claims.amr, claims.acr]).toEqual([['fed', 'mfa'], 'urn:foyer:strength:phishingResistantMfa']);
  });
});

describe('npx foyer policy what-if with strengths', () => {
  let cfg: TempConfig;
  let db: Database;
  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig((raw) => {
      (raw.apps as unknown[]).push({ id: 'payroll', displayName: 'Payroll', clientSecret: 'p'.repeat(32), redirectUris: ['https://payroll.example/cb'] });
      raw.identityProviders = [{ id: 'fabrikam', type: 'oidc', displayName: 'Fabrikam', issuer: 'https://idp.fabrikam.example', clientId: 'c', clientSecret: 's', domains: ['fabrikam.example'] }];
      raw.partners = PARTNERS;
      raw.authenticationStrengths = STRENGTHS;
      raw.conditionalAccess = [strictNeedsPhishingResistant('payroll')];
    });
    db = connectDatabase(cfg.databaseUrl);
    await migrateLatest(db);
    await new UsersRepository(db).create({ mail: 'gina@fabrikam.example', userType: 'Guest', externalUserState: 'Accepted' });
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    cfg?.remove();
  });
  const whatIf = (...args: string[]) => runCli(['policy', 'what-if', '--user', 'gina@fabrikam.example', '--app', 'payroll', ...args], { config: cfg.file });
  const decision = (out: string) => out.trim().split('\n').at(-1);

  it('shows which method met which policy, from what the partner asserted and how long ago', async () => {
    const fresh = await whatIf('--idp', 'fabrikam', '--upstream-amr', 'hwk,mfa', '--upstream-age', '5');
    expect([fresh.code, fresh.stderr]).toEqual([0, '']);
    expect(fresh.stdout).toContain('having used federated, upstreamMfa, upstreamPasskey');
    expect(fresh.stdout).toContain('upstreamPasskey from fabrikam (amr hwk+mfa)');
    expect(fresh.stdout).toMatch(/→ success \(met by federated,upstreamPasskey\)/);
    expect(decision(fresh.stdout)).toBe('Decision: ALLOW');

    const old = await whatIf('--idp', 'fabrikam', '--upstream-amr', 'hwk,mfa', '--upstream-age', '30');
    expect(old.stdout).toContain('upstreamPasskey not counted: fabrikam asserted amr hwk+mfa 30 minutes ago (at most 10 minutes old)');
    expect(old.stdout).toMatch(/→ failure: needs authenticationStrength:phishingResistantMfa/);
    expect(decision(old.stdout)).toBe('Decision: REQUIRE authentication strength "phishingResistantMfa"');

    expect(decision((await whatIf('--methods', 'federated,totp')).stdout)).toBe('Decision: REQUIRE authentication strength "phishingResistantMfa"');
    const passkey = await whatIf('--methods', 'federated,passkey', '--json');
    const json = JSON.parse(passkey.stdout) as { decision: { result: string; trace: { satisfiedBy?: string }[] } };
    expect([json.decision.result, json.decision.trace[0]!.satisfiedBy]).toEqual(['allow', 'passkey']);
    // Each command is a fresh Node process: allow for a busy machine.
  }, 120_000);

  it('refuses a method it does not know, and upstream assertions without an IdP', async () => {
    expect(await whatIf('--methods', 'password,fido2')).toMatchObject({ code: 2, stderr: expect.stringContaining('"fido2" is not a method') });
    expect(await whatIf('--upstream-amr', 'hwk')).toMatchObject({ code: 2, stderr: expect.stringContaining('name it with --idp') });
  }, 60_000);
});
