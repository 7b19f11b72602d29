/**
 * Several Foyer processes on one PostgreSQL schema and one Redis database, behind one balancer
 * URL (the issuer), plus the partner organisation's IdP for guest sign-ins (started and
 * configured as test/support/world.ts does it for one in-process Foyer).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { connectDatabase, type Database } from '../../../src/db/connect.js';
import { connectRedis } from '../../../src/db/redis.js';
import { hashPassword } from '../../../src/directory/password-hash.js';
import { UsersRepository } from '../../../src/directory/users-repository.js';
import type { PartnerIdp, PartnerUser } from '../../support/partner-idp.js';
import { redisDatabaseUrl } from '../../support/real-servers.js';
import { baseConfig, freePort } from '../../support/start-foyer.js';
import { APP_URL, PORTAL_APP, startOidcPartner } from '../../support/world.js';
import { startBalancer, type Balancer } from './balancer.js';
import { startFoyerProcess, type FoyerProcess } from './foyer-process.js';

export { APP_URL } from '../../support/world.js';

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl?: string;
  /** A Redis database of the cluster's own (a number on redisUrl's server), emptied before the start and after the stop, so counters of other suites cannot interfere. */
  redisDatabase?: number;
  nodes?: string[];
  /** Changes to the YAML config every node reads. */
  customize?: (config: Record<string, unknown>) => void;
  partnerUsers?: Record<string, PartnerUser>;
}

export interface Cluster {
  issuer: string;
  balancer: Balancer;
  nodes: Map<string, FoyerProcess>;
  partner: PartnerIdp;
  /** A knex connection of the test's own to the cluster's database. */
  db: Database;
  dir: string;
  node(name: string): FoyerProcess;
  /** Starts (or restarts) a node under `name` and adds it to the balancer. */
  startNode(name: string, env?: Record<string, string>): Promise<FoyerProcess>;
  createMember(email: string, password: string): Promise<string>;
  /** The newest mail in the shared outbox. */
  latestMail(): string;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const redisUrl = opts.redisUrl && opts.redisDatabase !== undefined ? redisDatabaseUrl(opts.redisUrl, opts.redisDatabase) : opts.redisUrl;
  const emptyRedis = async () => {
    if (!redisUrl || opts.redisDatabase === undefined) return;
    const redis = await connectRedis(redisUrl);
    await redis.flushdb();
    await redis.quit();
  };
  await emptyRedis();
  const balancer = await startBalancer();
  const issuer = balancer.url;
  const { idp: partner, entry: partnerEntry } = await startOidcPartner(issuer, { users: opts.partnerUsers });
  const dir = mkdtempSync(join(tmpdir(), 'foyer-cluster-'));
  const config = baseConfig(balancer.port);
  config.issuer = issuer;
  // Quiet and quick: keys are re-read every second so a rotation test does not wait a minute.
  config.server = { logLevel: 'warn', shutdownGraceSeconds: 1, keysReloadSeconds: 1 };
  config.mail = { outboxDir: join(dir, 'outbox') };
  const apps = config.apps as Record<string, unknown>[];
  apps[0]!.launchUrl = APP_URL;
  apps.push({ ...PORTAL_APP });
  config.identityProviders = [partnerEntry];
  opts.customize?.(config);
  const configFile = join(dir, 'foyer.yaml');
  writeFileSync(configFile, stringify(config));

  const db = connectDatabase(opts.databaseUrl);
  const nodes = new Map<string, FoyerProcess>();

  const cluster: Cluster = {
    issuer,
    balancer,
    nodes,
    partner,
    db,
    dir,
    node(name) {
      const n = nodes.get(name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    async startNode(name, env = {}) {
      const port = await freePort();
      const node = await startFoyerProcess({
        name,
        port,
        configFile,
        // Storage through the environment variables the deployment guide documents.
        env: { DATABASE_URL: opts.databaseUrl, REDIS_URL: redisUrl, ...env },
      });
      nodes.set(name, node);
      balancer.setNode(name, port);
      return node;
    },
    async createMember(email, password) {
      const users = new UsersRepository(db);
      const user = await users.create({ mail: email, userType: 'Member', passwordHash: await hashPassword(password), roles: [] });
      return user.id;
    },
    latestMail() {
      const outbox = join(dir, 'outbox');
      const files = readdirSync(outbox).sort();
      return readFileSync(join(outbox, files.at(-1)!), 'utf8');
    },
    async stop() {
      await Promise.all([...nodes.values()].map((n) => n.stop().catch(() => {})));
      await balancer.close();
      await partner.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
      await emptyRedis();
    },
  };

  // One node at a time on a fresh database: the first applies the migrations.
  for (const name of opts.nodes ?? ['a', 'b']) await cluster.startNode(name);
  return cluster;
}
