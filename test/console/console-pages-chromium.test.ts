/**
 * Each page of the console's groups, apps, sign-in log, audit log, what-if and configuration
 * sections in a real Chromium at desktop (1280px) and phone (390px) width: one h1, every control
 * labelled and reachable with Tab with visible focus, no horizontal scroll; and a group managed
 * with the keyboard alone, removals going through their confirmation page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, launchChromium, newContext } from '../support/chromium.js';
import { DESKTOP_WIDTH, expectUsablePage, PHONE_WIDTH } from '../support/page-checks.js';
import { api, appToken } from '../support/api-client.js';
import { daemonApp, PASSWORD, startWorld, type World } from '../support/world.js';

const ADMIN = 'admin@contoso.example';
const MEMBER = 'mia@contoso.example';
const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';

describeInChromium('the console sections in Chromium', () => {
  let world: World;
  let browser: Browser;
  let groupId = '';

  beforeAll(async () => {
    world = await startWorld({
      foyerHost: 'localhost',
      oidc: true,
      apps: [daemonApp('admin-app', ['Group.ReadWrite.All', 'User.Read.All'], 'Admin tool')],
      members: [{ email: ADMIN, admin: true, name: 'Ada Admin' }, { email: MEMBER, name: 'Mia Member' }],
      customize: (config) => {
        (config.apps as Record<string, unknown>[])[0]!.appRoles = [{ id: APPROVER, value: 'approver', displayName: 'Approver' }];
        config.conditionalAccess = [
          { id: 'guests-mfa', displayName: 'Guests need MFA', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } },
        ];
        config.partners = [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['partner.example'] }];
      },
    });
    browser = await launchChromium();
    const token = await appToken(world.issuer, 'admin-app');
    const created = await api(world.issuer, token, 'POST', '/groups', { displayName: 'Sales with a rather long name to test wrapping on phones', description: 'Everyone in sales' });
    groupId = String(created.body.id);
    expect((await api(world.issuer, token, 'POST', `/groups/${groupId}/members/$ref`, { '@odata.id': `${world.issuer}/v1.0/users/${world.members[MEMBER]}` })).status).toBe(204);
    expect((await api(world.issuer, token, 'POST', `/groups/${groupId}/appRoleAssignments`, { principalId: groupId, resourceId: 'web-app', appRoleId: APPROVER })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function signedIn(page: Page): Promise<void> {
    await page.goto(`${world.issuer}/myapps`);
    await page.getByLabel('Email address').fill(ADMIN);
    await page.keyboard.press('Enter');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${world.issuer}/myapps`);
  }

  for (const [name, viewport] of [['desktop', DESKTOP_WIDTH], ['phone', PHONE_WIDTH]] as const) {
    it(`every page is usable with the keyboard at ${name} width`, async (ctx) => {
      const page = await (await newContext(browser, ctx, viewport)).newPage();
      await signedIn(page);
      const signInId = await world.foyer.foyer.db('sign_ins').orderBy('created_at', 'desc').first('id');
      const paths = [
        '/groups',
        `/groups/${groupId}`,
        '/apps',
        '/apps/web-app',
        '/sign-ins',
        `/sign-ins/${String(signInId.id)}`,
        '/audit',
        '/what-if',
        `/what-if?user=${encodeURIComponent(MEMBER)}&app=web-app&ip=203.0.113.9`,
        '/config',
        '/config/identity-providers',
        '/config/partners',
        '/config/policies',
        '/config/mail',
      ];
      for (const path of paths) {
        const res = await page.goto(`${world.issuer}/myapps/admin${path}`);
        expect([path, res?.status()]).toEqual([path, 200]);
        await expectUsablePage(page, `${path} at ${name}`);
      }
      // The confirmation page a removal shows first.
      await page.goto(`${world.issuer}/myapps/admin/groups/${groupId}`);
      await page.getByRole('button', { name: `Remove member ${MEMBER}` }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/remove$/);
      expect(await page.locator('h1').textContent()).toBe(`Remove ${MEMBER}?`);
      await expectUsablePage(page, `confirmation at ${name}`);
      expect(await world.foyer.foyer.db('group_members').where({ group_id: groupId })).toHaveLength(1);
    });
  }

  it('an admin manages a group with the keyboard alone', async (ctx) => {
    const page = await (await newContext(browser, ctx, PHONE_WIDTH)).newPage();
    await signedIn(page);
    await page.goto(`${world.issuer}/myapps/admin/groups`);
    await page.getByLabel('Name', { exact: true }).fill('Keyboard crew');
    await page.getByLabel('Name', { exact: true }).press('Enter');
    await page.waitForURL(/notice=created/);
    expect(await page.getByRole('status').textContent()).toContain('Group Keyboard crew created.');

    await page.getByLabel('Add member by email address').fill(MEMBER);
    await page.getByLabel('Add member by email address').press('Enter');
    await page.waitForURL(/\?done=/);
    expect(await page.getByRole('status').textContent()).toContain(`${MEMBER} is now a member of Keyboard crew.`);

    await page.getByRole('button', { name: `Remove member ${MEMBER}` }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/remove$/);
    await page.getByRole('button', { name: 'Remove member' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?done=/);
    expect(await page.getByRole('status').textContent()).toContain(`${MEMBER} is no longer a member of Keyboard crew.`);
    const group = await world.foyer.foyer.db('groups').where({ display_name: 'Keyboard crew' }).first();
    expect(await world.foyer.foyer.db('group_members').where({ group_id: group.id })).toEqual([]);
  });
  // Fourteen pages Tabbed through at each width: generous on a shared machine (a timeout fails with screenshots, it is no wait).
}, { timeout: 180_000 });
