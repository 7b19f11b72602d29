/**
 * When the database or Redis is unreachable, oidc-provider calls must fail fast with a 503
 * `temporarily_unavailable`, never hang and never surface as a 500 "server_error".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import Provider from 'oidc-provider';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { connectRedis, describeRedisUrl, type Redis } from '../../src/db/redis.js';
import { createAdapterFactory, guardStorage, StorageUnavailableError } from '../../src/provider/adapters/index.js';
import { RedisAdapter } from '../../src/provider/adapters/redis-adapter.js';
import { tcpRelay } from '../support/tcp-relay.js';
import { describeWithRedis, freshRedisNamespace, redisUrl } from '../support/real-servers.js';

const CLOSED_PORT_PG = 'postgres://postgres:s3cret@127.0.0.1:1/test';

async function elapsed<T>(fn: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const start = Date.now();
  try {
    await fn();
    return { ms: Date.now() - start, error: undefined };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('SQL storage unavailable', () => {
  const db = connectDatabase(CLOSED_PORT_PG);
  afterAll(() => db.destroy());
  const adapter = createAdapterFactory({ db })('AuthorizationCode');

  it('rejects with StorageUnavailableError within a few seconds when PostgreSQL is unreachable', async () => {
    const { ms, error } = await elapsed(() => adapter.find('some-code'));
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(ms).toBeLessThan(6_000);
    expect(JSON.stringify(error)).not.toContain('s3cret');
    expect((error as Error).message).not.toContain('s3cret');
  }, 15_000);

  it('is rendered by oidc-provider as a 503 temporarily_unavailable JSON error', async () => {
    const provider = new Provider('http://127.0.0.1', {
      adapter: createAdapterFactory({ db }),
      clients: [{ client_id: 'app', client_secret: 'app-secret', redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_post' }],
    });
    const server = provider.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code', code: 'a-code', redirect_uri: 'http://127.0.0.1/cb',
          client_id: 'app', client_secret: 'app-secret', code_verifier: 'v'.repeat(43),
        }),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'storage is unavailable, try again shortly',
      });
    } finally {
      server.close();
    }
  }, 15_000);
});

describe('guardStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-busy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns SQLITE_BUSY into StorageUnavailableError', async () => {
    const file = join(dir, 'busy.db');
    const holder = new BetterSqlite3(file);
    const waiter = new BetterSqlite3(file, { timeout: 0 });
    try {
      holder.exec('create table t (x integer)');
      holder.exec('begin exclusive');
      const error = await guardStorage(async () => waiter.prepare('insert into t values (1)').run()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect((error as StorageUnavailableError).reason).toMatch(/^SQLITE_BUSY/);
    } finally {
      holder.close();
      waiter.close();
    }
  });

  it('lets other errors through unchanged', async () => {
    const db = new BetterSqlite3(':memory:');
    try {
      const original = await guardStorage(async () => db.prepare('select * from missing_table').all()).catch((e: unknown) => e);
      expect(original).not.toBeInstanceOf(StorageUnavailableError);
      expect((original as Error).message).toMatch(/no such table/);
    } finally {
      db.close();
    }
  });
});

describe('connectRedis', () => {
  it('rejects with an error naming the URL without its password when Redis never becomes ready', async () => {
    const { ms, error } = await elapsed(() => connectRedis('redis://:s3cret@127.0.0.1:1', { readyTimeoutMs: 1_000 }));
    expect((error as Error).message).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('s3cret');
    expect(ms).toBeLessThan(3_000);
  });

  it('describes URLs without their password', () => {
    expect(describeRedisUrl('redis://user:pw@cache.internal:6380/2')).toBe('redis://user:***@cache.internal:6380/2');
    expect(describeRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(describeRedisUrl('not a url :pw@')).not.toContain('pw');
  });
});

describeWithRedis('Redis storage unavailable', () => {
  const ns = freshRedisNamespace();

  it('rejects with StorageUnavailableError after the client disconnected', async () => {
    const client = await connectRedis(redisUrl()!);
    const adapter = new RedisAdapter(client, 'AccessToken', ns.prefix);
    await adapter.upsert('t1', { jti: 't1' }, 30);
    client.disconnect();
    const { ms, error } = await elapsed(() => adapter.find('t1'));
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(ms).toBeLessThan(2_000);
  });

  it('fails fast while Redis is gone and resumes by itself when it is back', async () => {
    const real = new URL(redisUrl()!);
    const proxy = await tcpRelay(real.hostname, Number(real.port || 6379));
    await proxy.start();
    const target = new URL(redisUrl()!);
    target.host = `127.0.0.1:${proxy.port}`;
    let client: Redis | undefined;
    try {
      client = await connectRedis(target.toString());
      const adapter = new RedisAdapter(client, 'AccessToken', ns.prefix);
      await adapter.upsert('t2', { jti: 't2' }, 30);

      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the client see the close
      for (const call of [async () => void (await adapter.find('t2')), () => adapter.upsert('t3', { jti: 't3' }, 30)]) {
        const { ms, error } = await elapsed(call);
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(ms).toBeLessThan(2_000);
      }

      await proxy.start(); // same port
      const deadline = Date.now() + 8_000;
      let found: unknown;
      while (Date.now() < deadline) {
        found = await adapter.find('t2').catch(() => undefined);
        if (found) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(found).toEqual({ jti: 't2' });
    } finally {
      client?.disconnect();
      await proxy.cut();
    }
  }, 20_000);
});
