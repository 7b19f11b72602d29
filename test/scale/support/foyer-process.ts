/**
 * A real Foyer node as its own operating-system process (`node --import tsx src/main.ts`), the
 * way an operator runs it: configured by FOYER_CONFIG, DATABASE_URL, REDIS_URL and PORT. Tests
 * kill it with SIGKILL to simulate a crashed machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../../src/lib/project-root.js';

export interface FoyerProcess {
  name: string;
  port: number;
  /** Where to reach this node directly (bypassing any load balancer). */
  url: string;
  child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, no goodbye: in-flight requests die with their sockets. */
  crash(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export interface FoyerProcessOptions {
  name: string;
  port: number;
  configFile: string;
  env?: Record<string, string | undefined>;
  /** How long to wait for /healthz after spawning. */
  startTimeoutMs?: number;
  /** Node's arguments (default: the TypeScript sources through tsx; ['dist/src/main.js'] is what `npm start` runs). */
  entry?: string[];
}

export async function startFoyerProcess(opts: FoyerProcessOptions): Promise<FoyerProcess> {
  const lines: string[] = [];
  const child = spawn(process.execPath, opts.entry ?? ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      FOYER_CONFIG: opts.configFile,
      PORT: String(opts.port),
      LOG_LEVEL: process.env.FOYER_TEST_NODE_LOG_LEVEL ?? 'warn',
      // The test runner's own variables must not leak into the node's storage choice.
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const output = () => lines.join('\n');

  const deadline = Date.now() + (opts.startTimeoutMs ?? 45_000);
  let up = false;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!up && !gone && Date.now() < deadline) {
    up = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) await new Promise((r) => setTimeout(r, 150));
  }
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`Foyer node ${opts.name} did not start on port ${opts.port}:\n${output()}`);
  }

  return {
    name: opts.name,
    port: opts.port,
    url,
    child,
    output,
    exited,
    async crash() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
