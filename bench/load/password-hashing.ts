/**
 * The `password` scenario's worker: verifies a member's password over and over with one hashing
 * scheme, in its own process so its CPU time and RSS are the scheme's alone. One chain at a time
 * gives the rate one core sustains (the hash runs on one libuv thread); many at once show the
 * memory ceiling (at most UV_THREADPOOL_SIZE hashes run together, each holding its memory cost).
 */
import { randomBytes, scrypt } from 'node:crypto';
import { serveChild } from '../lib/rpc.js';
import { hashPassword, verifyPassword } from '../../src/directory/password-hash.js';

export interface PasswordJob {
  seconds: number;
  concurrency: number;
}

export interface PasswordResult {
  ops: number;
  seconds: number;
  cpuMs: number;
  latencies: number[];
  rssPeakMb: number;
}

const scheme = process.argv[2] === 'scrypt' ? 'scrypt' : 'argon2id';
const PASSWORD = 'correct horse battery staple';

/** The setting Foyer used before argon2id (OWASP's scrypt recommendation): the baseline. */
function legacyScryptHash(): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) =>
    scrypt(PASSWORD, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(['scrypt', 2 ** 17, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$')),
    ),
  );
}

const stored = await (scheme === 'scrypt' ? legacyScryptHash() : hashPassword(PASSWORD));

async function measure(job: PasswordJob): Promise<PasswordResult> {
  const latencies: number[] = [];
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const until = start + job.seconds * 1000;
  const chain = async () => {
    while (performance.now() < until) {
      const t = performance.now();
      if (!(await verifyPassword(PASSWORD, stored))) throw new Error('the password did not verify');
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, chain));
  clearInterval(sampler);
  const used = process.cpuUsage(cpu);
  return { ops: latencies.length, seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000, latencies, rssPeakMb: rssPeak / 2 ** 20 };
}

serveChild({ scheme }, { measure: (p) => measure(p as PasswordJob) }, async () => {});
