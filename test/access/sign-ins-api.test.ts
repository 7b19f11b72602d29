import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLog } from '../../src/audit/sign-in-log.js';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { openPasswordForm, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

let foyer: RunningFoyer;
let auditor: string;
let inviter: string;
let memberId: string;

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    (config.apps as unknown[]).push(
      { id: 'audit-app', displayName: 'SIEM export', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['AuditLog.Read.All'] },
      { id: 'invite-app', displayName: 'Inviter', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All'] },
    );
    config.conditionalAccess = [
      { id: 'ro', displayName: 'Report-only MFA', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['web-app'] } }, grantControls: { builtInControls: ['mfa'] } },
    ];
  });
  auditor = await appToken(foyer.issuer, 'audit-app');
  inviter = await appToken(foyer.issuer, 'invite-app');
  memberId = await foyer.createMember('ann@contoso.example', 'a long enough password');

  // One real failed and one real successful sign-in, then older rows to page through.
  const browser = new Browser();
  const config = await webAppClient(foyer.issuer);
  const form = await openPasswordForm(browser, config, 'ann@contoso.example');
  const failed = await browser.submit(form.page, { email: 'ann@contoso.example', password: 'not the password' });
  expect(failed.status).toBe(401);
  const ok = await browser.submit(failed, { email: 'ann@contoso.example', password: 'a long enough password' }, { stopAt: ['http://127.0.0.1:9999/callback'] });
  expect(ok.stoppedAt).toBeTruthy();
  const log = new SignInLog(foyer.foyer.db);
  for (let i = 0; i < 5; i++) {
    await log.record({ userId: null, userPrincipalName: `x${i}@elsewhere.example`, appId: 'spa-app', isInteractive: true, result: 'failure', errorCode: "it's-broken", failureReason: 'seeded' });
    await new Promise((r) => setTimeout(r, 3)); // distinct timestamps, so "newest first" is one order
  }
});
afterAll(() => foyer?.stop());

describe('GET /v1.0/auditLogs/signIns', () => {
  it('lists sign-ins newest first in Graph signIn shape, with the policies applied (report-only included)', async () => {
    const res = await api<{ value: Record<string, unknown>[] }>(foyer.issuer, auditor, 'GET', `/auditLogs/signIns?$filter=userId eq '${memberId}'`);
    expect(res.status).toBe(200);
    expect(res.body.value.map((s) => [s.result, (s.status as { errorCode: string | null }).errorCode])).toEqual([
      ['success', null],
      ['failure', 'invalidCredentials'],
    ]);
    expect(res.body.value[0]).toMatchObject({
      userId: memberId,
      userPrincipalName: 'ann@contoso.example',
      userType: 'Member',
      appId: 'web-app',
      appDisplayName: 'Web App',
      identityProvider: 'local',
      ipAddress: '127.0.0.1',
      clientAppUsed: 'Browser',
      isInteractive: true,
      conditionalAccessStatus: 'notApplied',
      authenticationRequirement: 'singleFactorAuthentication',
      authenticationMethodsUsed: ['pwd'],
      mfaDetail: null,
      appliedConditionalAccessPolicies: [{ id: 'ro', displayName: 'Report-only MFA', enforcedGrantControls: ['mfa'], enforcedSessionControls: [], result: 'reportOnlyInterrupted', reason: expect.stringContaining('app included: web-app') }],
    });
    expect(Date.parse(String(res.body.value[0]!.createdDateTime))).toBeGreaterThan(Date.now() - 120_000);
    const one = await api(foyer.issuer, auditor, 'GET', `/auditLogs/signIns/${res.body.value[1]!.id}`);
    expect(one.body).toMatchObject({ id: res.body.value[1]!.id, status: { errorCode: 'invalidCredentials', failureReason: 'Invalid email address or password' } });
  });

  it('pages with $top and a next link that keeps the filter', async () => {
    const first = await api<{ value: { userPrincipalName: string }[]; '@odata.nextLink'?: string }>(foyer.issuer, auditor, 'GET', "/auditLogs/signIns?$top=2&$filter=appId eq 'spa-app' and status/errorCode eq 'it''s-broken'");
    expect(first.status).toBe(200);
    expect(first.body.value.map((s) => s.userPrincipalName)).toEqual(['x4@elsewhere.example', 'x3@elsewhere.example']);
    const next = new URL(first.body['@odata.nextLink']!);
    expect(next.searchParams.get('$filter')).toBe("appId eq 'spa-app' and status/errorCode eq 'it''s-broken'");
    const second = await api<{ value: { userPrincipalName: string }[] }>(foyer.issuer, auditor, 'GET', `${next.pathname.replace('/v1.0', '')}${next.search}`);
    expect(second.body.value.map((s) => s.userPrincipalName)).toEqual(['x2@elsewhere.example', 'x1@elsewhere.example']);
    const recent = await api<{ value: unknown[] }>(foyer.issuer, auditor, 'GET', `/auditLogs/signIns?$filter=createdDateTime ge ${new Date(Date.now() + 60_000).toISOString()}`);
    expect(recent.body.value).toEqual([]);
    const failures = await api<{ value: unknown[] }>(foyer.issuer, auditor, 'GET', "/auditLogs/signIns?$filter=result eq 'failure'&$top=999");
    expect(failures.body.value).toHaveLength(6);
  });

  it('answers bad requests with a clear 4xx in Graph error shape', async () => {
    const cases: [string, string | undefined, string, number, string][] = [
      ['GET', undefined, '/auditLogs/signIns', 401, 'InvalidAuthenticationToken'],
      ['GET', inviter, '/auditLogs/signIns', 403, 'Authorization_RequestDenied'],
      ['GET', auditor, '/auditLogs/signIns?$top=0', 400, 'invalidQuery'],
      ['GET', auditor, '/auditLogs/signIns?$top=abc', 400, 'invalidQuery'],
      ['GET', auditor, '/auditLogs/signIns?$skiptoken=-1', 400, 'invalidQuery'],
      ['GET', auditor, "/auditLogs/signIns?$filter=userId ne 'x'", 400, 'invalidQuery'],
      ['GET', auditor, '/auditLogs/signIns?$filter=createdDateTime ge yesterday', 400, 'invalidQuery'],
      ['GET', auditor, "/auditLogs/signIns?$filter=result eq 'maybe'", 400, 'invalidQuery'],
      ['GET', auditor, "/auditLogs/signIns?$filter=appId eq 'a'&$filter=appId eq 'b'", 400, 'invalidQuery'],
      ['GET', auditor, '/auditLogs/signIns/not-an-id', 400, 'invalidId'],
      ['GET', auditor, '/auditLogs/signIns/00000000-0000-4000-8000-000000000000', 404, 'Request_ResourceNotFound'],
      ['POST', auditor, '/auditLogs/signIns', 405, 'methodNotAllowed'],
      ['DELETE', auditor, '/auditLogs/signIns/00000000-0000-4000-8000-000000000000', 405, 'methodNotAllowed'],
    ];
    for (const [method, token, path, status, code] of cases) {
      const res = await api<{ error: { code: string; message: string } }>(foyer.issuer, token, method, path);
      expect([res.status, res.body.error?.code], `${method} ${path}`).toEqual([status, code]);
      expect(res.body.error.message.length).toBeGreaterThan(10);
    }
  });
});
