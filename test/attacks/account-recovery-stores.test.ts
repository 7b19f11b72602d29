/**
 * The account-recovery attack and the admin's reset on the production storage: PostgreSQL for the
 * directory (the reset's transaction, MFA removal as a savepoint) and Redis for oidc-provider's
 * sessions and grants, which a reset must find through Foyer's per-account index and delete.
 */
import { expect, it } from 'vitest';
import { redeemLink } from '../portal/portal-helpers.js';
import { Browser } from '../support/browserless.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import {
  accountState,
  ALL_SCOPES,
  anyStillStored,
  APP_URL,
  liveStateOf,
  refresh,
  ssoAtWebApp,
  startRecoveryWorld,
} from './support/account-recovery-world.js';
import { later, useStarted } from '../support/world.js';

describeWithPostgres('account recovery on PostgreSQL', () => {
  describeWithRedis('with sessions in Redis', () => {
    const pg = freshPostgresSchema();
    const w = useStarted(() => startRecoveryWorld({ storage: { databaseUrl: pg.url, redisUrl: redisUrl()! }, victims: ['vic'] }));
    const vic = later(() => w.victims.vic, 'victim');

    const reset = (token: string, address: string) =>
      w.call(token, 'POST', '/invitations', { invitedUserEmailAddress: address, inviteRedirectUrl: APP_URL, sendInvitationMessage: true, resetRedemption: true, invitedUser: { id: vic.userId } });

    it('an invite-only app is refused and the sessions in Redis stay', async () => {
      const before = await accountState(w, vic.userId);
      expect(before.sessions).toBeGreaterThan(0);
      const res = await reset(w.apps.inviteOnly, 'mallory@partner.example');
      expect([res.status, (res.body.error as { code?: string }).code]).toEqual([403, 'accountRecoveryNotAllowed']);
      expect(await accountState(w, vic.userId)).toEqual(before);
    });

    it('an admin’s reset deletes every session and grant from Redis and every factor from PostgreSQL', async () => {
      const live = await refresh(w, vic.refreshToken);
      expect(live.sub).toBe(vic.userId);
      const stored = await liveStateOf(w, vic.userId);
      expect(stored.some((k) => k.startsWith('Session:')) && stored.some((k) => k.startsWith('Grant:'))).toBe(true);

      const res = await reset(await w.userToken('admin', ALL_SCOPES), 'vic.new@partner.example');
      expect(res.status).toBe(201);
      expect(await anyStillStored(w, stored)).toBe(false);
      expect(await refresh(w, live.refreshToken!)).toEqual({ error: 'invalid_grant' });
      expect(await ssoAtWebApp(w, vic.browser)).toEqual({ heading: 'Sign in' });
      expect(await accountState(w, vic.userId)).toMatchObject({ user: { mail: 'vic.new@partner.example', state: 'PendingAcceptance' }, identities: [], mfa: { totp: 0, codes: 0 } });

      const landed = await redeemLink(w.world, new Browser(), redeemUrlIn(latestOutboxMail(w.world.foyer)), 'vic.new', APP_URL);
      expect(landed.stoppedAt).toBe(APP_URL);
      expect(await accountState(w, vic.userId)).toMatchObject({ user: { state: 'Accepted' }, groups: [w.groupId], assignments: ['web-app'] });
    });
  });
});
