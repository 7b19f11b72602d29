/** The SIEM stream (audit.stream): each directory change and each sign-in is one JSON line with Graph's fields. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { openPasswordForm, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

let foyer: RunningFoyer;
let file: string;
const lines = () => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'foyer-siem-')), 'siem', 'security-events.jsonl');
  foyer = await startFoyer((config) => {
    config.audit = { stream: { file } };
    (config.apps as unknown[]).push({ id: 'invite-app', displayName: 'Inviter', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All'] });
  });
});
afterAll(() => foyer?.stop());

it('writes one directoryAudit line, in Graph directoryAudit shape, for an invitation made through the API', async () => {
  const token = await appToken(foyer.issuer, 'invite-app');
  const res = await api<{ invitedUser: { id: string } }>(foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'gail@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', sendInvitationMessage: false });
  expect(res.status).toBe(201);
  const audits = lines().filter((l) => l.type === 'directoryAudit');
  expect(audits).toHaveLength(1);
  expect(audits[0]).toMatchObject({
    stream: 'foyer-security',
    category: 'Invitation',
    activityDisplayName: 'Invite external user',
    result: 'success',
    operationType: 'Add',
    loggedByService: 'Core Directory',
    initiatedBy: { app: { appId: 'invite-app' } },
    targetResources: [{ id: res.body.invitedUser.id, type: 'User' }],
  });
  expect(typeof audits[0]!.activityDateTime).toBe('string');
});

it('writes one signIn line, in Graph signIn shape, for a real password sign-in', async () => {
  const userId = await foyer.createMember('ann@contoso.example', 'a long enough password');
  const browser = new Browser();
  const form = await openPasswordForm(browser, await webAppClient(foyer.issuer), 'ann@contoso.example');
  const ok = await browser.submit(form.page, { email: 'ann@contoso.example', password: 'a long enough password' }, { stopAt: ['http://127.0.0.1:9999/callback'] });
  expect(ok.stoppedAt).toBeTruthy();
  const signIns = lines().filter((l) => l.type === 'signIn');
  expect(signIns).toHaveLength(1);
  expect(signIns[0]).toMatchObject({
    stream: 'foyer-security',
    userId,
    userPrincipalName: 'ann@contoso.example',
    appId: 'web-app',
    result: 'success',
    isInteractive: true,
    status: { errorCode: null },
    conditionalAccessStatus: expect.any(String),
  });
  // Nothing else was streamed: the invitation and the sign-in, one line each.
  expect(lines().map((l) => l.type)).toEqual(['directoryAudit', 'signIn']);
});
