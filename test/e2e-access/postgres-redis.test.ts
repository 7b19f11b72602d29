/**
 * The conditional access journey on the production storage: PostgreSQL (TOTP factors, recovery
 * codes, sign-in log, terms) and Redis (sessions, the session's sign-in facts, the MFA attempt
 * limit). Runs where TEST_DATABASE_URL and TEST_REDIS_URL are set (CI), skipped elsewhere.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../../src/db/redis.js';
import { Browser, parseForms, type Page } from '../support/browserless.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { appEntries, enrolTotp, finish, freshCode, is, lastUsedStep, PAGES, signInRows, start, STRICT, WEB, codeForStep, type Authorization } from './access-support.js';

const PASSWORD = 'correct horse battery staple';
const MFA_KEY = Buffer.alloc(32, 42).toString('base64');

/** A Redis database of its own: the suite flushes it (12 is test/faults/node-crash.test.ts's). */
const REDIS_DB = 7;

describeWithPostgres('conditional access and MFA', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    const REDIS = () => redisDatabaseUrl(redisUrl()!, REDIS_DB);
    let foyer: RunningFoyer;

    beforeAll(async () => {
      const redis = await connectRedis(REDIS());
      await redis.flushdb();
      await redis.quit();
      foyer = await startFoyer(
        (config) => {
          (config.apps as unknown[]).push(...appEntries([STRICT]));
          config.mfa = { encryptionKey: MFA_KEY, maxAttempts: 2 };
          config.conditionalAccess = [
            {
              id: 'password-mfa',
              displayName: 'Password sign-ins need MFA on the strict app',
              state: 'enabled',
              conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [STRICT.id] }, identityProviders: { includeIdentityProviders: ['local'] } },
              grantControls: { builtInControls: ['mfa'] },
            },
          ];
        },
        { databaseUrl: pg.url, redisUrl: REDIS() },
      );
      await foyer.createMember('rita@contoso.example', PASSWORD);
    }, 120_000);
    afterAll(async () => {
      await foyer?.stop();
      const redis = await connectRedis(REDIS());
      await redis.flushdb();
      await redis.quit();
    });

    async function password(auth: Authorization, page: Page = auth.page) {
      const form = parseForms(page.body)[0]!.action.endsWith('/identify') ? await auth.submit(page, { email: 'rita@contoso.example' }) : page;
      return auth.submit(form, { email: 'rita@contoso.example', password: PASSWORD });
    }

    it('SSO into the strict app finds the session’s IdP in Redis, enrols TOTP in PostgreSQL, refuses replays and locks out', async () => {
      const rita = (await foyer.foyer.users.findByEmail('rita@contoso.example'))!;
      const browser = new Browser();
      const web = await start(browser, foyer.issuer, WEB);
      expect((await finish(web, await password(web))).amr).toEqual(['pwd']);

      const strict = await start(browser, foyer.issuer, STRICT);
      expect(is(strict.page, PAGES.enrol)).toBe(true);
      const { secret, page } = await enrolTotp(strict, strict.page);
      expect((await finish(strict, page)).amr).toEqual(['pwd', 'otp', 'mfa']);
      const sealed = await foyer.foyer.db('mfa_totp').where({ user_id: rita.id }).first();
      expect(sealed.secret_sealed).not.toContain(secret);

      const again = await start(new Browser(), foyer.issuer, STRICT);
      const verify = await password(again);
      expect(is(verify, PAGES.verify)).toBe(true);
      const replay = await again.submit(verify, { code: await codeForStep(secret, await lastUsedStep(foyer, rita.id)) });
      expect(replay.status).toBe(400);
      const locked = await again.submit(replay, { code: '000000' === (await freshCode(foyer, rita.id, secret)) ? '111111' : '000000' });
      expect(locked.status).toBe(429);
      expect((await again.submit(locked, { code: await freshCode(foyer, rita.id, secret) })).status).toBe(429);

      const rows = await signInRows(foyer, { user_id: rita.id });
      expect(rows.map((r) => [r.app_id, r.result, r.error_code])).toEqual([
        [WEB.id, 'success', null],
        [STRICT.id, 'interrupted', 'mfaRequired'],
        [STRICT.id, 'success', null],
        [STRICT.id, 'interrupted', 'mfaRequired'],
        [STRICT.id, 'failure', 'mfaCodeReused'],
        [STRICT.id, 'failure', 'mfaLockedOut'],
        [STRICT.id, 'failure', 'mfaLockedOut'],
      ]);
      expect(rows[2]).toMatchObject({ identity_provider: 'local', is_interactive: true, mfa_method: 'totp' });
    });
  });
});
