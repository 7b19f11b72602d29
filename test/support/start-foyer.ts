import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { ConnectorTestOverrides } from '../../src/federation/create-connector.js';
import { hashPassword } from '../../src/directory/password-hash.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';

export const DEMO_SECRET = 'test-app-secret-0123456789abcdefghijklmnop';

export interface RunningFoyer {
  foyer: Foyer;
  issuer: string;
  port: number;
  dir: string;
  /** The YAML file it was started from (a test edits it, then calls foyer.reload()). */
  configFile: string;
  /** The node's HTTP server (its 'request' event says a request was handed to Foyer). */
  server: Server;
  stop(): Promise<void>;
  /** Creates a member with a password (the CLI's `users create`, minus the terminal). */
  createMember(email: string, password: string, opts?: { admin?: boolean; name?: string }): Promise<string>;
}

/** A config as a plain object: tests change what they need and the rest stays valid. */
export function baseConfig(port: number): Record<string, unknown> {
  return {
    issuer: `http://127.0.0.1:${port}`,
    tenant: { displayName: 'Contoso Test', memberDomains: ['contoso.example'] },
    server: { port, logLevel: 'silent', shutdownGraceSeconds: 1 },
    apps: [
      {
        id: 'web-app',
        displayName: 'Web App',
        clientSecret: DEMO_SECRET,
        redirectUris: ['http://127.0.0.1:9999/callback'],
        postLogoutRedirectUris: ['http://127.0.0.1:9999/'],
        grantTypes: ['authorization_code', 'refresh_token'],
        firstParty: true,
      },
      {
        id: 'spa-app',
        displayName: 'Public SPA',
        redirectUris: ['http://127.0.0.1:9998/callback'],
        grantTypes: ['authorization_code', 'refresh_token'],
        firstParty: false,
      },
      {
        id: 'daemon-app',
        displayName: 'Daemon',
        clientSecret: DEMO_SECRET,
        grantTypes: ['client_credentials'],
      },
    ],
    resourceServers: [{ identifier: 'https://api.contoso.example', scopes: ['read', 'write'] }],
  };
}

/**
 * Starts a real Foyer on a free loopback port with a fresh SQLite file (or the given storage),
 * written as a real YAML config file so the loader is exercised too.
 */
export async function startFoyer(
  customize: (config: Record<string, unknown>) => void = () => {},
  opts: { databaseUrl?: string; redisUrl?: string; port?: number; connectorOverrides?: Record<string, ConnectorTestOverrides>; logger?: Logger; env?: NodeJS.ProcessEnv; clock?: Clock } = {},
): Promise<RunningFoyer> {
  // A test that must register Foyer's callback URL at a partner IdP picks the port first.
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'foyer-test-'));
  const raw = baseConfig(port);
  raw.storage = { databaseUrl: opts.databaseUrl ?? `sqlite:${join(dir, 'foyer.sqlite')}`, ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}) };
  raw.mail = { outboxDir: join(dir, 'outbox') };
  customize(raw);
  const file = join(dir, 'foyer.yaml');
  writeFileSync(file, stringify(raw));
  // The environment `${NAME}` in the config reads: only what the test gives, never the runner's own.
  const config = loadConfig(file, opts.env ?? {});
  // A reload (foyer.reload()) reads the same file with the same environment, as the server would.
  const readConfig = () => loadConfig(file, opts.env ?? {});
  const foyer = await createFoyer(config, { logger: opts.logger ?? createLogger('silent'), connectorOverrides: opts.connectorOverrides, clock: opts.clock, readConfig });
  const { server } = await foyer.listen(port, '127.0.0.1');
  return {
    foyer,
    issuer: config.issuer,
    port,
    dir,
    configFile: file,
    server,
    async stop() {
      await foyer.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async createMember(email, password, o = {}) {
      const user = await foyer.users.create({
        mail: email,
        displayName: o.name,
        userType: 'Member',
        passwordHash: await hashPassword(password),
        roles: o.admin ? ['admin'] : [],
      });
      return user.id;
    },
  };
}

/**
 * A port for a server whose address must be known before it listens (Foyer's issuer goes into the
 * partners' registrations first). Picked below Linux's ephemeral range (32768-60999): a port the
 * kernel handed out for `listen(0)` or an outgoing connection is free again the moment it is
 * checked, and then another server or a client socket of a parallel test file can take it before
 * Foyer listens (seen in CI as EADDRINUSE). Below that range only another such pick can collide.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return listenAndRelease(0);
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenAndRelease(port);
    return true;
  } catch {
    return false;
  }
}

async function listenAndRelease(port: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const { port: bound } = srv.address() as { port: number };
      srv.close(() => resolve(bound));
    });
  });
}
