import { afterAll, describe, expect, it } from 'vitest';
import { createAdapterFactory } from '../../../src/provider/adapters/index.js';
import { connectDatabase } from '../../../src/db/connect.js';
import { describeWithRedis, freshRedisNamespace } from '../../support/real-servers.js';
import { runAdapterContract } from './adapter-contract.js';

describeWithRedis('Redis adapter', () => {
  const ns = freshRedisNamespace();
  // The factory must pick Redis whenever a client is given; this SQL handle is never connected.
  const unusedDb = connectDatabase('sqlite::memory:');
  afterAll(() => unusedDb.destroy());

  runAdapterContract('Redis adapter', () => createAdapterFactory({ db: unusedDb, redis: ns.redis, redisPrefix: ns.prefix }));

  describe('Redis key layout', () => {
    it('writes only under its prefix and gives every key a TTL when expiresIn is set', async () => {
      const factory = createAdapterFactory({ db: unusedDb, redis: ns.redis, redisPrefix: `${ns.prefix}layout:` });
      await factory('Session').upsert('s1', { jti: 's1', uid: 'u1', kind: 'Session' }, 30);
      await factory('AccessToken').upsert('t1', { jti: 't1', kind: 'AccessToken', grantId: 'g1' }, 30);
      const keys = (await ns.redis.keys(`${ns.prefix}layout:*`)).sort();
      expect(keys).toEqual(
        [`${ns.prefix}layout:AccessToken:t1`, `${ns.prefix}layout:Session:s1`, `${ns.prefix}layout:grant:g1`, `${ns.prefix}layout:uid:Session:u1`].sort(),
      );
      for (const key of keys) {
        const ttl = await ns.redis.pttl(key);
        expect(ttl, key).toBeGreaterThan(25_000);
        expect(ttl, key).toBeLessThanOrEqual(30_000);
      }
    });

    it('keeps a grant index alive as long as its longest token, even when tokens are saved concurrently', async () => {
      const factory = createAdapterFactory({ db: unusedDb, redis: ns.redis, redisPrefix: ns.prefix });
      // Refresh token first: with a TTL read outside the transaction (as in the upstream example),
      // the shorter access token's EXPIRE would land last and cut the index to 1 s.
      await Promise.all([
        factory('RefreshToken').upsert('rt', { jti: 'rt', kind: 'RefreshToken', grantId: 'race' }, 60),
        factory('AccessToken').upsert('at', { jti: 'at', kind: 'AccessToken', grantId: 'race' }, 1),
      ]);
      expect(await ns.redis.pttl(`${ns.prefix}grant:race`)).toBeGreaterThan(55_000);
    });
  });
});
