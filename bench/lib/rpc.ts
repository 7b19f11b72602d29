/**
 * Parent/child plumbing for the bench: every server and every load generator runs in its own
 * Node process (so a load generator never shares an event loop with what it measures, and each
 * server's RSS and CPU profile are its own). Children are TypeScript, loaded through tsx.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** tsx's loader by absolute URL, so children resolve it whatever their working directory. */
const TSX = import.meta.resolve('tsx');

interface Reply {
  type: 'reply';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface ChildHandle<Info = Record<string, unknown>> {
  name: string;
  pid: number;
  info: Info;
  call<T = unknown>(cmd: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to shut down cleanly (so --cpu-prof files get written); kills it after a grace period. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Path relative to bench/: a .ts file runs through tsx, a .js file (compiled) runs as it is. */
  file: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  nodeArgs?: string[];
  /** Forward the child's stdout (servers log JSON lines there; the bench discards them by default). */
  stdout?: 'ignore' | 'inherit';
  readyTimeoutMs?: number;
}

export async function startChild<Info = Record<string, unknown>>(opts: StartOptions): Promise<ChildHandle<Info>> {
  const loader = opts.file.endsWith('.ts') ? ['--import', TSX] : [];
  const child: ChildProcess = spawn(process.execPath, [...loader, ...(opts.nodeArgs ?? []), join(BENCH_DIR, opts.file), ...(opts.args ?? [])], {
    stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    exited = true;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${opts.name} exited (code ${code}) before answering`));
    }
    pending.clear();
    resolve(code);
  }));

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} did not start within ${opts.readyTimeoutMs ?? 60_000} ms`)), opts.readyTimeoutMs ?? 60_000);
    child.on('message', (raw) => {
      const msg = raw as { type: string } & Record<string, unknown>;
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg.info as Info);
      } else if (msg.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${opts.name} failed to start: ${String(msg.error)}`));
      } else if (msg.type === 'reply') {
        const reply = msg as unknown as Reply;
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        clearTimeout(p.timer);
        if (reply.ok) p.resolve(reply.value);
        else p.reject(new Error(`${opts.name}: ${reply.error}`));
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with code ${code} while starting`));
    });
  });

  return {
    name: opts.name,
    pid: child.pid!,
    info,
    call<T>(cmd: string, payload?: unknown, timeoutMs = 600_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${opts.name} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${opts.name} did not answer "${cmd}" within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ type: 'call', id, cmd, payload });
      });
    },
    async stop() {
      if (exited) return;
      try {
        child.send({ type: 'call', id: 0, cmd: 'stop' });
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

export type Handler = (payload: unknown) => unknown;

/**
 * The child side: announces `info` once ready and answers calls. `cpu` (process.cpuUsage) and
 * `clockUs` are built in; `stop` runs `onStop`, then exits with process.exit(0) so that --cpu-prof writes its profile.
 */
const builtIn: Record<string, Handler> = {
  cpu: () => process.cpuUsage(),
  /** The monotonic clock in µs, the clock V8's CPU profiles use, to cut start-up out of a profile. */
  clockUs: () => Number(process.hrtime.bigint() / 1000n),
};

export function serveChild(info: unknown, handlers: Record<string, Handler>, onStop: () => Promise<void>): void {
  if (!process.send) throw new Error('this file is started by bench/run.ts (it needs an IPC channel)');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await onStop().catch((err: unknown) => console.error(err));
    process.exit(0);
  };
  process.on('message', (raw) => {
    const msg = raw as { type: string; id: number; cmd: string; payload: unknown };
    if (msg.type !== 'call') return;
    if (msg.cmd === 'stop') return void stop();
    const handler = builtIn[msg.cmd] ?? handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        return handler(msg.payload);
      })
      .then(
        (value) => process.send!({ type: 'reply', id: msg.id, ok: true, value }),
        (err: unknown) => process.send!({ type: 'reply', id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  // The parent going away (Ctrl-C, crash) must not leave servers behind.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.send({ type: 'ready', info });
}

export function failChild(err: unknown): never {
  process.send?.({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
}

/** Memory figures of this process, after a full GC when --expose-gc is on. */
export interface MemoryNow {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Linux: RSS split into anonymous memory (heaps, malloc) and file-backed pages (the node binary, .so files). */
  rssAnonMb?: number;
  rssFileMb?: number;
  /** V8 heap spaces: MB committed in physical memory (what RSS sees) and MB used. */
  spaces: Record<string, { physicalMb: number; usedMb: number }>;
  gc: boolean;
}

export function memoryNow(): MemoryNow {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: no split
  }
  const kb = (field: string) => {
    const v = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return v === undefined ? undefined : mb(Number(v) * 1024);
  };
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    ...(status ? { rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') } : {}),
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, { physicalMb: mb(sp.physical_space_size), usedMb: mb(sp.space_used_size) }])),
    gc: Boolean(gc),
  };
}
