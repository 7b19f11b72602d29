/**
 * Retention (lifecycle.retention, src/audit/log-retention.ts): the sign-in log and the audit log
 * are filled with rows older than retention and fresh ones, then the purge runs while guests keep
 * signing in (each sign-in writes fresh rows to both logs). Reported: rows per batch and batch
 * duration, guest sign-in latency during the purge against the same node without one, and the
 * logs' rows and bytes after each fill + purge cycle (bounded: a second cycle reuses the space).
 */
import os from 'node:os';
import type { FlowJob, FlowResult } from '../load/flows.js';
import type { ChildHandle } from '../lib/rpc.js';
import type { Measure, Row } from '../lib/row.js';
import { summarize } from '../lib/stats.js';
import type { BenchStorage, StorageKind } from '../lib/storage.js';
import type { LogSizes } from '../servers/log-seeding.js';

type Server = ChildHandle<{ issuer: string }>;

export interface RetentionContext {
  st: BenchStorage;
  partner: string;
  foyerPort: number;
  quick: boolean;
  vus: number;
  guests: number;
  dir: string;
  log(message: string): void;
  startFoyer(o: { port: number; partner: string; dir: string; database: string; redis?: string; extra?: Record<string, unknown> }): Promise<Server>;
  stop(child: ChildHandle | undefined): Promise<void>;
  flowClient(): Promise<{ run(job: FlowJob): Promise<FlowResult>; close(): Promise<void> }>;
}

export interface RetentionCycle {
  seeded: { signIns: number; audit: number; seconds: number };
  before: LogSizes;
  after: LogSizes;
  purged: { signIns: number; audit: number };
  batches: number;
  maxRowsPerBatch: number;
  batchMs: { p50: number; p99: number; max: number };
  purgeSeconds: number;
  /** Tables vacuumed right after the purge (PostgreSQL, a large share purged). */
  reclaimed: string[];
}

export interface RetentionResult {
  storage: StorageKind;
  batchSize: number;
  cycles: RetentionCycle[];
  row: Row;
}

const SIGN_IN_DAYS = 7;
const AUDIT_DAYS = 30;
/** purgeOldLogs' own batch size (src/audit/log-retention.ts). */
const BATCH = 500;
/** Sign-in segments while the purge runs: short, so the last one ends soon after the purge. */
const SEGMENT_MS = 1500;
/** However slow the purge, the stream stops after this (the purge is awaited anyway). */
const MAX_STREAM_MS = 60_000;

export async function retentionScenario(c: RetentionContext): Promise<RetentionResult> {
  const sizes = c.quick ? { signIns: 20_000, audit: 10_000 } : { signIns: 100_000, audit: 50_000 };
  const cycles = 2;
  const storage = c.st.kind;
  const node = await c.startFoyer({
    port: c.foyerPort,
    partner: c.partner,
    dir: c.dir,
    database: await c.st.databaseUrl('retention'),
    redis: c.st.redisUrl,
    // A day between job runs: after the first (runDueJobs below), only the scenario's own purge runs.
    extra: { lifecycle: { jobIntervalMinutes: 1440, retention: { signInDays: SIGN_IN_DAYS, directoryAuditDays: AUDIT_DAYS } } },
  });
  const client = await c.flowClient();
  const job: FlowJob = { flow: 'foyer-guest', issuer: node.info.issuer, vus: c.vus, guestPrefix: 'g', guestCount: c.guests };
  const retention = { signInDays: SIGN_IN_DAYS, auditDays: AUDIT_DAYS };
  const during: FlowResult[] = [];
  const without: FlowResult[] = [];
  const result: RetentionCycle[] = [];
  try {
    await node.call('runDueJobs', {}, 120_000);
    await node.call('seedGuests', { prefix: 'g', count: c.guests, partnerIssuer: c.partner });
    await client.run({ ...job, durationMs: 2000 }); // warm-up
    for (let cycle = 1; cycle <= cycles; cycle++) {
      c.log(`retention (${storage}), cycle ${cycle}/${cycles}: ${sizes.signIns.toLocaleString('en')} sign-ins and ${sizes.audit.toLocaleString('en')} audit entries past retention, a tenth as many fresh`);
      const seeded = await node.call<{ seconds: number }>(
        'seedLogs',
        { signIns: { old: sizes.signIns, fresh: sizes.signIns / 10, retentionDays: SIGN_IN_DAYS }, audit: { old: sizes.audit, fresh: sizes.audit / 10, retentionDays: AUDIT_DAYS } },
        600_000,
      );
      const before = await node.call<LogSizes>('logSizes', retention);
      c.log(`retention (${storage}): purging in batches of ${BATCH} while guests sign in`);
      let done = false;
      const purge = node.call<{ signIns: number; audit: number; batches: { rows: number; ms: number }[]; reclaimed: string[]; seconds: number }>('purgeLogs', {}, 600_000).finally(() => (done = true));
      const streamStarted = Date.now();
      while (!done && Date.now() - streamStarted < MAX_STREAM_MS) during.push(await client.run({ ...job, durationMs: SEGMENT_MS }));
      const purged = await purge;
      const after = await node.call<LogSizes>('logSizes', retention);
      const ms = summarize(purged.batches.map((b) => b.ms));
      result.push({
        seeded: { signIns: sizes.signIns * 1.1, audit: sizes.audit * 1.1, seconds: seeded.seconds },
        before,
        after,
        purged: { signIns: purged.signIns, audit: purged.audit },
        batches: purged.batches.length,
        maxRowsPerBatch: Math.max(0, ...purged.batches.map((b) => b.rows)),
        batchMs: { p50: ms.p50, p99: ms.p99, max: ms.max },
        purgeSeconds: purged.seconds,
        reclaimed: purged.reclaimed,
      });
      c.log(`retention (${storage}): purged ${purged.signIns} + ${purged.audit} in ${purged.batches.length} batches, ${purged.seconds.toFixed(1)} s; batch p99 ${ms.p99} ms; ${(after.bytes / 1048576).toFixed(1)} MB after`);
    }
    // The same number of segments with nothing to purge (the logs hold only fresh rows now).
    c.log(`retention (${storage}): the same sign-in stream without a purge`);
    for (let i = 0; i < Math.max(2, during.length / cycles); i++) without.push(await client.run({ ...job, durationMs: SEGMENT_MS }));
  } finally {
    await client.close();
    await c.stop(node as ChildHandle);
  }
  return {
    storage,
    batchSize: BATCH,
    cycles: result,
    row: {
      id: `retention-${storage}`,
      scenario: 'guest sign-ins while the retention purge runs (baseline column: the same Foyer node, no purge running)',
      storage,
      unit: 'sign-ins/s',
      baseline: pool(without),
      foyer: pool(during),
      note: `purge of the sign-in log and audit log in batches of ${BATCH}, ${cycles} fill + purge cycles; details under "Retention"`,
    },
  };
}

function pool(segments: FlowResult[]): Measure {
  const latencies = segments.flatMap((s) => s.latencies);
  const flows = segments.reduce((a, s) => a + s.flows, 0);
  const seconds = segments.reduce((a, s) => a + s.seconds, 0);
  const lat = summarize(latencies);
  const samples = segments.flatMap((s) => s.errorSamples).slice(0, 3);
  return { rate: seconds ? flows / seconds : 0, p50: lat.p50, p99: lat.p99, ops: flows, errors: segments.reduce((a, s) => a + s.errors, 0), load1: Math.round(os.loadavg()[0]! * 100) / 100, ...(samples.length ? { samples } : {}) };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const n = (x: number) => x.toLocaleString('en-US');

export function retentionText(results: RetentionResult[]): string {
  const lines = [
    `Retention (lifecycle.retention: sign-in log ${SIGN_IN_DAYS} days, audit log ${AUDIT_DAYS} days), purged by the retention job's function while guests sign in:`,
    '',
    '| storage | cycle | rows before (sign-ins / audit) | past retention | purged | batches | max rows per batch | batch ms p50 / p99 / max | purge s (incl. vacuum) | vacuumed | rows after | past retention after | log bytes before → after MB |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|',
  ];
  for (const r of results) {
    r.cycles.forEach((c, i) => {
      lines.push(
        `| ${r.storage} | ${i + 1} | ${n(c.before.signIns)} / ${n(c.before.audit)} | ${n(c.before.signInsPastRetention)} / ${n(c.before.auditPastRetention)} | ${n(c.purged.signIns)} / ${n(c.purged.audit)} | ${c.batches} | ${c.maxRowsPerBatch} | ${c.batchMs.p50} / ${c.batchMs.p99} / ${c.batchMs.max} | ${c.purgeSeconds.toFixed(1)} | ${c.reclaimed.join(', ') || '–'} | ${n(c.after.signIns)} / ${n(c.after.audit)} | ${n(c.after.signInsPastRetention)} / ${n(c.after.auditPastRetention)} | ${mb(c.before.bytes)} → ${mb(c.after.bytes)} |`,
      );
    });
    const f = r.row.foyer!;
    const b = r.row.baseline!;
    lines.push(`| ${r.storage} | sign-ins | during the purge: ${f.rate.toFixed(1)}/s, p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.errors} errors | without: ${b.rate.toFixed(1)}/s, p50 ${b.p50} ms, p99 ${b.p99} ms, ${b.errors} errors | | | | | | | | | |`);
  }
  lines.push(
    '',
    'Bytes: SQLite counts the pages of the two tables and their indexes (dbstat; freed pages are reused by later rows, the file does not shrink); PostgreSQL pg_total_relation_size (a purge of a large share of a table vacuums it right after, see src/audit/log-retention.ts; smaller ones are left to autovacuum). Bounded: the second cycle, the same fill, ends near the first.',
  );
  return lines.join('\n');
}

