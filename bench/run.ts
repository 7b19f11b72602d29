/**
 * `npm run bench [-- --quick] [-- --storage=sqlite|postgres|redis|postgres+redis[,…]]
 *   [-- --only=cc,jwks,refresh,guest,mfa,invite,password,memory,retention,guests,startup,profile] [-- --no-profile]`
 *
 * Starts everything on loopback (a partner IdP, Foyer, and a bare oidc-provider configured the
 * same way on the same storage: bench/lib/storage.ts; default SQLite, a comma list runs each), drives each scenario from a separate load process (autocannon for
 * single requests, bench/load/flows.ts for multi-step sign-ins), and prints Foyer next to the
 * baseline measured in the same run, with the ratio. Every loop is bounded in time or count and
 * everything it started is stopped at the end. Results go to bench/results/ (JSON and Markdown).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { BENCH_DIR, startChild, type ChildHandle, type MemoryNow } from './lib/rpc.js';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile.js';
import type { CannonJob, CannonResult } from './load/cannon.js';
import type { FlowJob, FlowResult } from './load/flows.js';
import type { Measure, Row } from './lib/row.js';
import { summarize } from './lib/stats.js';
import { summarizeHeapSnapshot } from './lib/heap-summary.js';
import { passwordRow } from './scenarios/password.js';
import { startupRows } from './scenarios/startup.js';
import { guestTableBench } from './load/guest-table.js';
import { BENCH_SECRET, MFA_APP_ID, mfaPolicy } from './servers/bench-config.js';
import { BenchStorage, benchDatabaseUrl, checkPostgres, parseStorages, showUrl, usesPostgres, usesRedis, type StorageKind } from './lib/storage.js';
import { retentionScenario, retentionText, type RetentionResult } from './scenarios/retention.js';

const SCENARIOS = ['cc', 'jwks', 'refresh', 'guest', 'mfa', 'invite', 'password', 'memory', 'retention', 'guests', 'startup', 'profile'] as const;
type ScenarioId = (typeof SCENARIOS)[number];

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    /** sqlite (default), postgres, redis, postgres+redis, or a comma list of them. */
    storage: { type: 'string', default: 'sqlite' },
    /** The flow client's HTTP client: fetch (default) or node (node:http, about 1 ms less CPU per request). */
    client: { type: 'string', default: 'fetch' },
  },
});
const transport = argv.client === 'node' ? 'node' : 'fetch';
if (argv.client !== 'node' && argv.client !== 'fetch') throw new Error('--client is fetch or node');
const quick = argv.quick!;
const only = new Set((argv.only?.split(',').map((s) => s.trim()) ?? SCENARIOS).filter(Boolean) as ScenarioId[]);
if (argv['no-profile']) only.delete('profile');
for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}"; choose from ${SCENARIOS.join(', ')}`);
const storages = (() => {
  try {
    return parseStorages(argv.storage);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(2);
  }
})();

const S = quick
  ? { startups: 5, rounds: 2, connections: 10, cannonWarmup: 1, cannonSeconds: 4, vus: 8, flowWarmupMs: 1000, flowMs: 5000, guests: 200, sessions: [10_000], realSignIns: 200, sweep: 300, mfaPool: 40 }
  : { startups: 9, rounds: 3, connections: 10, cannonWarmup: 2, cannonSeconds: 12, vus: 8, flowWarmupMs: 2000, flowMs: 12_000, guests: 500, sessions: [10_000, 100_000], realSignIns: 500, sweep: 1000, mfaPool: 120 };

// ---------------------------------------------------------------------------------------------
// Result rows

const rows: Row[] = [];
const notes: string[] = [];
const started = Date.now();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = join(BENCH_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });
const tmp = mkdtempSync(join(os.tmpdir(), 'foyer-bench-'));
const children: ChildHandle[] = [];

function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[${s}s] ${message}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

async function start<I = { issuer: string }>(name: string, file: string, args: string[], nodeArgs: string[] = []): Promise<ChildHandle<I>> {
  const child = await startChild<I>({ name, file, args, nodeArgs });
  children.push(child as ChildHandle);
  return child;
}

async function stop(child: ChildHandle | undefined): Promise<void> {
  if (!child) return;
  await child.stop();
  const i = children.indexOf(child);
  if (i !== -1) children.splice(i, 1);
}

type Server = ChildHandle<{ issuer: string }>;

interface FoyerStart {
  /** Run the compiled JavaScript (see compileFoyer) instead of the TypeScript sources. */
  compiled?: boolean;
  port: number;
  partner: string;
  /** Holds the config file and the mail outbox. */
  dir: string;
  database: string;
  redis?: string;
  extra?: Record<string, unknown>;
  nodeArgs?: string[];
  seeder?: boolean;
  extraArgs?: string[];
}

function startFoyer(o: FoyerStart): Promise<Server> {
  mkdirSync(o.dir, { recursive: true });
  const args = ['--port', String(o.port), '--partner', o.partner, '--database', o.database, '--dir', o.dir];
  if (o.redis) args.push('--redis', o.redis);
  if (o.extra) args.push('--extra', JSON.stringify(o.extra));
  if (o.seeder) args.push('--no-listen');
  if (o.extraArgs) args.push(...o.extraArgs);
  return start(o.seeder ? 'foyer seeder' : 'foyer', o.compiled ? COMPILED_FOYER_NODE : 'servers/foyer-node.ts', args, o.nodeArgs);
}

function startBaseline(port: number, storage: string): Promise<Server> {
  return start('baseline', 'servers/baseline-node.ts', ['--port', String(port), '--storage', storage, '--redis-prefix', 'bench:baseline:']);
}

async function cannon(job: CannonJob): Promise<CannonResult> {
  const child = await start<{ pid: number }>('autocannon', 'load/cannon.ts', []);
  try {
    return await child.call<CannonResult>('run', job);
  } finally {
    await stop(child as ChildHandle);
  }
}

async function flowClient(): Promise<{ run(job: FlowJob): Promise<FlowResult>; cpu(): Promise<number>; close(): Promise<void> }> {
  const child = await start<{ pid: number }>('flow client', 'load/flows.ts', []);
  return {
    run: (job) => child.call<FlowResult>('run', { transport, ...job }),
    cpu: async () => {
      const c = await child.call<{ user: number; system: number }>('cpu');
      return (c.user + c.system) / 1000;
    },
    close: () => stop(child as ChildHandle),
  };
}

async function flows(job: FlowJob): Promise<FlowResult> {
  job = { transport, ...job };
  const client = await flowClient();
  try {
    return await client.run(job);
  } finally {
    await client.close();
  }
}

/**
 * Server CPU (user+system, ms) used by `servers` while `fn` runs, and the SQL statements the
 * first of them ran.
 */
async function withCpu<T>(servers: Server[], fn: () => Promise<T>): Promise<{ result: T; cpuMs: number; cpuBy: Record<string, number>; statements: number; byStatement: [string, number][]; redis: [string, number][] }> {
  const cpu = async () => (await Promise.all(servers.map((s) => s.call<{ user: number; system: number }>('cpu')))).map((c) => c.user + c.system);
  const queries = () => servers[0]!.call<[string, number][]>('queries');
  // The baseline node does not count Redis commands: an empty list.
  const redis = () => (servers[0]!.name === 'foyer' ? servers[0]!.call<[string, number][]>('redisCommands') : Promise.resolve([] as [string, number][]));
  await queries();
  await redis();
  const before = await cpu();
  const result = await fn();
  const after = await cpu();
  const cpuBy: Record<string, number> = {};
  servers.forEach((s, i) => (cpuBy[s.name] = (after[i]! - before[i]!) / 1000));
  const byStatement = await queries();
  return { result, cpuMs: Object.values(cpuBy).reduce((a, b) => a + b, 0), cpuBy, statements: byStatement.reduce((a, [, n]) => a + n, 0), byStatement, redis: await redis() };
}

const load1 = () => Math.round(os.loadavg()[0]! * 100) / 100;

async function measureCannon(servers: Server[], job: CannonJob): Promise<Measure> {
  const l = load1();
  // CPU is counted over warm-up and measurement together, so it is divided by all requests made;
  // autocannon reports the measured window only, so this is an estimate (close: same rate).
  const { result, cpuMs, statements } = await withCpu(servers, () => cannon(job));
  const approxOps = result.requests * (1 + (job.warmupSec ?? 0) / job.durationSec);
  return {
    rate: result.rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ops: result.requests,
    errors: result.non2xx + result.errors,
    cpuMsPerOp: approxOps ? cpuMs / approxOps : undefined,
    sqlPerOp: approxOps ? Math.round((statements / approxOps) * 10) / 10 : undefined,
    load1: l,
    ...(result.samples.length ? { samples: result.samples } : {}),
  };
}

function flowMeasure(r: FlowResult, l: number, cpuMs?: number, opsForCpu?: number, statements?: number): Measure {
  return {
    rate: r.flowsPerSec,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ops: r.flows,
    errors: r.errors,
    requestsPerOp: Math.round(r.requestsPerFlow * 10) / 10,
    ...(cpuMs !== undefined && opsForCpu ? { cpuMsPerOp: cpuMs / opsForCpu } : {}),
    ...(statements !== undefined && opsForCpu ? { sqlPerOp: Math.round((statements / opsForCpu) * 10) / 10 } : {}),
    load1: l,
    ...(r.errorSamples.length ? { samples: r.errorSamples } : {}),
  };
}

interface SideSpec<J> {
  servers: Server[];
  job: J;
}

interface Totals {
  ops: number;
  seconds: number;
  errors: number;
  cpuMs: number;
  cpuBy: Record<string, number>;
  clientCpuMs: number;
  cpuOps: number;
  statements: number;
  requests: number;
  latencies: number[];
  /** autocannon gives percentiles per run only: these are pooled ops-weighted (an approximation). */
  p50Weighted: number;
  p99Weighted: number;
  samples: string[];
  load1: number[];
  /** SQL statements and Redis commands (MULTI blocks as one) by text, for flows. */
  byStatement: Map<string, number>;
  redis: Map<string, number>;
}

const emptyTotals = (): Totals => ({ ops: 0, seconds: 0, errors: 0, cpuMs: 0, cpuBy: {}, clientCpuMs: 0, cpuOps: 0, statements: 0, requests: 0, latencies: [], p50Weighted: 0, p99Weighted: 0, samples: [], load1: [], byStatement: new Map(), redis: new Map() });

/** Counts by text per operation, most frequent first (two decimals). */
function perOp(counts: Map<string, number>, ops: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / ops) * 100) / 100]);
}

function totalsToMeasure(t: Totals, flowsMode: boolean): Measure {
  const lat = flowsMode ? summarize(t.latencies) : { p50: t.ops ? t.p50Weighted / t.ops : 0, p99: t.ops ? t.p99Weighted / t.ops : 0 };
  return {
    rate: t.seconds ? t.ops / t.seconds : 0,
    p50: lat.p50,
    p99: lat.p99,
    ops: t.ops,
    errors: t.errors,
    ...(t.cpuOps ? { cpuMsPerOp: t.cpuMs / t.cpuOps, sqlPerOp: Math.round((t.statements / t.cpuOps) * 10) / 10 } : {}),
    ...(t.cpuOps && Object.keys(t.cpuBy).length > 1 ? { cpuMsPerOpBy: Object.fromEntries(Object.entries(t.cpuBy).map(([k, v]) => [k, Math.round((v / t.cpuOps) * 100) / 100])) } : {}),
    ...(t.cpuOps && t.clientCpuMs ? { clientCpuMsPerOp: Math.round((t.clientCpuMs / t.cpuOps) * 100) / 100 } : {}),
    ...(flowsMode && t.ops ? { requestsPerOp: Math.round((t.requests / t.ops) * 10) / 10 } : {}),
    ...(flowsMode && t.cpuOps && t.byStatement.size ? { sqlByStatement: perOp(t.byStatement, t.cpuOps) } : {}),
    ...(flowsMode && t.cpuOps && t.redis.size ? { redisPerOp: Math.round(([...t.redis.values()].reduce((a, b) => a + b, 0) / t.cpuOps) * 10) / 10, redisByCommand: perOp(t.redis, t.cpuOps) } : {}),
    load1: Math.round((t.load1.reduce((a, b) => a + b, 0) / Math.max(1, t.load1.length)) * 100) / 100,
    ...(t.samples.length ? { samples: t.samples.slice(0, 3) } : {}),
  };
}

/**
 * Baseline and Foyer measured in alternating segments (B F, F B, B F…) from one load process,
 * after a warm-up of each, so that a burst of other work on the machine lands on both sides
 * alike. Each side's figures pool its segments; CPU is read from the servers around each segment.
 */
async function compareCannon(base: SideSpec<CannonJob>, foyer: SideSpec<CannonJob>): Promise<{ baseline: Measure; foyer: Measure }> {
  const child = await start<{ pid: number }>('autocannon', 'load/cannon.ts', []);
  const totals = { baseline: emptyTotals(), foyer: emptyTotals() };
  const sides = { baseline: base, foyer };
  try {
    for (const side of [base, foyer]) if (S.cannonWarmup) await child.call<CannonResult>('run', { ...side.job, durationSec: S.cannonWarmup, warmupSec: 0 });
    for (let round = 0; round < S.rounds; round++) {
      for (const name of (round % 2 === 0 ? ['baseline', 'foyer'] : ['foyer', 'baseline']) as ('baseline' | 'foyer')[]) {
        const side = sides[name];
        const t = totals[name];
        t.load1.push(load1());
        const { result, cpuMs, cpuBy, statements } = await withCpu(side.servers, () => child.call<CannonResult>('run', { ...side.job, durationSec: S.cannonSeconds / S.rounds, warmupSec: 0 }));
        for (const [k, v] of Object.entries(cpuBy)) t.cpuBy[k] = (t.cpuBy[k] ?? 0) + v;
        t.ops += result.requests;
        t.seconds += result.seconds;
        t.errors += result.non2xx + result.errors;
        t.cpuMs += cpuMs;
        t.cpuOps += result.requests;
        t.statements += statements;
        t.p50Weighted += result.latency.p50 * result.requests;
        t.p99Weighted += result.latency.p99 * result.requests;
        t.samples.push(...result.samples);
      }
    }
  } finally {
    await stop(child as ChildHandle);
  }
  return { baseline: totalsToMeasure(totals.baseline, false), foyer: totalsToMeasure(totals.foyer, false) };
}

/** The same alternation for multi-step flows (bench/load/flows.ts). */
async function compareFlows(base: SideSpec<FlowJob>, foyer: SideSpec<FlowJob>): Promise<{ baseline: Measure; foyer: Measure }> {
  const client = await flowClient();
  const totals = { baseline: emptyTotals(), foyer: emptyTotals() };
  const sides = { baseline: base, foyer };
  try {
    for (const side of [base, foyer]) await client.run({ ...side.job, warmupMs: 0, durationMs: S.flowWarmupMs });
    for (let round = 0; round < S.rounds; round++) {
      for (const name of (round % 2 === 0 ? ['baseline', 'foyer'] : ['foyer', 'baseline']) as ('baseline' | 'foyer')[]) {
        const side = sides[name];
        const t = totals[name];
        t.load1.push(load1());
        const clientBefore = await client.cpu();
        const { result, cpuMs, cpuBy, statements, byStatement, redis } = await withCpu(side.servers, () => client.run({ ...side.job, warmupMs: 0, durationMs: S.flowMs / S.rounds }));
        for (const [k, n] of byStatement) t.byStatement.set(k, (t.byStatement.get(k) ?? 0) + n);
        for (const [k, n] of redis) t.redis.set(k, (t.redis.get(k) ?? 0) + n);
        t.clientCpuMs += (await client.cpu()) - clientBefore;
        for (const [k, v] of Object.entries(cpuBy)) t.cpuBy[k] = (t.cpuBy[k] ?? 0) + v;
        t.ops += result.flows;
        t.seconds += result.seconds;
        t.errors += result.errors;
        t.cpuMs += cpuMs;
        t.cpuOps += result.ended;
        t.statements += statements;
        t.requests += result.requests;
        t.latencies.push(...result.latencies);
        t.samples.push(...result.errorSamples);
      }
    }
  } finally {
    await client.close();
  }
  return { baseline: totalsToMeasure(totals.baseline, true), foyer: totalsToMeasure(totals.foyer, true) };
}

/** Relative to bench/: where bench/tsconfig.build.json puts the compiled foyer-node. */
const COMPILED_FOYER_NODE = '../data/bench-build/bench/servers/foyer-node.js';

/**
 * Compiles Foyer and the bench servers with tsc (incremental: seconds after the first time), so the
 * memory scenario measures a node as `npm start` runs it. tsc reports type errors but still emits;
 * what counts is that the output is there.
 */
async function compileFoyer(): Promise<boolean> {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', join(BENCH_DIR, 'tsconfig.build.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', resolve);
  });
  const ok = existsSync(join(BENCH_DIR, COMPILED_FOYER_NODE));
  if (code !== 0 && ok) notes.push('memory: tsc reported errors in the tree but emitted JavaScript; the compiled node was used');
  return ok;
}

/** dist/ as `npm run build` makes it, without the typecheck (scripts/bundle.mjs): what `npm start` and bin/foyer.js run. */
async function buildDist(): Promise<boolean> {
  const root = join(BENCH_DIR, '..');
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, [join(root, 'scripts/bundle.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }).once('exit', resolve));
  return code === 0 && existsSync(join(root, 'dist/src/main.js')) && existsSync(join(root, 'dist/src/cli/index.js'));
}

// ---------------------------------------------------------------------------------------------
// Redis

function benchRedisUrl(): string {
  const url = new URL(process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  // A database of its own (13 unless the URL names one), so the bench never touches other data.
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/13';
  return url.toString();
}

async function redisReachable(url: string): Promise<Redis | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    return undefined;
  }
}

/**
 * Every key this run's servers write starts with this prefix (ioredis' keyPrefix, passed in the
 * URL's query, which ioredis reads as options): Foyer's `foyer:…` keys and the baseline's
 * `bench:baseline:…` keys of two bench runs at once, or of a test run on the same database, never
 * meet, and the clean-up deletes this run's keys only.
 */
const RUN_KEY_PREFIX = `foyer-bench-${randomBytes(4).toString('hex')}:`;

function withRunPrefix(url: string): string {
  const u = new URL(url);
  u.searchParams.set('keyPrefix', RUN_KEY_PREFIX);
  return u.toString();
}

/** Deletes this run's keys only (RUN_KEY_PREFIX) from the bench database. */
async function cleanRedis(client: Redis): Promise<number> {
  let removed = 0;
  for (const match of [`${RUN_KEY_PREFIX}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await client.unlink(...keys);
    } while (cursor !== '0');
  }
  return removed;
}

async function redisUsedMb(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  return Math.round((used / 1024 / 1024) * 10) / 10;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface World {
  partner: Server;
  partnerPort: number;
  foyerPort: number;
  baselinePort: number;
  redisUrl?: string;
  redis?: Redis;
}

async function apiToken(issuer: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`portal-app:${BENCH_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${issuer}/v1.0` }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no API token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function refreshTokens(issuer: string, flow: FlowJob['flow'], count: number, guestPrefix: string, guestCount: number): Promise<string[]> {
  const r = await flows({ flow, issuer, vus: 4, durationMs: 120_000, maxFlows: count, guestPrefix, guestCount, keepRefreshTokens: true });
  if ((r.refreshTokens?.length ?? 0) < count) throw new Error(`could not seed refresh tokens from ${flow}: ${r.errorSamples.join(' | ')}`);
  return r.refreshTokens!;
}

async function refreshRow(storage: string, baseline: Server, foyer: Server): Promise<Row> {
  log(`refresh-token grants (${storage}): seeding refresh tokens with real sign-ins`);
  // Each segment can lose a token per connection (the request in flight when it stops).
  const need = S.connections * (2 * S.rounds + 4) + 20;
  const baseRts = await refreshTokens(baseline.info.issuer, 'baseline-code', need, 'g', S.guests);
  const foyerRts = await refreshTokens(foyer.info.issuer, 'foyer-guest', need, 'g', S.guests);
  const job = (issuer: string, rts: string[]): CannonJob => ({ kind: 'refresh', issuer, connections: S.connections, durationSec: S.cannonSeconds, refreshTokens: rts });
  log(`refresh-token grants (${storage}): baseline and Foyer, alternating`);
  const m = await compareCannon({ servers: [baseline], job: job(baseline.info.issuer, baseRts) }, { servers: [foyer], job: job(foyer.info.issuer, foyerRts) });
  return { id: `refresh-${storage}`, scenario: 'refresh-token grant, rotation', storage, unit: 'req/s', ...m, target: 0.9 };
}

async function guestRow(storage: string, baseline: Server, foyer: Server, partner: Server): Promise<Row> {
  const common = { vus: S.vus, guestPrefix: 'g', guestCount: S.guests };
  log(`sign-in (${storage}): bare authorization-code flow (in-process login) and Foyer's full guest sign-in, alternating`);
  const m = await compareFlows(
    { servers: [baseline], job: { ...common, flow: 'baseline-code', issuer: baseline.info.issuer } },
    { servers: [foyer, partner], job: { ...common, flow: 'foyer-guest', issuer: foyer.info.issuer } },
  );
  return {
    id: `guest-${storage}`,
    scenario: 'guest sign-in (full flow, no MFA)',
    storage,
    unit: 'sign-ins/s',
    ...m,
    target: 0.5, // issue 20
    note: 'baseline: bare authorization-code flow, in-process login; Foyer CPU/op includes the partner IdP',
  };
}

/** The side-by-side scenarios on one storage: both servers on it, Foyer with the same seeded guests. */
async function storagePhase(w: World, st: BenchStorage): Promise<void> {
  const needServers = (['cc', 'jwks', 'refresh', 'guest', 'invite', 'mfa'] as ScenarioId[]).some((s) => only.has(s));
  if (!needServers) return;
  const storage = st.kind;
  const dir = join(tmp, storage, 'main');
  if (w.redis && usesRedis(storage)) await cleanRedis(w.redis);
  const baseline = await startBaseline(w.baselinePort, await st.baselineStorage('main'));
  const foyer = await startFoyer({ port: w.foyerPort, partner: w.partner.info.issuer, dir, database: await st.databaseUrl('main'), redis: st.redisUrl });
  try {
    await foyer.call('seedGuests', { prefix: 'g', count: S.guests, partnerIssuer: w.partner.info.issuer });
    let guest: Row | undefined;
    if (only.has('cc')) {
      const job = (issuer: string): CannonJob => ({ kind: 'cc', issuer, connections: S.connections, durationSec: S.cannonSeconds });
      log('client-credentials grants: baseline and Foyer, alternating');
      const m = await compareCannon({ servers: [baseline], job: job(baseline.info.issuer) }, { servers: [foyer], job: job(foyer.info.issuer) });
      rows.push({ id: `cc-${storage}`, scenario: 'client-credentials grant, ES256 JWT access token (resource indicator)', storage, unit: 'req/s', ...m, target: 0.9, note: 'JWT access tokens are not stored: no storage on this path' });
    }
    if (only.has('jwks')) {
      for (const kind of ['jwks', 'discovery'] as const) {
        const job = (issuer: string): CannonJob => ({ kind, issuer, connections: S.connections, durationSec: S.cannonSeconds });
        log(`${kind === 'jwks' ? 'GET /jwks' : 'discovery'}: baseline and Foyer, alternating`);
        const m = await compareCannon({ servers: [baseline], job: job(baseline.info.issuer) }, { servers: [foyer], job: job(foyer.info.issuer) });
        const what = kind === 'jwks' ? 'GET /jwks (signing keys)' : 'GET /.well-known/openid-configuration';
        rows.push({ id: `${kind}-${storage}`, scenario: what, storage, unit: 'req/s', ...m, target: 0.9, note: 'unconditional GETs; no storage on this path' });
      }
    }
    if (only.has('refresh')) rows.push(await refreshRow(storage, baseline, foyer));
    if (only.has('guest') || only.has('mfa') || only.has('invite')) {
      guest = await guestRow(storage, baseline, foyer, w.partner);
      if (only.has('guest')) rows.push(guest);
    }
    if (only.has('invite')) {
      const token = await apiToken(foyer.info.issuer);
      log('invitations: creation through the API (Foyer only: the bare provider has no equivalent)');
      const inv = await measureCannon([foyer], { kind: 'invite', issuer: foyer.info.issuer, connections: S.connections, durationSec: S.cannonSeconds, warmupSec: S.cannonWarmup, apiToken: token });
      rows.push({ id: `invite-create-${storage}`, scenario: 'invitation creation (POST /v1.0/invitations, mail to outbox)', storage, unit: 'req/s', foyer: inv, note: 'no baseline: oidc-provider has no invitations' });
      log('invitations: redemption end to end');
      const l = load1();
      // CPU over the whole call (warm-up included) divided by every flow that ended in it.
      const redeemed = await withCpu([foyer, w.partner], () => flows({ flow: 'invite-redeem', issuer: foyer.info.issuer, vus: S.vus, warmupMs: S.flowWarmupMs, durationMs: S.flowMs, apiToken: token }));
      rows.push({
        id: `invite-redeem-${storage}`,
        scenario: 'invite + redeem end to end (API call, consent page, partner sign-in, redemption, back to the app)',
        storage,
        unit: 'redemptions/s',
        baseline: guest?.baseline,
        foyer: flowMeasure(redeemed.result, l, redeemed.cpuMs, redeemed.result.ended, redeemed.statements),
        note: 'ratio against the bare authorization-code flow (the closest thing a bare provider has)',
      });
    }
    await stop(foyer);
    if (only.has('mfa')) rows.push(await mfaRow(w, st, guest?.baseline));
  } finally {
    await stop(foyer);
    await stop(baseline);
    if (w.redis && usesRedis(storage)) await cleanRedis(w.redis);
  }
}

/**
 * The guest sign-in to an app under an MFA policy: first sign-in of each guest enrols TOTP (secret
 * read from the page, code from otplib), then each signs in again answering a TOTP prompt. Skipped,
 * with the reason, when this build of Foyer has no MFA policy or does not prompt.
 */
/**
 * The directory at 100,000 guests: the admin console's guest table (bench/load/guest-table.ts) and
 * the Graph lists /users, /invitations, /auditLogs/signIns (bench/load/directory-api.ts), first and
 * deep pages; target p99 ≤ 20 ms.
 */
async function guestsPhase(runs: BenchStorage[]): Promise<void> {
  if (!only.has('guests')) return;
  // The directory lives in SQL whatever holds the sessions: once on SQLite, once on PostgreSQL when a storage has it.
  const databases = new Map<'sqlite' | 'postgres', BenchStorage | undefined>();
  for (const st of runs) databases.set(usesPostgres(st.kind) ? 'postgres' : 'sqlite', databases.get(usesPostgres(st.kind) ? 'postgres' : 'sqlite') ?? st);
  for (const [database, st] of databases) await guestsOn(database, database === 'postgres' ? await st!.databaseUrl('guests') : undefined);
}

async function guestsOn(database: 'sqlite' | 'postgres', databaseUrl: string | undefined): Promise<void> {
  const guests = quick ? 20_000 : 100_000;
  const load1 = Number(os.loadavg()[0]!.toFixed(2));
  log(`guests on ${database}`);
  const { seedMs, cases, api } = await guestTableBench({ dir: tmp, databaseUrl, guests, iterations: quick ? 100 : 200, deepPages: 50, log });
  const loadAfter = Number(os.loadavg()[0]!.toFixed(2));
  notes.push(
    `guests-${database}: ${guests.toLocaleString('en')} guests and as many sign-in log rows seeded in ${(seedMs / 1000).toFixed(1)} s (batched INSERTs, one transaction); console cases loaded one at a time as the route loads it (page + capped count + row names), without HTTP; API cases fetched over loopback HTTP through the real routers; deep = the next link followed up to 50 pages; load average ${load1} → ${loadAfter}; target p99 ≤ 20 ms`,
  );
  const mark = (p99: number) => `p99 ${p99 <= 20 ? 'within' : 'OVER'} the 20 ms target`;
  for (const c of cases) {
    rows.push({ id: `${c.id}-${database}`, scenario: `guest table: ${c.what}`, storage: database, unit: 'page', foyer: { rate: 0, p50: c.p50, p99: c.p99, ops: c.ops, errors: 0, load1 }, note: `${c.rows} rows; count ${c.total > 1000 ? 'more than 1,000' : c.total}; CPU ${c.cpuMs} ms a page; ${mark(c.p99)}` });
  }
  for (const c of api) {
    rows.push({ id: `${c.id}-${database}`, scenario: `GET ${c.what}`, storage: database, unit: 'page', foyer: { rate: 0, p50: c.p50, p99: c.p99, ops: c.ops, errors: 0, load1 }, note: `${c.rows} rows; CPU ${c.cpuMs} ms a page (client + server); ${mark(c.p99)}` });
  }
}

async function mfaRow(w: World, st: BenchStorage, baselineMeasure: Measure | undefined): Promise<Row> {
  const base: Row = { id: `guest-mfa-${st.kind}`, scenario: 'guest sign-in with TOTP (app under an MFA policy)', storage: st.kind, unit: 'sign-ins/s' };
  const foyer = await startFoyer({ port: w.foyerPort, partner: w.partner.info.issuer, dir: join(tmp, st.kind, 'mfa'), database: await st.databaseUrl('mfa'), redis: st.redisUrl, extra: mfaPolicy() });
  try {
    await foyer.call('seedGuests', { prefix: 'm', count: S.mfaPool + 1, partnerIssuer: w.partner.info.issuer });
    const client = await flowClient();
    try {
      // One sign-in first: if the policy did not put an MFA step in the way, the rows would measure something else.
      const probeJob: FlowJob = { flow: 'foyer-guest', issuer: foyer.info.issuer, clientId: MFA_APP_ID, vus: 1, durationMs: 30_000, maxFlows: 1, guestPrefix: 'm', guestCount: 1, guestStart: S.mfaPool, mfa: true };
      const probe = await client.run(probeJob);
      if (probe.mfaPrompts === 0) {
        throw new Error(`the MFA policy did not put an MFA step in the guest's sign-in${probe.errors ? ` (error: ${probe.errorSamples[0]})` : ''}`);
      }
      log('MFA: enrolling TOTP for each guest (first sign-in)');
      const pass = { flow: 'foyer-guest' as const, issuer: foyer.info.issuer, clientId: MFA_APP_ID, vus: S.vus, durationMs: 120_000, maxFlows: S.mfaPool, guestPrefix: 'm', guestCount: S.mfaPool, guestOrder: 'sequential' as const, mfa: true };
      const l1 = load1();
      const enrol = await withCpu([foyer, w.partner], () => client.run(pass));
      log('MFA: sign-in answering the TOTP prompt');
      const l2 = load1();
      const verify = await withCpu([foyer, w.partner], () => client.run(pass));
      rows.push({ ...base, id: `guest-mfa-enrol-${st.kind}`, scenario: 'guest first sign-in with TOTP enrolment (app under an MFA policy)', baseline: baselineMeasure, foyer: flowMeasure(enrol.result, l1, enrol.cpuMs, enrol.result.ended, enrol.statements), note: `count-bounded (${S.mfaPool} guests)` });
      return { ...base, baseline: baselineMeasure, foyer: flowMeasure(verify.result, l2, verify.cpuMs, verify.result.ended, verify.statements), note: `count-bounded: each of ${S.mfaPool} enrolled guests once (a TOTP step cannot be replayed)` };
    } finally {
      await client.close();
    }
  } finally {
    await stop(foyer);
  }
}

/**
 * The memory scenario needs sessions in Redis: it runs on each storage of the run that has Redis,
 * or, when none has, on `redis` (SQLite + Redis) as long as Redis answers.
 */
async function memoryPhase(w: World, runs: BenchStorage[]): Promise<void> {
  if (!only.has('memory')) return;
  let targets = runs.filter((st) => usesRedis(st.kind));
  if (!targets.length) {
    if (!w.redis || !w.redisUrl) {
      const why = `Redis unreachable at ${showUrl(benchRedisUrl())} (set BENCH_REDIS_URL): the memory scenario needs sessions in Redis`;
      notes.push(why);
      rows.push({ id: 'memory', scenario: 'memory with sessions in Redis', storage: 'redis', unit: 'MB', skipped: why });
      return;
    }
    const extra = new BenchStorage('redis', tmp, withRunPrefix(w.redisUrl));
    notes.push('memory: ran on redis (SQLite + Redis), the run\'s storages having no Redis');
    targets = [extra];
  }
  for (const st of targets) await memoryScenario(w, st);
}

interface MemoryPoint {
  storage: StorageKind;
  sessions: number;
  rssMb: number;
  /** Linux: RSS of anonymous memory and of mapped files (mostly the node binary). */
  rssAnonMb?: number;
  rssFileMb?: number;
  /** V8's young generation as committed (empty after the GC, but resident). */
  newSpaceMb?: number;
  heapUsedMb: number;
  redisUsedMb: number;
  sweep?: { flows: number; errors: number; p50: number; p99: number; samples?: string[] };
}

const memoryPoints: MemoryPoint[] = [];
const memoryFlags: string[] = [];
const heapSummaries: ({ storage: StorageKind; sessions: number } & ReturnType<typeof summarizeHeapSnapshot>)[] = [];

/** The node flags `npm start` runs Foyer with (package.json), so the memory scenario runs it the same way. */
function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(BENCH_DIR, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.match(/--[\w-]+(=\S+)?/g) ?? [];
}
const retention: RetentionResult[] = [];

/** A storage the run needs does not answer: said in one line, without a stack. */
class UnreachableError extends Error {}
let memoryMethod = '';

async function memoryScenario(w: World, st: BenchStorage): Promise<void> {
  const redis = w.redis!;
  const dir = join(tmp, st.kind, 'memory');
  const database = await st.databaseUrl('memory');
  await cleanRedis(redis);
  log('memory: compiling Foyer to JavaScript (tsc, incremental) to measure it as npm start runs it');
  const compiled = await compileFoyer();
  if (!compiled) notes.push('memory: compiling failed, so the node ran through tsx, which adds about 45 MB of RSS');
  log(`memory (${st.kind}): a fresh Foyer node${compiled ? ' (compiled JavaScript)' : ' (tsx)'}, --expose-gc: figures are after a full GC`);
  const flags = startNodeFlags();
  if (!memoryFlags.includes(flags.join(' '))) memoryFlags.push(flags.join(' '));
  const node = await startFoyer({ compiled, port: w.foyerPort, partner: w.partner.info.issuer, dir, database, redis: st.redisUrl, nodeArgs: ['--expose-gc', ...flags] });
  let seeder: Server | undefined;
  try {
    const ids = await node.call<string[]>('seedGuests', { prefix: 'g', count: S.guests, partnerIssuer: w.partner.info.issuer });
    const point = async (sessions: number, sweep?: MemoryPoint['sweep']) => {
      const m = await node.call<MemoryNow>('memory');
      log(`memory (${st.kind}): RSS ${m.rssMb} MB = anonymous ${m.rssAnonMb ?? '?'} + files ${m.rssFileMb ?? '?'} (the node binary); V8 new space ${m.spaces.new_space?.physicalMb} MB, old space ${m.spaces.old_space?.physicalMb} MB`);
      const p = { storage: st.kind, sessions, rssMb: m.rssMb, rssAnonMb: m.rssAnonMb, rssFileMb: m.rssFileMb, newSpaceMb: m.spaces.new_space?.physicalMb, heapUsedMb: m.heapUsedMb, redisUsedMb: await redisUsedMb(redis), ...(sweep ? { sweep } : {}) };
      memoryPoints.push(p);
      log(`memory (${st.kind}): ${sessions} sessions → RSS ${p.rssMb} MB, heap ${p.heapUsedMb} MB, Redis ${p.redisUsedMb} MB`);
    };
    await point(0);
    log(`memory: ${S.realSignIns} real guest sign-ins (each leaves a session)`);
    const real = await flows({ flow: 'foyer-guest', issuer: node.info.issuer, vus: S.vus, durationMs: 300_000, maxFlows: S.realSignIns, guestPrefix: 'g', guestCount: S.guests });
    if (real.errors) notes.push(`memory: ${real.errors} of the real sign-ins failed: ${real.errorSamples[0]}`);
    let total = real.flows;
    await point(total);
    seeder = await startFoyer({ port: w.foyerPort, partner: w.partner.info.issuer, dir, database, redis: st.redisUrl, seeder: true });
    const cookieKey = await node.call<string>('cookieKey');
    for (const target of S.sessions) {
      const add = target - total;
      log(`memory: creating ${add} sessions through the provider's Session and Grant models (seeding node)`);
      const seeded = await seeder.call<{ seconds: number; sampleSessionIds: string[] }>('seedSessions', { count: add, accountIds: ids });
      total = target;
      log(`memory: created in ${seeded.seconds.toFixed(1)} s; silent sign-ins on ${S.sweep} stored sessions so the node really loads them`);
      const sweep = await flows({ flow: 'sso-sweep', issuer: node.info.issuer, vus: S.vus, durationMs: 120_000, maxFlows: S.sweep, cookieKey, sessionIds: seeded.sampleSessionIds });
      await point(total, { flows: sweep.flows, errors: sweep.errors, p50: sweep.latency.p50, p99: sweep.latency.p99, ...(sweep.errorSamples.length ? { samples: sweep.errorSamples } : {}) });
    }
    log(`memory (${st.kind}): heap snapshot of the measured node`);
    const file = await node.call<string>('heapSnapshot', { dir }, 300_000);
    heapSummaries.push({ storage: st.kind, sessions: total, ...summarizeHeapSnapshot(file, 8) });
    rmSync(file, { force: true });
    memoryMethod = `${real.flows} real guest sign-ins through the partner IdP on the measured node, then sessions created in bulk by a second, non-listening Foyer node (same config, same Redis) through its provider's Session and Grant models (a Session with web-app's sid and grantId, and the Grant: what a federated sign-in leaves); after each step the measured node answered ${S.sweep} silent sign-ins (prompt=none) presenting cookies of stored sessions (sampled across the bulk), then reported process.memoryUsage() after a full GC`;
  } finally {
    await stop(seeder);
    await stop(node);
    await cleanRedis(redis);
  }
}

let routeCpu: { flows: number; routes: { route: string; n: number; cpuMs: number }[] } | undefined;

function routeCpuText(): string {
  if (!routeCpu) return '';
  const lines = ['| step of the guest sign-in at Foyer | requests per sign-in | Foyer CPU ms per request |', '|---|--:|--:|'];
  let sum = 0;
  for (const r of routeCpu.routes) {
    const perFlow = r.n / routeCpu.flows;
    sum += perFlow * r.cpuMs;
    lines.push(`| ${r.route} | ${perFlow.toFixed(1)} | ${r.cpuMs.toFixed(2)} |`);
  }
  lines.push(`| all steps (from the server's request event to the response's finish; header parsing is outside) | | ${sum.toFixed(2)} per sign-in |`);
  return lines.join('\n');
}

async function profileScenario(w: World): Promise<ProfileSummary | undefined> {
  if (!only.has('profile')) return undefined;
  const dir = join(tmp, 'profile');
  const profDir = join(resultsDir, `profile-${stamp}`);
  mkdirSync(profDir, { recursive: true });
  log('profile: Foyer guest sign-in under node --cpu-prof (the slowest scenario)');
  const foyer = await startFoyer({ port: w.foyerPort, partner: w.partner.info.issuer, dir, database: `sqlite:${join(dir, 'foyer.sqlite')}`, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], extraArgs: ['--cpu-by-route'] });
  let fromUs: number | undefined;
  try {
    await foyer.call('seedGuests', { prefix: 'g', count: S.guests, partnerIssuer: w.partner.info.issuer });
    // Warm up (JIT, caches), then mark the clock: the summary covers the measured load only.
    await flows({ flow: 'foyer-guest', issuer: foyer.info.issuer, vus: S.vus, durationMs: S.flowWarmupMs, guestPrefix: 'g', guestCount: S.guests });
    // CPU per step, from sign-ins one at a time (the per-request figures are exact only without overlap).
    await foyer.call('cpuByRouteStart');
    const sequential = await flows({ flow: 'foyer-guest', issuer: foyer.info.issuer, vus: 1, durationMs: 60_000, maxFlows: quick ? 40 : 100, guestPrefix: 'g', guestCount: S.guests });
    routeCpu = { flows: sequential.ended, routes: await foyer.call<{ route: string; n: number; cpuMs: number }[]>('cpuByRoute') };
    fromUs = await foyer.call<number>('clockUs');
    await flows({ flow: 'foyer-guest', issuer: foyer.info.issuer, vus: S.vus, durationMs: S.flowMs, guestPrefix: 'g', guestCount: S.guests });
  } finally {
    await stop(foyer);
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    notes.push('profile: no .cpuprofile was written');
    return undefined;
  }
  const summary = summarizeProfile(join(profDir, file), { fromUs });
  writeFileSync(join(profDir, 'summary.txt'), formatProfile(summary));
  log(`profile: ${join(profDir, file)}`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Output

const fmt = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const lat = (m?: Measure) => (m ? `${fmt(m.p50, 1)} / ${fmt(m.p99, 1)}` : '–');
const ratioOf = (r: Row) => (r.baseline && r.foyer && r.baseline.rate ? r.foyer.rate / r.baseline.rate : undefined);
const verdict = (r: Row) => {
  const ratio = ratioOf(r);
  if (r.target === undefined || ratio === undefined) return '';
  return ratio >= r.target ? `≥${r.target}× met` : `≥${r.target}× NOT met`;
};

/** Foyer's SQL statements and Redis commands per operation of a flow, by text (issue 20's count). */
function statementsText(r: Row): string {
  const f = r.foyer!;
  // The statement's start, and oidc-provider's model (the key's ` [Model]` tail) however long the SQL.
  const short = (k: string) => {
    const model = / \[[A-Za-z]+\]$/.exec(k)?.[0] ?? '';
    return `${k.slice(0, k.length - model.length).replace(/\s+/g, ' ').slice(0, 110)}${model}`;
  };
  const sql = (f.sqlByStatement ?? []).map(([k, n]) => `    ${n.toFixed(2)}  ${short(k)}`);
  const redis = (f.redisByCommand ?? []).map(([k, n]) => `    ${n.toFixed(2)}  ${k.replace(/\s+/g, ' ').slice(0, 160)}`);
  return [`${r.id}: Foyer's SQL statements per operation (${fmt(f.sqlPerOp, 1)}) and Redis round trips (${fmt(f.redisPerOp, 1)}), by text:`, '```', ...sql, ...(redis.length ? ['  redis:', ...redis] : []), '```'].join('\n');
}

function markdownTable(): string {
  const head = '| scenario | storage | unit | baseline rate | Foyer rate | ratio | target | baseline p50 / p99 ms | Foyer p50 / p99 ms | server CPU ms/op base → Foyer | load-client CPU ms/op base → Foyer | SQL stmts/op base → Foyer | errors b/F | load1 |';
  const sep = '|---|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|';
  const lines = [head, sep];
  for (const r of rows) {
    if (r.skipped) {
      lines.push(`| ${r.scenario} | ${r.storage} | ${r.unit} | – | – | – | skipped | – | – | – | – | – | – | – |`);
      continue;
    }
    const ratio = ratioOf(r);
    const cpu = `${fmt(r.baseline?.cpuMsPerOp, 2)} → ${fmt(r.foyer?.cpuMsPerOp, 2)}`;
    const sql = `${fmt(r.baseline?.sqlPerOp, 1)} → ${fmt(r.foyer?.sqlPerOp, 1)}`;
    const client = r.baseline?.clientCpuMsPerOp || r.foyer?.clientCpuMsPerOp ? `${fmt(r.baseline?.clientCpuMsPerOp, 2)} → ${fmt(r.foyer?.clientCpuMsPerOp, 2)}` : '–';
    lines.push(
      `| ${r.scenario} | ${r.storage} | ${r.unit} | ${fmt(r.baseline?.rate, 1)} | ${fmt(r.foyer?.rate, 1)} | ${ratio === undefined ? '–' : `${ratio.toFixed(2)}×`} | ${verdict(r) || '–'} | ${lat(r.baseline)} | ${lat(r.foyer)} | ${cpu} | ${client} | ${sql} | ${r.baseline?.errors ?? '–'} / ${r.foyer?.errors ?? '–'} | ${r.foyer?.load1 ?? '–'} |`,
    );
  }
  return lines.join('\n');
}

function consoleTable(): string {
  const cols = ['scenario', 'storage', 'baseline/s', 'Foyer/s', 'ratio', 'target', 'base p50/p99', 'Foyer p50/p99', 'CPU ms/op b→F', 'err b/F'];
  const data = rows.map((r) =>
    r.skipped
      ? [r.id, r.storage, '–', '–', '–', 'skipped', '–', '–', '–', '–']
      : [
          r.id,
          r.storage,
          fmt(r.baseline?.rate, 1),
          fmt(r.foyer?.rate, 1),
          ratioOf(r) === undefined ? '–' : `${ratioOf(r)!.toFixed(2)}×`,
          verdict(r) || '–',
          lat(r.baseline),
          lat(r.foyer),
          `${fmt(r.baseline?.cpuMsPerOp, 2)}→${fmt(r.foyer?.cpuMsPerOp, 2)}`,
          `${r.baseline?.errors ?? '–'}/${r.foyer?.errors ?? '–'}`,
        ],
  );
  const widths = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...data.map(line)].join('\n');
}

const MEMORY_TARGET_MB = 160;

function memoryText(): string {
  if (!memoryPoints.length) return '';
  const lines = ['| storage | active sessions | node RSS MB | of which anonymous / files MB | V8 new space MB | node heap used MB | Redis used_memory MB |', '|---|--:|--:|--:|--:|--:|--:|'];
  for (const p of memoryPoints) lines.push(`| ${p.storage} | ${fmt(p.sessions)} | ${fmt(p.rssMb, 1)} | ${fmt(p.rssAnonMb, 1)} / ${fmt(p.rssFileMb, 1)} | ${fmt(p.newSpaceMb, 1)} | ${fmt(p.heapUsedMb, 1)} | ${fmt(p.redisUsedMb, 1)} |`);
  for (const storage of new Set(memoryPoints.map((p) => p.storage))) {
    const points = memoryPoints.filter((p) => p.storage === storage);
    const first = points.find((p) => p.sessions > 0);
    const last = points.at(-1)!;
    const n = first ? last.sessions - first.sessions : 0;
    if (first && n > 0) {
      lines.push(
        '',
        `${storage}: growth per session from ${fmt(first.sessions)} to ${fmt(last.sessions)}: node RSS ${fmt(((last.rssMb - first.rssMb) * 1024 * 1024) / n, 1)} bytes, node heap ${fmt(((last.heapUsedMb - first.heapUsedMb) * 1024 * 1024) / n, 1)} bytes, Redis ${fmt(((last.redisUsedMb - first.redisUsedMb) * 1024 * 1024) / n, 0)} bytes (Session + Grant + uid index).`,
        `${storage}: target < ${MEMORY_TARGET_MB} MB RSS with ${fmt(last.sessions)} sessions: ${last.rssMb < MEMORY_TARGET_MB ? 'met' : 'NOT met'} (${fmt(last.rssMb, 1)} MB).`,
      );
    }
    for (const p of points) if (p.sweep) lines.push(`${storage}: silent sign-ins on stored sessions at ${fmt(p.sessions)}: ${p.sweep.flows} ok, ${p.sweep.errors} failed, p50 ${p.sweep.p50} ms, p99 ${p.sweep.p99} ms${p.sweep.samples ? ` (${p.sweep.samples[0]})` : ''}.`);
  }
  for (const h of heapSummaries) {
    lines.push('', `${h.storage}: heap snapshot at ${fmt(h.sessions)} sessions, ${fmt(h.totalMb, 1)} MB: ${h.top.map((t) => `${t.what} ${fmt(t.mb, 1)} MB (${fmt(t.count)})`).join(', ')}.`);
  }
  lines.push('', `Method: ${memoryMethod}; node flags as npm start: ${memoryFlags.map((f) => f || '(none)').join(' | ')}.`);
  return lines.join('\n');
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpu: cpus[0]?.model,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const m = machine();
  log(`Foyer bench ${quick ? '(quick)' : '(full)'}: ${[...only].join(', ')} on storage ${storages.join(', ')}; ${m.cores} cores, ${m.cpu}, ${m.memoryGb} GB, Node ${m.node}; load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  const [partnerPort, foyerPort, baselinePort] = [await freePort(), await freePort(), await freePort()];
  const redisUrl = benchRedisUrl();
  const redis = await redisReachable(redisUrl);
  // A storage the run was asked for must answer: measuring something else would mislead.
  if (!redis && storages.some(usesRedis)) throw new UnreachableError(`Redis not reachable at ${showUrl(redisUrl)}; start it or set BENCH_REDIS_URL (--storage=${storages.join(',')})`);
  if (storages.some(usesPostgres)) await checkPostgres(benchDatabaseUrl()).catch((err: Error) => Promise.reject(new UnreachableError(err.message)));
  if (!redis) log(`Redis not reachable at ${showUrl(redisUrl)}: the memory scenario will be skipped`);
  const partner = await start('partner IdP', 'servers/partner-node.ts', [
    '--port', String(partnerPort),
    '--callback', `http://127.0.0.1:${foyerPort}/federation/partner/callback`,
    '--secret', (await import('./servers/bench-config.js')).PARTNER_SECRET,
  ]);
  const world: World = { partner, partnerPort, foyerPort, baselinePort, redisUrl: redis ? redisUrl : undefined, redis };
  let profile: ProfileSummary | undefined;
  const loadStart = os.loadavg();
  const runs = storages.map((kind) => new BenchStorage(kind, tmp, usesRedis(kind) ? withRunPrefix(redisUrl) : undefined));
  try {
    for (const st of runs) {
      log(`storage ${st.kind}`);
      await storagePhase(world, st);
    }
    if (only.has('password')) rows.push(await passwordRow({ start, stop, log, rounds: S.rounds, seconds: S.cannonSeconds / 2 }));
    if (only.has('startup')) rows.push(...(await startupRows({ log, freePort, compile: compileFoyer, buildDist, dir: join(tmp, 'startup'), partnerIssuer: partner.info.issuer, runs: S.startups })));
    await guestsPhase(runs);
    await memoryPhase(world, runs);
    if (only.has('retention')) {
      for (const st of runs) {
        const r = await retentionScenario({ st, partner: partner.info.issuer, foyerPort, quick, vus: S.vus, guests: S.guests, log, startFoyer, stop, flowClient, dir: join(tmp, st.kind, 'retention') });
        retention.push(r);
        rows.push(r.row);
        if (redis && usesRedis(st.kind)) await cleanRedis(redis);
      }
    }
    profile = await profileScenario(world);
  } finally {
    for (const c of [...children].reverse()) await c.stop().catch(() => {});
    for (const st of runs) await st.close().catch((err: unknown) => console.error(`could not drop the bench's PostgreSQL schemas: ${String(err)}`));
    if (redis) await cleanRedis(redis).catch(() => 0);
    redis?.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg();
  const seconds = (Date.now() - started) / 1000;
  const md = [
    `Run ${stamp} (${quick ? 'quick' : 'full'}) on storage ${storages.join(', ')}, ${seconds.toFixed(0)} s; ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, Node ${m.node}.`,
    `Load average (1/5/15 min) at start ${loadStart.map((n) => n.toFixed(2)).join(' / ')}, at end ${loadEnd.map((n) => n.toFixed(2)).join(' / ')}.`,
    '',
    markdownTable(),
    '',
    memoryText(),
    ...(retention.length ? ['', retentionText(retention)] : []),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    ...rows.filter((r) => r.skipped).map((r) => `- ${r.id}: ${r.skipped}`),
    ...rows.filter((r) => r.note && !r.skipped).map((r) => `- ${r.id}: ${r.note}`),
    ...rows.filter((r) => r.foyer?.cpuMsPerOpBy).map((r) => `- ${r.id}: Foyer-side server CPU per op by process: ${Object.entries(r.foyer!.cpuMsPerOpBy!).map(([k, v]) => `${k} ${v} ms`).join(', ')}`),
    `- load client: ${transport === 'node' ? 'node:http with a keep-alive agent (--client=node)' : "Node's fetch (default; --client=node for node:http)"}`,
    ...rows.filter((r) => r.foyer?.sqlByStatement || r.foyer?.redisByCommand).flatMap((r) => ['', statementsText(r)]),
    ...(routeCpu ? ['', routeCpuText()] : []),
    ...(profile ? ['', '```', formatProfile(profile), '```'] : []),
  ].join('\n');
  writeFileSync(join(resultsDir, `run-${stamp}.md`), `${md}\n`);
  writeFileSync(join(resultsDir, `run-${stamp}.json`), JSON.stringify({ stamp, quick, storages, machine: m, loadStart, loadEnd, seconds, rows, memory: memoryPoints, memoryMethod, retention, notes, profile }, null, 2));
  console.log(`\n${consoleTable()}\n`);
  const mem = memoryText();
  if (mem) console.log(`${mem}\n`);
  if (retention.length) console.log(`${retentionText(retention)}\n`);
  for (const r of rows) {
    if (r.skipped) console.log(`skipped ${r.id}: ${r.skipped}`);
    for (const [who, meas] of [['baseline', r.baseline], ['Foyer', r.foyer]] as const) {
      if (meas?.samples?.length) console.log(`${r.id} ${who} errors, e.g.: ${meas.samples[0]}`);
    }
  }
  for (const n of notes) console.log(n);
  if (routeCpu) console.log(`\n${routeCpuText()}`);
  if (profile) console.log(`\nprofile of the Foyer guest sign-in:\n${formatProfile(profile)}\n`);
  console.log(`results: bench/results/run-${stamp}.md (and .json); ${seconds.toFixed(0)} s in all`);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof UnreachableError ? `bench: ${err.message}` : err);
  for (const c of [...children].reverse()) await c.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
