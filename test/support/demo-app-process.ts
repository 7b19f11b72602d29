import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/lib/project-root.js';
import { DEMO_SECRET } from './start-foyer.js';

/** examples/demo-app/server.js (the relying app people try first) as a child process; resolves once it listens. */
export async function startDemoApp(opts: { port: number; appUrl: string; issuer: string; clientId?: string }): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot, 'examples/demo-app/server.js')], {
    env: { ...process.env, PORT: String(opts.port), HOST: '127.0.0.1', APP_URL: opts.appUrl.replace(/\/$/, ''), FOYER_ISSUER: opts.issuer, CLIENT_ID: opts.clientId ?? 'demo-app', CLIENT_SECRET: DEMO_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo app did not start:\n${output}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo app exited (${code}):\n${output}`));
    });
  });
  return child;
}
