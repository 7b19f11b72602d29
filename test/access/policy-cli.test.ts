import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLog } from '../../src/audit/sign-in-log.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { writeUsers } from '../../src/directory/user-writes.js';
import { createThrottle } from '../../src/http/throttle.js';
import { MfaService } from '../../src/mfa/mfa-service.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from '../cli/cli-harness.js';

const CONTRACTORS = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';
let cfg: TempConfig;
let db: Database;
let guestId: string;
let contractorId: string;

beforeAll(async () => {
  await ensureBuilt();
  cfg = tempConfig((raw) => {
    raw.tenant = { displayName: 'Contoso CLI test', memberDomains: ['contoso.example'] };
    (raw.apps as unknown[]).push({ id: 'payroll', displayName: 'Payroll', clientSecret: 'p'.repeat(32), redirectUris: ['https://payroll.example/cb'] });
    raw.namedLocations = [{ id: 'office', displayName: 'Office', isTrusted: true, ipRanges: ['203.0.113.0/24', '2001:db8::/32'] }];
    raw.termsOfUse = [{ id: 'nda', displayName: 'NDA', version: '1', text: 'Secret.' }];
    raw.conditionalAccess = [
      { id: 'guests-mfa', displayName: 'Guests need MFA on payroll', state: 'enabled', conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['payroll'] } }, grantControls: { builtInControls: ['mfa'] } },
      {
        id: 'contractors-outside',
        displayName: 'Contractors only from the office',
        state: 'enabled',
        conditions: { users: { includeGroups: [CONTRACTORS] }, applications: { includeApplications: ['All'] }, locations: { includeLocations: ['All'], excludeLocations: ['office'] } },
        grantControls: { builtInControls: ['block'] },
      },
      { id: 'otp-terms', displayName: 'Passcode guests accept the NDA', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, identityProviders: { includeIdentityProviders: ['email-otp'] } }, grantControls: { termsOfUse: ['nda'] } },
      { id: 'off', displayName: 'Switched off', state: 'disabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['block'] } },
    ];
  });
  db = connectDatabase(cfg.databaseUrl);
  await migrateLatest(db);
  const users = new UsersRepository(db);
  guestId = (await users.create({ mail: 'gina@partner.example', userType: 'Guest', externalUserState: 'Accepted' })).id;
  contractorId = (await users.create({ mail: 'carl@contoso.example', userType: 'Member' })).id;
  const now = new Date().toISOString();
  await db('groups').insert({ id: CONTRACTORS, display_name: 'Contractors', created_at: now });
  await db('group_members').insert({ group_id: CONTRACTORS, user_id: contractorId, created_at: now });
});
afterAll(async () => {
  await db?.destroy();
  cfg?.remove();
});

const cli = (...args: string[]) => runCli(args, { config: cfg.file });

describe('npx foyer policy what-if', () => {
  it('prints which policies apply to a guest and why, and the decision, without signing in', async () => {
    const r = await cli('policy', 'what-if', '--user', 'Gina@Partner.example', '--app', 'payroll', '--ip', '198.51.100.4', '--idp', 'email-otp');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`What if gina@partner.example (Guest, id ${guestId}) signs in to Payroll (payroll) from 198.51.100.4, with email-otp, without MFA so far:`);
    expect(r.stdout).toMatch(/APPLIES\s+Guests need MFA on payroll \(guests-mfa\) \[enabled\]\n\s+applies: user included: GuestsOrExternalUsers \(the user is a guest\); app included: payroll; any identity provider; any location\n\s+→ failure: needs mfa/);
    expect(r.stdout).toMatch(/NOT APPLIED\s+Contractors only from the office \(contractors-outside\) \[enabled\]\n\s+user not included/);
    expect(r.stdout).toMatch(/REPORT-ONLY\s+Passcode guests accept the NDA \(otp-terms\) \[report-only\]\n.*identity provider included: email-otp.*\n\s+→ reportOnlyInterrupted: needs termsOfUse:nda/);
    expect(r.stdout).toMatch(/OFF\s+Switched off \(off\) \[disabled\]\n\s+the policy is disabled/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Decision: REQUIRE MFA');

    const afterMfa = await cli('policy', 'what-if', '--user', guestId, '--app', 'payroll', '--mfa');
    expect(afterMfa.stdout.trim().split('\n').at(-1)).toBe('Decision: ALLOW');
  });

  it('notes that a guest whose access end has passed (before the sweep: still enabled) is refused before any policy', async () => {
    const end = new Date(Date.now() - 60_000).toISOString();
    const ended = (await new UsersRepository(db).create({ mail: 'ed@partner.example', userType: 'Guest', externalUserState: 'Accepted' })).id;
    await writeUsers(db, ended, (users) => users.where({ id: ended }).update({ access_expires_at: end }));
    const r = await cli('policy', 'what-if', '--user', 'ed@partner.example', '--app', 'payroll');
    expect(r.stdout).toContain(`  note: this guest's access ended at ${end}, so their sign-ins are refused before any policy\n`);
    expect((await cli('policy', 'what-if', '--user', 'gina@partner.example', '--app', 'payroll')).stdout).not.toContain('note:');
  });

  it('uses group membership and named locations (IPv4 and IPv6)', async () => {
    const outside = await cli('policy', 'what-if', '--user', 'carl@contoso.example', '--app', 'daemon-app', '--ip', '198.51.100.9');
    expect(outside.stdout).toContain(`user included: member of group ${CONTRACTORS}`);
    expect(outside.stdout.trim().split('\n').at(-1)).toBe('Decision: BLOCK (by contractors-outside)');
    for (const ip of ['203.0.113.40', '2001:db8:5::1']) {
      const inside = await cli('policy', 'what-if', '--user', 'carl@contoso.example', '--app', 'daemon-app', '--ip', ip);
      expect(inside.stdout).toContain(`location excluded: ${ip} is in office`);
      expect(inside.stdout.trim().split('\n').at(-1)).toBe('Decision: ALLOW');
    }
  });

  it('prints JSON with the full trace', async () => {
    const r = await cli('policy', 'what-if', '--user', 'gina@partner.example', '--app', 'payroll', '--json');
    const out = JSON.parse(r.stdout) as { decision: { result: string; required: { mfa: boolean }; trace: { id: string; result: string }[] } };
    expect(out.decision).toMatchObject({ result: 'challenge', required: { mfa: true } });
    expect(out.decision.trace.map((t) => [t.id, t.result])).toEqual([
      ['guests-mfa', 'failure'],
      ['contractors-outside', 'notApplied'],
      ['otp-terms', 'reportOnlyInterrupted'],
      ['off', 'notEnabled'],
    ]);
    // Each policy as --json has always printed it: the English reason, without the code the console translates.
    const keys = Object.keys(out.decision.trace[0]!);
    expect(keys).toContain('reason');
    expect(keys).not.toContain('why');
  });

  it.each([
    [['--user', 'nobody@partner.example', '--app', 'payroll'], 'error: no user has the email address "nobody@partner.example" (see npx foyer users list)'],
    [['--user', '99999999-9999-4999-8999-999999999999', '--app', 'payroll'], 'error: no user has the id "99999999-9999-4999-8999-999999999999" (see npx foyer users list)'],
    [['--user', 'gina@partner.example', '--app', 'nope'], 'error: no app has the id "nope" (apps: daemon-app, payroll, foyer-myapps)'],
    [['--user', 'gina@partner.example', '--app', 'payroll', '--ip', '300.1.1.1'], 'error: --ip "300.1.1.1" is not an IPv4 or IPv6 address'],
    [['--user', 'gina@partner.example', '--app', 'payroll', '--idp', 'okta'], 'error: --idp "okta" is not an identity provider here (known: email-otp, local)'],
  ])('refuses a bad question with one clear line and exit 2: %#', async (args, message) => {
    const r = await cli('policy', 'what-if', ...args);
    expect([r.code, r.stdout, r.stderr.trim()]).toEqual([2, '', message]);
  });

  it('requires --user and --app', async () => {
    const r = await cli('policy', 'what-if', '--app', 'payroll');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--user <email|id>' not specified");
  });
});

describe('npx foyer policy list, sign-ins list and mfa reset', () => {
  it('lists the policies with state and controls', async () => {
    const r = await cli('policy', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^ID\s+STATE\s+NAME\s+CONTROLS$/),
      expect.stringMatching(/^guests-mfa\s+enabled\s+Guests need MFA on payroll\s+mfa$/),
      expect.stringMatching(/^contractors-outside\s+enabled\s+Contractors only from the office\s+block$/),
      expect.stringMatching(/^otp-terms\s+report-only\s+Passcode guests accept the NDA\s+termsOfUse:nda$/),
      expect.stringMatching(/^off\s+disabled\s+Switched off\s+block$/),
    ]);
  });

  it('lists sign-ins, filtered by user and result, as text or JSON', async () => {
    const log = new SignInLog(db);
    await log.record({ userId: guestId, userPrincipalName: 'gina@partner.example', appId: 'payroll', identityProvider: 'email-otp', ipAddress: '198.51.100.4', isInteractive: true, result: 'success', conditionalAccessStatus: 'success', mfaMethod: 'totp', appliedConditionalAccessPolicies: [{ id: 'guests-mfa', displayName: 'Guests need MFA on payroll', enforcedGrantControls: ['mfa'], enforcedSessionControls: [], result: 'success', reason: 'applies' }] });
    await log.record({ userId: contractorId, userPrincipalName: 'carl@contoso.example', appId: 'payroll', isInteractive: true, result: 'failure', errorCode: 'blockedByConditionalAccess', conditionalAccessStatus: 'failure' });
    const gina = await cli('sign-ins', 'list', '--user', 'gina@partner.example');
    expect(gina.code).toBe(0);
    const [header, line, ...more] = gina.stdout.trim().split('\n');
    expect(header).toMatch(/^TIME\s+RESULT\s+USER\s+APP\s+IDP\s+IP\s+CA\s+MFA\s+ERROR\s+POLICIES; DETAIL$/);
    expect(line).toMatch(/^\S+Z {2}success {2}gina@partner\.example {2}payroll {2}email-otp {2}198\.51\.100\.4 {2}success {2}totp {2}- {6}guests-mfa=success$/);
    expect(more).toEqual([]);
    const failures = await cli('sign-ins', 'list', '--result', 'failure', '--json');
    const rows = JSON.parse(failures.stdout) as { userPrincipalName: string; status: { errorCode: string } }[];
    expect(rows.map((x) => [x.userPrincipalName, x.status.errorCode])).toEqual([['carl@contoso.example', 'blockedByConditionalAccess']]);
    expect((await cli('sign-ins', 'list', '--app', 'daemon-app')).stdout.trim()).toBe('no sign-ins match');
    expect(await cli('sign-ins', 'list', '--top', '0')).toMatchObject({ code: 2, stderr: 'error: --top must be a whole number from 1 to 1000\n' });
    expect(await cli('sign-ins', 'list', '--result', 'ok')).toMatchObject({ code: 2, stderr: 'error: --result must be one of success, failure, interrupted\n' });
    expect(await cli('sign-ins', 'list', '--user', 'ghost@partner.example')).toMatchObject({ code: 2 });
  });

  it("resets a user's authenticator app so they enrol again", async () => {
    const svc = new MfaService({ db, key: Buffer.alloc(32, 4), throttle: createThrottle({ name: 'cli-test', points: 5, durationSeconds: 60 }), issuer: 'x' });
    await svc.pendingEnrolment({ id: guestId, mail: 'gina@partner.example' });
    const r = await cli('mfa', 'reset', 'gina@partner.example');
    expect([r.code, r.stdout.trim()]).toEqual([0, 'removed the authenticator app and recovery codes of gina@partner.example']);
    expect(await db('mfa_totp').where({ user_id: guestId })).toHaveLength(0);
    expect(await db('audit_log').where({ activity: 'Reset MFA', target_id: guestId })).toHaveLength(1);
    expect((await cli('mfa', 'reset', guestId)).stdout.trim()).toBe('gina@partner.example has no authenticator app set up; nothing to remove');
  });

  it("prints a failed upstream sign-in's underlying reason under its line", async () => {
    const detail = 'JWS signature verification failed (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)';
    await new SignInLog(db).record({ userPrincipalName: 'gina@partner.example', appId: 'payroll', identityProvider: 'partner', isInteractive: true, result: 'failure', errorCode: 'invalid_signature', failureReason: 'The sign-in from Partner is not signed with its keys.', failureDetail: detail });
    const r = await cli('sign-ins', 'list', '--result', 'failure', '--top', '1');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([expect.stringMatching(/^TIME/), expect.stringMatching(new RegExp(`invalid_signature {2}${detail.replace(/[()]/g, '\\$&')}$`)), '']);
  });
});
