/**
 * What one guest sign-in through a partner's OIDC IdP costs the database (issue 20: at most 12 SQL
 * statements; on SQLite, where oidc-provider's own state is in the same database, at most 12 besides it). A returning guest (a user with the identity the partner proves)
 * signs in from the app's redirect to the tokens, through the real partner IdP, while a listener on
 * Foyer's knex instance counts every statement. A warm-up sign-in of another guest comes first, so
 * only the steady state is counted (clients, keys and discovery are cached by then); the counted
 * guest signs in for the first time, so none of the bookkeeping writes is skipped as unchanged.
 * No timing is asserted: speed is measured by `npm run bench`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/db/redis.js';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { partnerUser, useWorld, type World, type WorldOptions } from '../support/world.js';

/** Issue 20's target: statements per sign-in, beyond oidc-provider's own protocol state. */
const MAX_STATEMENTS = 12;
/**
 * oidc-provider's own models. With Redis they live there (and the target is the whole count); on a
 * SQL-only layout the bare provider alone runs 16 statements per sign-in for them (docs/benchmarks.md),
 * so those are counted apart and held to the total below, and the target applies to Foyer's own.
 */
const PROVIDER_MODELS = ['Interaction', 'Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken'];
/**
 * The whole count on SQLite today (22: 16 of them oidc-provider's models; 23 before /auth sent the
 * hinted guest straight to the partner, which spared the interaction page's read), so that any new statement shows.
 */
const MAX_STATEMENTS_SQLITE = 22;
/** The whole count on PostgreSQL + Redis today (4, all Foyer's own), likewise. */
const MAX_STATEMENTS_POSTGRES = 4;
/** Redis round trips on PostgreSQL + Redis today (23, a MULTI block counted once; 24 with the interaction page's read), likewise. */
const MAX_REDIS_ROUND_TRIPS = 23;
const GUESTS = { warm: partnerUser('warm'), counted: partnerUser('counted') };

/** A Redis database of its own (other suites flush theirs). */
const REDIS_DB = 10;
const redisDb = () => redisDatabaseUrl(redisUrl()!, REDIS_DB);

/** Guests who already redeemed their invitation: the user and the identity the partner proves. */
async function seedGuest(world: World, login: keyof typeof GUESTS): Promise<void> {
  const { users, identities } = world.foyer.foyer;
  const guest = GUESTS[login];
  const user = await users.create({ mail: guest.email!, userType: 'Guest', externalUserState: 'Accepted' });
  const linked = await identities.link(user.id, { idpId: 'partner', issuer: world.partner.issuer, subject: guest.sub, email: guest.email });
  // Last used long ago, as a returning guest's identity is: its last use is written again.
  await world.foyer.foyer.db('identities').where({ id: linked.id }).update({ last_used_at: '2026-01-01T00:00:00.000Z' });
}

/** One whole sign-in of `login`: the app's redirect, the partner's form, Foyer's callback, the code exchange. */
async function signIn(world: World, login: keyof typeof GUESTS): Promise<void> {
  const browser = new Browser();
  const app = await webAppClient(world.issuer);
  const pending = await startAuthorization(app, { login_hint: GUESTS[login].email! });
  const atPartner = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  const params = await signInAtPartner(browser, atPartner.url, login, world.callback('partner'));
  const back = await browser.navigate(`${world.callback('partner')}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });
  if (!back.stoppedAt) throw new Error(`the sign-in did not return to the app: ${back.status} ${back.url}\n${back.body.slice(0, 500)}`);
  const tokens = await finishAuthorization(app, back.stoppedAt, pending);
  expect(tokens.claims()?.email).toBe(GUESTS[login].email);
}

/**
 * A statement as one short line: its SQL up to the column list or conflict clause, and for
 * oidc-provider's table the model it touches (the binding that names one).
 */
function describeStatement(q: { sql: string; bindings?: readonly unknown[] }): string {
  const sql = q.sql
    .replace(/^select .*? from /s, 'select … from ')
    .replace(/ on conflict .*$/s, ' on conflict …').replace(/^(insert into \S+) \(.*?\) values .*?( on conflict …)?$/s, '$1 …$2');
  const model = q.sql.includes('oidc_payloads') ? q.bindings?.find((b) => typeof b === 'string' && /^[A-Z][A-Za-z]+$/.test(b)) : undefined;
  return model ? `${sql} [${String(model)}]` : sql;
}

/** Which of Foyer's requests a statement belongs to: its method and path, ids replaced. */
const requestOf = new AsyncLocalStorage<string>();
const routeOf = (method: string | undefined, url: string | undefined) =>
  `${method ?? '?'} ${(url ?? '').split('?')[0]!.replace(/\/(interaction|auth)\/[^/]+/, '/$1/:uid')}`;

/** A Redis command as one short line: its name and its first key (a script's first key) with ids replaced. */
function describeCommand(name: string, args: readonly unknown[]): string {
  const upper = name.toUpperCase();
  const first = upper === 'EVAL' || upper === 'EVALSHA' ? args[2] : args[0];
  const key = typeof first === 'string' || Buffer.isBuffer(first) ? String(first) : '';
  return `${upper} ${key.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|[A-Za-z0-9_-]{21,}/g, '…')}`.trim();
}

interface Counted {
  /** SQL statements, in order, each with the request it belongs to. */
  statements: { request: string; statement: string }[];
  /** Redis round trips of Foyer's own client (provider state, versions, budgets), in order: a MULTI … EXEC block is one. */
  commands: { request: string; command: string }[];
}

/** The statements Foyer's database (and the commands its Redis) runs while `work` runs, in order. */
async function statementsDuring(world: World, work: () => Promise<void>): Promise<Counted> {
  const { db, redis } = world.foyer.foyer;
  const { server } = world.foyer;
  const counted: Counted = { statements: [], commands: [] };
  const listener = (q: { sql: string; bindings?: unknown[] }) => counted.statements.push({ request: requestOf.getStore() ?? '(no request)', statement: describeStatement(q) });
  // Every request Foyer is handed runs in a context naming it (the listener runs before Koa's).
  const onRequest = (req: IncomingMessage) => requestOf.enterWith(routeOf(req.method, req.url));
  const sendCommand = redis?.sendCommand;
  if (redis && sendCommand) {
    let block: string[] | undefined;
    redis.sendCommand = function (this: typeof redis, command: Parameters<typeof sendCommand>[0], ...rest: unknown[]) {
      const request = requestOf.getStore() ?? '(no request)';
      const line = describeCommand(command.name, command.args);
      if (line === 'MULTI') block = [];
      else if (line === 'EXEC' && block) {
        counted.commands.push({ request, command: `MULTI ${block.join(', ')} EXEC` });
        block = undefined;
      } else if (block) block.push(line);
      else counted.commands.push({ request, command: line });
      return (sendCommand as (...a: unknown[]) => unknown).call(this, command, ...rest);
    } as typeof sendCommand;
  }
  db.on('query', listener);
  server.prependListener('request', onRequest);
  try {
    await work();
  } finally {
    db.off('query', listener);
    server.off('request', onRequest);
    if (redis && sendCommand) redis.sendCommand = sendCommand;
  }
  return counted;
}

const isProviderState = (statement: string) => PROVIDER_MODELS.some((m) => statement.endsWith(` [${m}]`));

/** The listing a failed count prints (and SHOW_STATEMENTS=1 always): request by request. */
function listing(counted: Counted): string {
  const own = counted.statements.filter((s) => !isProviderState(s.statement));
  const lines = [`${counted.statements.length} SQL statements per sign-in, ${own.length} of them Foyer's own (*); ${counted.commands.length} Redis round trips (a MULTI block is one):`];
  let request = '';
  counted.statements.forEach((s, i) => {
    if (s.request !== request) lines.push(`  ${(request = s.request)}`);
    lines.push(`  ${String(i + 1).padStart(3)}. ${isProviderState(s.statement) ? '   ' : '*  '}${s.statement}`);
  });
  request = '';
  for (const c of counted.commands) {
    if (c.request !== request) lines.push(`  redis, ${(request = c.request)}`);
    lines.push(`       ${c.command}`);
  }
  return `${lines.join('\n')}\n`;
}

function countsWithin(world: () => World, total: number, providerInSql: boolean) {
  it(`runs at most ${MAX_STATEMENTS} SQL statements of its own for one guest sign-in through the partner IdP`, async () => {
    await seedGuest(world(), 'warm');
    await seedGuest(world(), 'counted');
    await signIn(world(), 'warm');
    const counted = await statementsDuring(world(), () => signIn(world(), 'counted'));
    const own = counted.statements.filter((s) => !isProviderState(s.statement));
    const message = listing(counted);
    if (process.env.SHOW_STATEMENTS) console.log(message);
    expect(own.length, message).toBeLessThanOrEqual(MAX_STATEMENTS);
    if (!providerInSql) expect(counted.statements.length, message).toBe(own.length);
    expect(counted.statements.length, message).toBeLessThanOrEqual(total);
    // The callback's last-sign-in write answered the user row and kept it as the node's copy: the
    // account lookup and conditional access of /auth/:uid read none (the version says it is current).
    expect(counted.statements.filter((s) => s.request === 'GET /auth/:uid' && /from [`"]users[`"]/.test(s.statement)), message).toEqual([]);
    // The last sign-in and the identity's last use are one statement where the database is remote.
    if (!providerInSql) expect(counted.statements.filter((s) => /^update|^with/i.test(s.statement)), message).toHaveLength(1);
    if (!providerInSql) expect(counted.commands.length, message).toBeLessThanOrEqual(MAX_REDIS_ROUND_TRIPS);
  }, 60_000);
}

const worldOptions: WorldOptions = { oidc: [{ users: GUESTS }] };

describe('one guest sign-in on SQLite', () => {
  const world = useWorld(worldOptions);
  countsWithin(() => world, MAX_STATEMENTS_SQLITE, true);
});

describeWithPostgres('one guest sign-in', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    const world = useWorld(() => ({ ...worldOptions, databaseUrl: pg.url, redisUrl: redisDb() }));
    afterAll(async () => {
      const redis = await connectRedis(redisDb());
      await redis.flushdb();
      await redis.quit();
    });
    countsWithin(() => world, MAX_STATEMENTS_POSTGRES, false);
  });
});
