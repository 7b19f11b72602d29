/**
 * What one guest sign-in through a partner's OIDC IdP costs the database (issue 20: at most 12 SQL
 * statements; on SQLite, where oidc-provider's own state is in the same database, at most 12 besides it). A returning guest (a user with the identity the partner proves)
 * signs in from the app's redirect to the tokens, through the real partner IdP, while a listener on
 * Foyer's knex instance counts every statement. A warm-up sign-in of another guest comes first, so
 * only the steady state is counted (clients, keys and discovery are cached by then); the counted
 * guest signs in for the first time, so none of the bookkeeping writes is skipped as unchanged.
 * No timing is asserted: speed is measured by `npm run bench`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/db/redis.js';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { partnerUser, useWorld, type World, type WorldOptions } from '../support/world.js';

/** Issue 20's target: statements per sign-in, beyond oidc-provider's own protocol state. */
const MAX_STATEMENTS = 12;
/**
 * oidc-provider's own models. With Redis they live there (and the target is the whole count); on a
 * SQL-only layout the bare provider alone runs 16 statements per sign-in for them (docs/benchmarks.md),
 * so those are counted apart and held to the total below, and the target applies to Foyer's own.
 */
const PROVIDER_MODELS = ['Interaction', 'Session', 'Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken'];
/** The whole count on SQLite today (25: 18 of them oidc-provider's models), so that any new statement shows. */
const MAX_STATEMENTS_SQLITE = 25;
const GUESTS = { warm: partnerUser('warm'), counted: partnerUser('counted') };

/** A Redis database of its own (other suites flush theirs: 9, 11-14). */
const REDIS_DB = 10;
const redisDb = () => {
  const url = new URL(redisUrl()!);
  url.pathname = `/${REDIS_DB}`;
  return url.toString();
};

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

/** The statements Foyer's database runs while `work` runs, in order (SQL and bindings' count). */
async function statementsDuring(world: World, work: () => Promise<void>): Promise<string[]> {
  const { db } = world.foyer.foyer;
  const seen: string[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push(describeStatement(q));
  db.on('query', listener);
  try {
    await work();
  } finally {
    db.off('query', listener);
  }
  return seen;
}

const isProviderState = (statement: string) => PROVIDER_MODELS.some((m) => statement.endsWith(` [${m}]`));

function countsWithin(world: () => World, total?: number) {
  it(`runs at most ${MAX_STATEMENTS} SQL statements of its own for one guest sign-in through the partner IdP`, async () => {
    await seedGuest(world(), 'warm');
    await seedGuest(world(), 'counted');
    await signIn(world(), 'warm');
    const statements = await statementsDuring(world(), () => signIn(world(), 'counted'));
    const own = statements.filter((s) => !isProviderState(s));
    const listing = statements.map((s, i) => `${String(i + 1).padStart(3)}. ${isProviderState(s) ? '   ' : '*  '}${s}`).join('\n');
    const message = `${statements.length} statements per sign-in, ${own.length} of them Foyer's own (*):\n${listing}\n`;
    expect(own.length, message).toBeLessThanOrEqual(MAX_STATEMENTS);
    if (total !== undefined) expect(statements.length, message).toBeLessThanOrEqual(total);
    else expect(statements.length, message).toBe(own.length);
  }, 60_000);
}

const worldOptions: WorldOptions = { oidc: [{ users: GUESTS }] };

describe('one guest sign-in on SQLite', () => {
  const world = useWorld(worldOptions);
  countsWithin(() => world, MAX_STATEMENTS_SQLITE);
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
    countsWithin(() => world);
  });
});
