/**
 * A reset is one transaction: when the new invitation cannot be mailed (a real SMTP client meeting
 * a port where no server listens), the address change, the removed identities and MFA factors and
 * the superseded invitations are all rolled back, the sessions are left alone, and the admin gets
 * 502 mailDeliveryFailed. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (where the MFA
 * removal runs as a savepoint inside the reset's transaction).
 */
import { describe, expect, it } from 'vitest';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';
import { freePort } from '../support/start-foyer.js';
import { accountState, ALL_SCOPES, APP_URL, refresh, ssoAtWebApp, startRecoveryWorld } from './support/account-recovery-world.js';
import { later, useStarted } from '../support/world.js';

describe('a reset whose mail is refused, on SQLite', () => suite(() => undefined));

describeWithPostgres('a reset whose mail is refused, on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});

function suite(storage: () => { databaseUrl: string } | undefined) {
  const w = useStarted(async () => {
    const deadSmtp = { from: 'Contoso Test <invites@contoso.example>', smtp: { host: '127.0.0.1', port: await freePort() } };
    return startRecoveryWorld({ storage: storage(), mail: deadSmtp, victims: ['vic'] });
  });
  const vic = later(() => w.victims.vic, 'victim');

  it('changes nothing: address, identities, MFA, invitations, sessions and refresh token all stay', async () => {
    const before = await accountState(w, vic.userId);
    expect(before).toMatchObject({ identities: [expect.anything()], mfa: { totp: 1, codes: 10 } });
    expect(before.sessions).toBeGreaterThan(0);
    const admin = await w.userToken('admin', ALL_SCOPES);
    const res = await w.call(admin, 'POST', '/invitations', {
      invitedUserEmailAddress: 'vic.new@partner.example',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: true,
      resetRedemption: true,
      invitedUser: { id: vic.userId },
    });
    expect([res.status, (res.body.error as { code?: string }).code]).toEqual([502, 'mailDeliveryFailed']);
    expect(await accountState(w, vic.userId)).toEqual(before);
    expect(await w.db('users').where({ mail_normalized: 'vic.new@partner.example' })).toHaveLength(0);
    const live = await refresh(w, vic.refreshToken);
    expect(live.sub).toBe(vic.userId);
    expect((await ssoAtWebApp(w, vic.browser)).sub).toBe(vic.userId);
  });
}
