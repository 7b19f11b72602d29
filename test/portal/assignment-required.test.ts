import { interactionPolicy } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSIGNMENT_PROMPT } from '../../src/access/assignment-prompt.js';
import { buildInteractionPolicy } from '../../src/provider/interaction-policy.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { callbackError, finishAuthorization, isConsentPage, openPasswordForm, spaClient, SPA_APP, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const PASSWORD = 'correct horse battery staple';
let foyer: RunningFoyer;
let token: string;
let userId: string;

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    const apps = config.apps as Record<string, unknown>[];
    Object.assign(apps[0]!, { assignmentRequired: true, owners: ['owner@contoso.example', 'second.owner@contoso.example'] });
    Object.assign(apps[1]!, { assignmentRequired: true });
    apps.push({ id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All'] });
    // The SPA also requires MFA: the assignment gate must refuse before anyone is asked to enrol.
    config.conditionalAccess = [
      {
        id: 'spa-mfa',
        displayName: 'SPA requires MFA',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['spa-app'] } },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      },
    ];
  });
  token = await appToken(foyer.issuer, 'admin-app');
  userId = await foyer.createMember('ursula@contoso.example', PASSWORD, { name: 'Ursula Unassigned' });
});
afterAll(() => foyer?.stop());

/** Signs in with the password and returns the page the browser ends on (or the callback it reached). */
async function passwordSignIn(browser: Browser, config: Awaited<ReturnType<typeof webAppClient>>, params: Record<string, string> = {}) {
  const { page, pending } = await openPasswordForm(browser, config, 'ursula@contoso.example', params);
  const done = await browser.submit(page, { email: 'ursula@contoso.example', password: PASSWORD }, { stopAt: [params.redirect_uri ?? WEB_APP.redirectUri] });
  return { done, pending };
}

describe('an app with assignmentRequired', () => {
  it('refuses an unassigned user with a page naming the app and its owners, and issues nothing', async () => {
    const browser = new Browser();
    const config = await webAppClient(foyer.issuer);
    const { done } = await passwordSignIn(browser, config);
    expect(done.stoppedAt).toBeUndefined();
    expect(done.status).toBe(403);
    expect(headingOf(done.body)).toBe('You need access to Web App');
    expect(errorCodeOf(done.body)).toBe('notAssignedToApp');
    expect(done.body).toContain('ursula@contoso.example');
    expect(done.body).toContain('href="mailto:owner@contoso.example"');
    expect(done.body).toContain('href="mailto:second.owner@contoso.example"');
    expect(await foyer.foyer.db('oidc_payloads').whereIn('model', ['AuthorizationCode', 'AccessToken', 'RefreshToken'])).toEqual([]);
    expect(await foyer.foyer.db('audit_log').where({ activity: 'Sign-in refused', actor_id: userId, target_id: 'web-app', result_reason: 'notAssigned' })).toHaveLength(1);

    // The only way on is back to the app, which learns access_denied, with no code.
    const back = /href="(\/interaction\/[^"]+\/abort)"/.exec(done.body)![1]!;
    const returned = await browser.navigate(new URL(back, foyer.issuer).toString(), { stopAt: [WEB_APP.redirectUri] });
    expect(callbackError(returned.stoppedAt!)).toMatchObject({ error: 'access_denied' });
    expect(new URL(returned.stoppedAt!).searchParams.has('code')).toBe(false);

    // Silent sign-in on the existing session is refused too, without a page.
    const silent = await startAuthorization(config, { prompt: 'none' });
    const page = await browser.navigate(silent.url.href, { stopAt: [WEB_APP.redirectUri] });
    expect(callbackError(page.stoppedAt!)).toMatchObject({ error: 'access_denied' });
  });

  it('refuses before the MFA step and the consent step of a third-party app', async () => {
    const browser = new Browser();
    const config = await spaClient(foyer.issuer);
    const { done } = await passwordSignIn(browser, config, { redirect_uri: SPA_APP.redirectUri });
    expect(isConsentPage(done)).toBe(false);
    expect(done.body).not.toMatch(/authenticator/i);
    expect(errorCodeOf(done.body)).toBe('notAssignedToApp');
    expect(await foyer.foyer.db('mfa_totp')).toEqual([]);
    expect(headingOf(done.body)).toBe('You need access to Public SPA');
  });

  it('lets the user in once assigned through a group, and refuses again when the group loses the app', async () => {
    const group = await api(foyer.issuer, token, 'POST', '/groups', { displayName: 'Web users' });
    await api(foyer.issuer, token, 'POST', `/groups/${group.body.id}/members/$ref`, { '@odata.id': `${foyer.issuer}/v1.0/directoryObjects/${userId}` });
    const assignment = await api(foyer.issuer, token, 'POST', `/groups/${group.body.id}/appRoleAssignments`, { principalId: group.body.id, resourceId: 'web-app' });
    expect(assignment.status).toBe(201);

    const browser = new Browser();
    const config = await webAppClient(foyer.issuer);
    const { done, pending } = await passwordSignIn(browser, config);
    expect(done.stoppedAt).toBeTruthy();
    const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
    expect(tokens.claims()!.sub).toBe(userId);

    expect((await api(foyer.issuer, token, 'DELETE', `/groups/${group.body.id}/appRoleAssignments/${assignment.body.id}`)).status).toBe(204);
    const again = await startAuthorization(config);
    const refused = await browser.navigate(again.url.href, { stopAt: [WEB_APP.redirectUri] });
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([403, 'notAssignedToApp']);
  });

  it('does not gate Foyer’s own My Apps', async () => {
    const browser = new Browser();
    const start = await browser.navigate(`${foyer.issuer}/myapps`);
    const password = await browser.submit(start, { email: 'ursula@contoso.example' });
    const landed = await browser.submit(password, { email: 'ursula@contoso.example', password: PASSWORD });
    expect([landed.status, headingOf(landed.body)]).toEqual([200, 'My Apps']);
  });
});

describe('the interaction policy order', () => {
  it('puts the assignment gate right after login, before any other extra prompt (mfa) and consent', () => {
    const mfa = new interactionPolicy.Prompt({ name: 'mfa', requestable: false });
    const gate = new interactionPolicy.Prompt({ name: ASSIGNMENT_PROMPT, requestable: false });
    const policy = buildInteractionPolicy([{ prompt: mfa, after: 'login' }], [gate]);
    expect(policy.map((p) => p.name)).toEqual(['login', ASSIGNMENT_PROMPT, 'mfa', 'consent']);
  });
});
