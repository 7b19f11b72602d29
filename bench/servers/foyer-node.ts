/**
 * A Foyer node for the bench, built by createFoyer from a real YAML config file (as `npm start`
 * would load it), listening on loopback. Commands from bench/run.ts provision guests and, for the
 * memory scenario, bulk-create sessions through the provider's own Session and Grant models.
 *
 * argv: --port N --partner ISSUER --database URL --dir DIR [--redis URL] [--log-level L]
 *       [--extra JSON] (merged into the config: the MFA policy) [--no-listen] (a seeding node)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { stringify } from 'yaml';
import { createFoyer } from '../../src/app.js';
import { purgeOldLogs } from '../../src/audit/log-retention.js';
import { systemClock } from '../../src/lib/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { failChild, memoryNow, serveChild } from '../lib/rpc.js';
import { foyerRawConfig, partnerSubject } from './bench-config.js';
import { logSizes, seedLogs } from './log-seeding.js';

const DAY = 86400;

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      partner: { type: 'string' },
      database: { type: 'string' },
      dir: { type: 'string' },
      redis: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      extra: { type: 'string' },
      'no-listen': { type: 'boolean', default: false },
      'cpu-by-route': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  const raw = foyerRawConfig({
    port,
    partnerIssuer: values.partner!,
    databaseUrl: values.database!,
    redisUrl: values.redis,
    outboxDir: join(values.dir!, 'outbox'),
    logLevel: values['log-level']!,
  });
  raw.limits = benchLimits();
  if (values.extra) Object.assign(raw, JSON.parse(values.extra) as Record<string, unknown>);
  const file = join(values.dir!, values['no-listen'] ? 'foyer-seeder.yaml' : 'foyer.yaml');
  writeFileSync(file, stringify(raw));
  const config = loadConfig(file, {});
  const foyer = await createFoyer(config);
  const { provider } = foyer;
  // CPU per request by route, from the moment the HTTP server hands the request over until its
  // response is finished (so Foyer's own routes count too: a middleware on the provider saw only
  // oidc-provider's). Exact only while one request at a time is in flight (the bench uses it with a
  // single virtual user).
  const byRoute = new Map<string, { n: number; cpuUs: number }>();
  // Switched on by the `cpuByRouteStart` command and off by `cpuByRoute`: getrusage() twice per
  // request is not free, and must not show in a CPU profile taken afterwards.
  let routeTiming = false;
  const listening = values['no-listen'] ? undefined : await foyer.listen(port, '127.0.0.1');
  if (values['cpu-by-route'] && listening) {
    listening.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!routeTiming) return;
      const before = process.cpuUsage();
      res.once('finish', () => {
        const used = process.cpuUsage(before);
        const path = (req.url ?? '').split('?')[0]!;
        const key = `${req.method} ${path.replace(/\/(interaction|auth)\/[^/]+/, '/$1/:uid')}`;
        const entry = byRoute.get(key) ?? { n: 0, cpuUs: 0 };
        entry.n++;
        entry.cpuUs += used.user + used.system;
        byRoute.set(key, entry);
      });
    });
  }
  // Statements by text, to count what one sign-in costs the database (the `queries` command).
  const statements = new Map<string, number>();
  foyer.db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    // oidc_payloads statements are told apart by model (the first binding).
    const key = q.sql.includes('oidc_payloads') && typeof q.bindings?.[0] === 'string' ? `${q.sql} [${q.bindings[0]}]` : q.sql;
    statements.set(key, (statements.get(key) ?? 0) + 1);
  });

  // Redis commands of Foyer's own client by name and key shape (the `redisCommands` command); a
  // MULTI … EXEC block is one entry (one round trip), named by the commands inside it.
  const commands = new Map<string, number>();
  const redis = foyer.redis;
  if (redis) {
    const send = redis.sendCommand.bind(redis);
    let block: string[] | undefined;
    redis.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
      const name = command.name.toUpperCase();
      const keyArg = name === 'EVAL' || name === 'EVALSHA' ? command.args[2] : command.args[0];
      const key = `${name} ${String(keyArg ?? '').replace(/^foyer-bench-[^:]*:/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}|[A-Za-z0-9_-]{21,}/g, '…')}`.trim();
      if (name === 'MULTI') block = [];
      else if (name === 'EXEC' && block) {
        const entry = `MULTI ${block.join(', ')} EXEC`;
        commands.set(entry, (commands.get(entry) ?? 0) + 1);
        block = undefined;
      } else if (block) block.push(key);
      else commands.set(key, (commands.get(key) ?? 0) + 1);
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof redis.sendCommand;
  }

  serveChild(
    { issuer: config.issuer },
    {
      memory: () => memoryNow(),
      /** SQL statements run since the last call, most frequent first (and resets the count). */
      queries: () => {
        const out = [...statements].sort((a, b) => b[1] - a[1]);
        statements.clear();
        return out;
      },
      /** Redis commands (MULTI blocks as one) since the last call, most frequent first (and resets the count). */
      redisCommands: () => {
        const out = [...commands].sort((a, b) => b[1] - a[1]);
        commands.clear();
        return out;
      },
      /** Guests who already redeemed: a user plus the identity linked at the partner (what redemption leaves behind). */
      async seedGuests(payload) {
        const { prefix, count, partnerIssuer } = payload as { prefix: string; count: number; partnerIssuer: string };
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const mail = `${prefix}${i}@partner.example`;
          const existing = await foyer.users.findByEmail(mail);
          const user = existing ?? (await foyer.users.create({ mail, userType: 'Guest', externalUserState: 'Accepted' }));
          if (!existing) await foyer.identities.link(user.id, { idpId: 'partner', issuer: partnerIssuer, subject: partnerSubject(mail), email: mail });
          ids.push(user.id);
        }
        return ids;
      },
      /**
       * Sessions as a federated sign-in to web-app leaves them (a Session with the client's sid and
       * grant, and the Grant), saved through the provider's models, `parallel` at a time.
       */
      async seedSessions(payload) {
        const { count, accountIds, parallel = 200 } = payload as { count: number; accountIds: string[]; parallel?: number };
        const started = Date.now();
        let next = 0;
        const sample: string[] = [];
        const worker = async () => {
          while (next < count) {
            const i = next++;
            const accountId = accountIds[i % accountIds.length]!;
            const grant = new provider.Grant({ accountId, clientId: 'web-app' });
            grant.addOIDCScope('openid email profile');
            const grantId = await grant.save();
            const session = new provider.Session();
            session.loginAccount({ accountId, amr: ['fed'], acr: 'urn:foyer:acr:federated' });
            session.ensureClientContainer('web-app');
            session.grantIdFor('web-app', grantId);
            await session.save(14 * DAY);
            if (i % Math.max(1, Math.floor(count / 200)) === 0) sample.push(session.jti);
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
        return { created: count, seconds: (Date.now() - started) / 1000, sampleSessionIds: sample };
      },
      /** Sign-in log and audit log rows, older than retention and fresh (the retention scenario). */
      seedLogs: (payload) => seedLogs(foyer.db, payload as Parameters<typeof seedLogs>[1]),
      /** Rows (all, and past retention) and bytes the two logs take. */
      logSizes: (payload) => logSizes(foyer.db, payload as Parameters<typeof logSizes>[1]),
      /** The retention job's purge, run now, with every batch's rows and duration. */
      async purgeLogs(payload) {
        const { batch } = payload as { batch?: number };
        const batches: { rows: number; ms: number }[] = [];
        const started = performance.now();
        const reclaimed: string[] = [];
        const purged = await purgeOldLogs(foyer.db, systemClock, config.lifecycle.retention, { ...(batch ? { batch } : {}), onBatch: (b) => batches.push(b), onReclaim: (t) => reclaimed.push(t) });
        return { ...purged, batches, reclaimed, seconds: (performance.now() - started) / 1000 };
      },
      /** Writes a V8 heap snapshot into `dir` (to see what a node holds; slow, and doubles the heap while it runs). */
      heapSnapshot: (payload) => writeHeapSnapshot(join((payload as { dir: string }).dir, `foyer-${process.pid}-${Date.now()}.heapsnapshot`)),
      /** Runs the deployment-wide jobs that are due (all of them on a new database), so none runs during a measurement. */
      runDueJobs: () => foyer.jobs.runDue(),
      /** Starts timing CPU per request by route (with --cpu-by-route). */
      cpuByRouteStart: () => {
        byRoute.clear();
        routeTiming = true;
        return true;
      },
      /** Stops timing; CPU ms per request by route since cpuByRouteStart. */
      cpuByRoute: () => {
        routeTiming = false;
        const out = [...byRoute].map(([route, e]) => ({ route, n: e.n, cpuMs: Math.round(e.cpuUs / e.n) / 1000 }));
        byRoute.clear();
        return out;
      },
      /** The cookie signing key, so the load client can present a bulk-created session's cookie. */
      cookieKey: () => (provider as unknown as { keys: string[] }).keys[0],
    },
    () => foyer.close(),
  );
}

/**
 * All the bench's load comes from 127.0.0.1, so per-IP and per-inviter request budgets are raised
 * far above what a run sends (they still run and count on every request).
 */
function benchLimits(): Record<string, number> {
  const high = 100_000_000;
  return {
    tokenRequestsPerIpPerMinute: high,
    signInPostsPerIpPerMinute: high,
    invitationsPerInviterPerHour: high,
    passwordAttemptsPerIp: high,
    authorizationRequestsPerIpPerMinute: high,
    upstreamCallbacksPerIpPerMinute: high,
    signInPagesPerIpPerMinute: high,
  };
}

main().catch(failChild);
