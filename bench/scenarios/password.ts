/**
 * `password`: what a member's password sign-in costs in hashing, argon2id (Foyer today) side by side
 * with the scrypt setting Foyer used before (N=2^17, r=8, p=1), each in its own worker process.
 * Rate: verifications per second with one chain at a time, i.e. what one core sustains (each hash
 * runs on one libuv thread). Then 16 verifications at once, for the memory ceiling under concurrent
 * logins (libuv runs 4 at a time, each holding the scheme's memory cost).
 */
import os from 'node:os';
import type { ChildHandle } from '../lib/rpc.js';
import type { Measure, Row } from '../lib/row.js';
import { summarize } from '../lib/stats.js';
import type { PasswordJob, PasswordResult } from '../load/password-hashing.js';

const TARGET_PER_CORE = 15;
const CONCURRENT = 16;

interface Harness {
  start(name: string, file: string, args: string[]): Promise<ChildHandle>;
  stop(child: ChildHandle | undefined): Promise<void>;
  log(message: string): void;
  rounds: number;
  seconds: number;
}

export async function passwordRow(h: Harness): Promise<Row> {
  h.log(`password: verifying a member's password, scrypt (the earlier setting) and argon2id, ${h.rounds} alternating rounds of ${h.seconds} s`);
  const scrypt = await h.start('password scrypt', 'load/password-hashing.ts', ['scrypt']);
  const argon = await h.start('password argon2id', 'load/password-hashing.ts', ['argon2id']);
  try {
    const run = (c: ChildHandle, job: PasswordJob) => c.call<PasswordResult>('measure', job, (job.seconds + 120) * 1000);
    const one = { seconds: h.seconds, concurrency: 1 };
    const results = { scrypt: [] as PasswordResult[], argon: [] as PasswordResult[] };
    const load1 = os.loadavg()[0]!;
    for (let round = 0; round < h.rounds; round++) {
      // B F, F B, B F: a burst of other work on the machine lands on both.
      const order = round % 2 === 0 ? (['scrypt', 'argon'] as const) : (['argon', 'scrypt'] as const);
      for (const who of order) results[who].push(await run(who === 'scrypt' ? scrypt : argon, one));
    }
    const burst = { seconds: Math.max(2, h.seconds / 2), concurrency: CONCURRENT };
    const peaks = { scrypt: (await run(scrypt, burst)).rssPeakMb, argon: (await run(argon, burst)).rssPeakMb };
    const foyer = pooled(results.argon, load1);
    // Per core from CPU time, not wall time: a busy machine slows the wall clock, not the work.
    const perCore = 1000 / foyer.cpuMsPerOp!;
    const met = perCore >= TARGET_PER_CORE ? 'met' : 'NOT met';
    return {
      id: 'password',
      scenario: 'member password verification, one core (baseline: the earlier scrypt setting)',
      storage: '–',
      unit: 'verifications/s',
      baseline: pooled(results.scrypt, load1),
      foyer,
      note: `argon2id: ${perCore.toFixed(1)} verifications per CPU-second, target ≥ ${TARGET_PER_CORE}/s per core ${met}; RSS peak with ${CONCURRENT} verifications at once: scrypt ${peaks.scrypt.toFixed(0)} MB, argon2id ${peaks.argon.toFixed(0)} MB (libuv runs ${process.env.UV_THREADPOOL_SIZE ?? 4} at a time)`,
    };
  } finally {
    await h.stop(scrypt);
    await h.stop(argon);
  }
}

function pooled(parts: PasswordResult[], load1: number): Measure {
  const ops = parts.reduce((n, p) => n + p.ops, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  const cpuMs = parts.reduce((n, p) => n + p.cpuMs, 0);
  const lat = summarize(parts.flatMap((p) => p.latencies));
  return { rate: ops / seconds, p50: lat.p50, p99: lat.p99, ops, errors: 0, cpuMsPerOp: Math.round((cpuMs / ops) * 10) / 10, load1: Math.round(load1 * 100) / 100 };
}
