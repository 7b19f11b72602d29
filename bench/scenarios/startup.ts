/**
 * `startup`: how long a node takes from `node …` to answering, as `npm start` runs it (the bundle
 * `npm run build` makes, dist/src/main.js; no tsx), side by side with the bare oidc-provider (bench/servers/baseline-node.ts,
 * configured like Foyer, on the same storage), and how long `foyer --help` takes next to Node
 * starting with nothing to do.
 *
 * Foyer: `node dist/src/main.js` (built by scripts/bundle.mjs) with the bench's config file, timed until `GET /readyz`
 * answers 200 (database reachable, keys loaded). Baseline: the compiled baseline node, timed until its
 * discovery document answers 200. Both keep their database and signing keys between starts (the
 * first, warm-up start of each makes them), so every counted start is a restart of a deployed node.
 * Starts alternate (B F, F B, …) so that a burst of other work on the machine lands on both; the
 * figures are the median and the minimum of the counted starts.
 *
 * Foyer's entry turns Node's compile cache on (src/main.ts); each bench run gives it a new cache
 * folder, filled by the warm-up start. A third series runs Foyer with the cache off
 * (NODE_DISABLE_COMPILE_CACHE=1) to show what the cache is worth and what the lazy loading alone gives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Measure, Row } from '../lib/row.js';
import { BENCH_DIR } from '../lib/rpc.js';
import { foyerRawConfig } from '../servers/bench-config.js';

/** Start to ready at most this many times the bare provider's (issue 20). */
const TARGET_RATIO = 1.3;
/** `foyer --help`, whole process, at most this long (issue 20). */
const TARGET_HELP_MS = 500;

const PROJECT = join(BENCH_DIR, '..');
/** Where bench/tsconfig.build.json puts the compiled tree (run.ts compiles it first). */
const BUILD = join(PROJECT, 'data/bench-build');

interface Harness {
  log(message: string): void;
  freePort(): Promise<number>;
  /** Compiles src/ and bench/servers/ to data/bench-build (bench/tsconfig.build.json); false if nothing was emitted. */
  compile(): Promise<boolean>;
  /** Builds dist/ (scripts/bundle.mjs, `npm run build` without its typecheck), which `npm start` and bin/foyer.js run. */
  buildDist(): Promise<boolean>;
  dir: string;
  partnerIssuer: string;
  runs: number;
}

interface Timed {
  ms: number[];
  load1: number;
}

export async function startupRows(h: Harness): Promise<Row[]> {
  // The baseline runs compiled (data/bench-build); Foyer runs the bundle in dist/, as npm start does.
  if (!(await h.compile())) return [skipped('startup', 'start to ready', 'compiling to JavaScript failed')];
  if (!(await h.buildDist())) return [skipped('startup', 'start to ready', 'building dist/ (scripts/bundle.mjs) failed')];
  mkdirSync(h.dir, { recursive: true });
  const [foyerPort, basePort] = [await h.freePort(), await h.freePort()];
  const foyerConfig = join(h.dir, 'foyer.yaml');
  writeFileSync(
    foyerConfig,
    stringify({
      ...foyerRawConfig({ port: foyerPort, partnerIssuer: h.partnerIssuer, databaseUrl: `sqlite:${join(h.dir, 'foyer.sqlite')}`, outboxDir: join(h.dir, 'outbox'), logLevel: 'warn' }),
    }),
  );
  const foyerEnv = { FOYER_CONFIG: foyerConfig, PORT: String(foyerPort), NODE_COMPILE_CACHE: join(h.dir, 'compile-cache') };
  const foyer = () => timeToReady(process.execPath, [join(PROJECT, 'dist/src/main.js')], `http://127.0.0.1:${foyerPort}/readyz`, foyerEnv, false);
  const foyerNoCache = () =>
    timeToReady(process.execPath, [join(PROJECT, 'dist/src/main.js')], `http://127.0.0.1:${foyerPort}/readyz`, { ...foyerEnv, NODE_DISABLE_COMPILE_CACHE: '1' }, false);
  const baseline = () =>
    timeToReady(
      process.execPath,
      [join(BUILD, 'bench/servers/baseline-node.js'), '--port', String(basePort), '--storage', `sqlite:${join(h.dir, 'baseline.sqlite')}`, '--keys', join(h.dir, 'baseline-keys.json')],
      `http://127.0.0.1:${basePort}/.well-known/openid-configuration`,
      {},
      true,
    );

  h.log(`startup: start to ready, Foyer (the dist/ bundle, SQLite; compile cache on, and off) and the bare provider, 1 warm-up + ${h.runs} starts each, alternating`);
  await baseline();
  await foyer();
  await foyerNoCache();
  const [base, cached, uncached] = await alternate(h.runs, [baseline, foyer, foyerNoCache]);
  const rows: Row[] = [readyRow('startup', 'compile cache on, as shipped', { baseline: base!, foyer: cached! }), readyRow('startup-nocache', 'compile cache off', { baseline: base!, foyer: uncached! })];

  h.log('startup: `foyer --help` (bin/foyer.js, dist/ built above) and bare `node -e 0`');
  const help = () => timeToExit(process.execPath, [join(PROJECT, 'bin/foyer.js'), '--help']);
  const bareNode = () => timeToExit(process.execPath, ['-e', '0']);
  await help();
  await bareNode();
  const [bare, foyerHelp] = await alternate(h.runs, [bareNode, help]);
  rows.push(helpRow({ baseline: bare!, foyer: foyerHelp! }));
  return rows;
}

function readyRow(id: string, what: string, t: { baseline: Timed; foyer: Timed }): Row {
  const b = median(t.baseline.ms);
  const f = median(t.foyer.ms);
  const ratio = f / b;
  return {
    id,
    scenario: `start to ready, Foyer's ${what} (rate: starts/s = 1000 ÷ median ms; p50 / p99 columns: median / max ms)`,
    storage: 'sqlite',
    unit: 'starts/s',
    baseline: measure(t.baseline),
    foyer: measure(t.foyer),
    // A rate ratio: Foyer ≤ 1.3× the bare provider's time is ≥ 1/1.3 of its rate.
    target: Math.round((1 / TARGET_RATIO) * 100) / 100,
    note: `start to ready (${what}): Foyer median ${f.toFixed(0)} ms (min ${Math.min(...t.foyer.ms).toFixed(0)}), bare provider median ${b.toFixed(0)} ms (min ${Math.min(...t.baseline.ms).toFixed(0)}): ${ratio.toFixed(2)}× the bare provider's time, target ≤ ${TARGET_RATIO}× ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}; load1 ${t.foyer.load1}`,
  };
}

function helpRow(t: { baseline: Timed; foyer: Timed }): Row {
  const f = median(t.foyer.ms);
  return {
    id: 'startup-help',
    scenario: '`foyer --help`, whole process (baseline: bare `node -e 0`)',
    storage: '–',
    unit: 'runs/s',
    baseline: measure(t.baseline),
    foyer: measure(t.foyer),
    note: `foyer --help: median ${f.toFixed(0)} ms (min ${Math.min(...t.foyer.ms).toFixed(0)}), bare Node median ${median(t.baseline.ms).toFixed(0)} ms; target ≤ ${TARGET_HELP_MS} ms ${f <= TARGET_HELP_MS ? 'met' : 'NOT met'}; load1 ${t.foyer.load1}`,
  };
}

/** A B C, C B A, A B C …: each round meets the same moment of the machine, and no one always goes first. */
async function alternate(runs: number, contestants: (() => Promise<number>)[]): Promise<Timed[]> {
  const load1 = Math.round(os.loadavg()[0]! * 100) / 100;
  const out = contestants.map(() => ({ ms: [] as number[], load1 }));
  const order = contestants.map((_, i) => i);
  for (let round = 0; round < runs; round++) {
    for (const i of round % 2 === 0 ? order : [...order].reverse()) out[i]!.ms.push(await contestants[i]!());
  }
  return out;
}

function measure(t: Timed): Measure {
  const p50 = median(t.ms);
  return { rate: 1000 / p50, p50: Math.round(p50), p99: Math.round(Math.max(...t.ms)), ops: t.ms.length, errors: 0, load1: t.load1 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function skipped(id: string, scenario: string, why: string): Row {
  return { id, scenario, storage: 'sqlite', unit: 'ms', skipped: why };
}

/** Milliseconds from spawning the command to the first 200 from `url`; then stops the process and waits for it. */
async function timeToReady(command: string, args: string[], url: string, env: Record<string, string>, ipc: boolean): Promise<number> {
  const started = performance.now();
  // The baseline node is a bench child: it wants an IPC channel (and stops when it closes).
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', ...(ipc ? (['ipc'] as const) : [])], env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    for (;;) {
      if (gone) throw new Error(`${args[0]} exited before it was ready`);
      if (performance.now() - started > 60_000) throw new Error(`${args[0]} was not ready within 60 s`);
      if (await answers(url)) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await stopChild(child, exited);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

/** Milliseconds from spawning the command to its exit (output discarded); throws unless it exits 0. */
async function timeToExit(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return ms;
}
