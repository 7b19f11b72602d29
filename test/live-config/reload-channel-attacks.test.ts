/**
 * The Redis channel nodes hear `foyer config reload` on, attacked by someone who can publish to
 * Redis but cannot read the database: unsigned, wrongly signed, old and replayed requests are
 * dropped (a log line and a metric; no reload, no audit, no answer). A signed burst costs one
 * reload, and reloading unchanged files leaves no audit event.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { connectRedis, type Redis } from '../../src/db/redis.js';
import { KeyStore } from '../../src/provider/keys/key-store.js';
import { reloadChannel, requestReload } from '../../src/live-config/reload-channel.js';
import { reloadRequestKey, signReloadRequest } from '../../src/live-config/reload-request-signature.js';
import { eventually } from '../faults/support/timed.js';
import { describeWithRedis, redisUrl } from '../support/real-servers.js';
import { daemonApp, useWorld } from '../support/world.js';

describeWithRedis('config reload requests over Redis', () => {
  const world = useWorld(() => ({ redisUrl: redisUrl() }));
  let publisher: Redis;
  let cookieKey: string;
  beforeAll(async () => {
    publisher = await connectRedis(redisUrl()!);
    cookieKey = (await new KeyStore(world.foyer.foyer.db).load('ES256')).cookieKeys[0]!;
  });
  afterAll(async () => {
    await publisher?.quit();
  });

  const channel = () => reloadChannel(world.issuer);
  const realKey = () => reloadRequestKey(cookieKey);
  const reloadAudits = async () => Number((await world.foyer.foyer.db('audit_log').whereIn('activity', ['config.reloaded', 'config.reloadRejected']).count({ n: '*' }))[0]!.n);
  const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${world.issuer}/metrics`)).text())?.[1] ?? 0);
  const refused = (reason: string) => metric(new RegExp(`foyer_config_reload_requests_refused_total\\{reason="${reason}"\\} (\\d+)`));
  const reloads = async () => (await metric(/foyer_config_reloads_total\{result="applied"\} (\d+)/)) + (await metric(/foyer_config_reloads_total\{result="unchanged"\} (\d+)/)) + (await metric(/foyer_config_reloads_total\{result="rejected"\} (\d+)/));
  const addApp = (id: string) => {
    const raw = parse(readFileSync(world.foyer.configFile, 'utf8')) as Record<string, unknown>;
    (raw.apps as unknown[]).push(daemonApp(id, []));
    writeFileSync(world.foyer.configFile, stringify(raw));
  };

  /** Publishes `message` with a listener on its reply channel; resolves with whatever answered once the node counted a refusal of `reason`. */
  async function attack(message: object, reason: string): Promise<void> {
    const listener = await connectRedis(redisUrl()!);
    const answers: string[] = [];
    try {
      listener.on('message', (_c: string, m: string) => answers.push(m));
      await listener.subscribe(`${channel()}:reply:${String((message as { id?: unknown }).id)}`);
      const auditsBefore = await reloadAudits();
      const reloadsBefore = await reloads();
      const refusedBefore = await refused(reason);
      const versionBefore = world.foyer.foyer.config.version;
      expect(await publisher.publish(channel(), JSON.stringify(message))).toBe(1);
      await eventually(async () => expect(await refused(reason)).toBe(refusedBefore + 1), 10_000);
      expect(await reloads()).toBe(reloadsBefore);
      expect(await reloadAudits()).toBe(auditsBefore);
      expect(world.foyer.foyer.config.version).toBe(versionBefore);
      expect(answers).toEqual([]);
    } finally {
      await listener.quit();
    }
  }

  it('drops an unsigned request, one signed with another key, an old one and a replayed one: no reload, no audit, no answer', async () => {
    addApp('pending-app'); // a change a reload would apply
    await attack({ id: randomUUID() }, 'unsigned');
    await attack(signReloadRequest(reloadRequestKey('not the deployment secret'), channel(), randomUUID(), Date.now()), 'badSignature');
    // Signed with the cookie secret itself rather than the derived subkey: not accepted either.
    await attack(signReloadRequest(Buffer.from(cookieKey), channel(), randomUUID(), Date.now()), 'badSignature');
    // Signed for another deployment's channel.
    await attack(signReloadRequest(realKey(), reloadChannel('https://other.example'), randomUUID(), Date.now()), 'badSignature');
    await attack(signReloadRequest(realKey(), channel(), randomUUID(), Date.now() - 5 * 60_000), 'stale');
    await attack({ ...signReloadRequest(realKey(), channel(), randomUUID(), Date.now()), id: randomUUID() }, 'badSignature');
    await attack({ id: '../../etc', sig: 'x' }, 'malformed');

    // A genuine request is heard (and applies the pending change) ...
    const id = randomUUID();
    const genuine = signReloadRequest(realKey(), channel(), id, Date.now());
    const replies = await connectRedis(redisUrl()!);
    try {
      const answered = new Promise<string>((resolve) => replies.on('message', (_c: string, m: string) => resolve(m)));
      await replies.subscribe(`${channel()}:reply:${id}`);
      await publisher.publish(channel(), JSON.stringify(genuine));
      expect(JSON.parse(await answered)).toMatchObject({ result: 'applied' });
    } finally {
      await replies.quit();
    }
    // ... and the same message published again is a replay.
    addApp('second-pending-app');
    await attack(genuine, 'replayed');
  });

  it('answers a burst of requests with one reload, and audits nothing when the files are unchanged', async () => {
    addApp('burst-app');
    const auditsBefore = await reloadAudits();
    const reloadsBefore = await reloads();
    // Five requests published in one write, each waiting for its own answer.
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const replies = await connectRedis(redisUrl()!);
    const answers = new Map<string, string>();
    try {
      const allAnswered = new Promise<void>((resolve) =>
        replies.on('message', (c: string, m: string) => {
          answers.set(c, m);
          if (answers.size === ids.length) resolve();
        }),
      );
      await replies.subscribe(...ids.map((id) => `${channel()}:reply:${id}`));
      const batch = publisher.pipeline();
      for (const id of ids) batch.publish(channel(), JSON.stringify(signReloadRequest(realKey(), channel(), id, Date.now())));
      await batch.exec();
      await allAnswered;
    } finally {
      await replies.quit();
    }
    const reports = [...answers.values()].map((m) => JSON.parse(m) as { result: string; version: string });
    expect(reports.map((r) => r.result)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(new Set(reports.map((r) => r.version)).size).toBe(1);
    expect(await reloads()).toBe(reloadsBefore + 1);
    expect(await reloadAudits()).toBe(auditsBefore + 1);

    // The same files again: answered, counted, logged, but no audit event.
    const again = await requestReload(redisUrl()!, world.issuer, 20_000, realKey());
    expect(again.reports).toEqual([expect.objectContaining({ result: 'unchanged' })]);
    expect(await reloads()).toBe(reloadsBefore + 2);
    expect(await reloadAudits()).toBe(auditsBefore + 1);
  });
});
