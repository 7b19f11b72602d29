/**
 * Starting the third-party peers of the interop suite (Debian packages, not npm): each runs on
 * loopback from a temporary folder the test writes, and is stopped (by its own process id) and
 * removed afterwards. A peer whose package is not installed is reported by `missing`, so its
 * suite is skipped with the reason in its name (`.ci/run` installs them all).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files each peer needs; the first one absent names the package to install. */
const NEEDS: Record<string, [string, string][]> = {
  modAuthOpenidc: [
    ['/usr/sbin/apache2', 'apache2'],
    ['/usr/lib/apache2/modules/mod_auth_openidc.so', 'libapache2-mod-auth-openidc'],
  ],
  authlib: [
    ['/usr/lib/python3/dist-packages/authlib', 'python3-authlib'],
    ['/usr/lib/python3/dist-packages/flask', 'python3-flask'],
    ['/usr/lib/python3/dist-packages/requests', 'python3-requests'],
  ],
  simplesamlphp: [
    ['/usr/share/simplesamlphp/www/saml2/idp/SSOService.php', 'simplesamlphp'],
    ['/usr/bin/php', 'php8.2-cli'],
  ],
};

/** Why a peer cannot run here (`apt-get install …`), or undefined when it can. */
export function missing(peer: keyof typeof NEEDS): string | undefined {
  const absent = NEEDS[peer]!.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  return absent.length ? `needs the Debian packages: apt-get install ${absent.join(' ')}` : undefined;
}

/** A folder the peer (which may drop to the `nobody` user, as apache does under root) can read. */
export async function peerDir(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `foyer-interop-${name}-`));
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningPeer {
  child: ChildProcess;
  /** What the peer printed, for the assertion message when it misbehaves. */
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `command` and waits until it accepts connections on 127.0.0.1:`port`. */
export async function startPeer(command: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<RunningPeer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Its own process group: apache's workers go with it, nobody else's processes are touched.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    if (await accepts(port)) return { child, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`${command} did not listen on 127.0.0.1:${port}:\n${output}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
