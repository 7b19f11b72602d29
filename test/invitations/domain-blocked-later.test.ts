import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { DEMO_SECRET, startFoyer } from '../support/start-foyer.js';

const dir = mkdtempSync(join(tmpdir(), 'foyer-blocked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withInviter = (blocked: string[]) => (config: Record<string, unknown>) => {
  const apps = config.apps as Record<string, unknown>[];
  apps[0]!.launchUrl = 'http://127.0.0.1:9999/';
  apps.push({ id: 'portal-app', displayName: 'Portal', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All'] });
  config.invitations = { blockedDomains: blocked };
};

describe('a domain blocked after the invitation was sent', () => {
  it('cannot redeem the pending invitation, and the guest is told why', async () => {
    const databaseUrl = `sqlite:${join(dir, 'foyer.sqlite')}`;
    const before = await startFoyer(withInviter([]), { databaseUrl });
    const token = await appToken(before.issuer, 'portal-app');
    const created = await api(before.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'pat@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/' });
    expect(created.status).toBe(201);
    await before.foyer.close();

    const after = await startFoyer(withInviter(['partner.example']), { databaseUrl });
    try {
      const link = String(created.body.inviteRedeemUrl).replace(before.issuer, after.issuer);
      const page = await new Browser().navigate(link);
      expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'invitationDomainBlocked']);
      const row = await after.foyer.db('invitations').where({ id: created.body.id }).first();
      expect(row.status).toBe('PendingAcceptance');
      // Resending is refused too: nothing would let the blocked domain in.
      const resend = await api(after.issuer, await appToken(after.issuer, 'portal-app'), 'POST', `/invitations/${String(created.body.id)}/resend`);
      expect([resend.status, (resend.body.error as { code: string }).code]).toEqual([403, 'domainNotAllowed']);
    } finally {
      await after.stop();
    }
  });
});
