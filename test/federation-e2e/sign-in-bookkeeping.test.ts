/**
 * What a guest's sign-in through the partner's IdP writes, and when (issue 20 made it fewer
 * statements: the last sign-in and the identity's last use in one statement on PostgreSQL, and the
 * row that write answers kept as the node's copy of the user, so `/auth/:uid` reads no user row).
 * What an attacker or an admin would try against that: the guest disabled between the callback and
 * `/auth/:uid` (the copy must not hide it), a guest disabled before the callback (nothing written),
 * and a replay within the minute (nothing written twice). On SQLite and on PostgreSQL + Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/db/redis.js';
import { DirectoryUsers } from '../../src/directory/directory-users.js';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { partnerUser, useWorld, type World, type WorldOptions } from '../support/world.js';

const GUESTS = { ada: partnerUser('ada'), bob: partnerUser('bob'), cy: partnerUser('cy') };
type Login = keyof typeof GUESTS;
const LONG_AGO = '2026-01-01T00:00:00.000Z';

/** A guest who redeemed long ago: user and identity, both last used long ago. */
async function seedGuest(world: World, login: Login): Promise<{ userId: string; identityId: string }> {
  const { users, identities, db } = world.foyer.foyer;
  const guest = GUESTS[login];
  const user = await users.create({ mail: guest.email!, userType: 'Guest', externalUserState: 'Accepted' });
  const linked = await identities.link(user.id, { idpId: 'partner', issuer: world.partner.issuer, subject: guest.sub, email: guest.email });
  await db('identities').where({ id: linked.id }).update({ last_used_at: LONG_AGO });
  await new DirectoryUsers(db).update(user.id, { accountEnabled: true });
  return { userId: user.id, identityId: linked.id };
}

/** The sign-in up to Foyer's callback; answers where the callback sent the browser (or the page it showed). */
async function throughCallback(world: World, login: Login) {
  const browser = new Browser();
  const app = await webAppClient(world.issuer);
  const pending = await startAuthorization(app, { login_hint: GUESTS[login].email! });
  const atPartner = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  const params = await signInAtPartner(browser, atPartner.url, login, world.callback('partner'));
  const back = await browser.navigate(`${world.callback('partner')}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri, `${world.issuer}/auth/`] });
  return { browser, app, pending, back };
}

async function times(world: World, ids: { userId: string; identityId: string }) {
  const { db } = world.foyer.foyer;
  const user = await db('users').where({ id: ids.userId }).first<{ last_sign_in_at: string | null }>('last_sign_in_at');
  const identity = await db('identities').where({ id: ids.identityId }).first<{ last_used_at: string | null }>('last_used_at');
  return { lastSignIn: user?.last_sign_in_at ?? null, lastUsed: identity?.last_used_at ?? null };
}

const successRows = async (world: World, userId: string) => (await world.foyer.foyer.db('sign_ins').where({ user_id: userId, result: 'success' }).count<{ n: number | string }[]>({ n: '*' }))[0]!.n;

function bookkeeping(world: () => World) {
  it('a returning guest: the callback writes the last sign-in and the identity\'s last use (the same time); a sign-in again within the minute writes neither', async () => {
    const ids = await seedGuest(world(), 'ada');
    const first = await throughCallback(world(), 'ada');
    expect(first.back.stoppedAt, first.back.body.slice(0, 300)).toMatch(/\/auth\//);
    const written = await times(world(), ids);
    expect(written.lastSignIn).not.toBeNull();
    expect(Date.now() - Date.parse(written.lastSignIn!)).toBeLessThan(60_000);
    expect(written.lastUsed).toBe(written.lastSignIn);
    const done = await first.browser.navigate(first.back.stoppedAt!, { stopAt: [WEB_APP.redirectUri] });
    await finishAuthorization(first.app, done.stoppedAt!, first.pending);

    const again = await throughCallback(world(), 'ada');
    const resumed = await again.browser.navigate(again.back.stoppedAt!, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(again.app, resumed.stoppedAt!, again.pending);
    expect(tokens.claims()?.sub).toBe(ids.userId);
    expect(await times(world(), ids)).toEqual(written);
    expect(Number(await successRows(world(), ids.userId))).toBe(2);
  }, 60_000);

  it('disabled between the callback and /auth/:uid: no code, no success row (the copy the callback kept does not hide the disable)', async () => {
    const ids = await seedGuest(world(), 'bob');
    const { browser, back } = await throughCallback(world(), 'bob');
    expect(back.stoppedAt, back.body.slice(0, 300)).toMatch(/\/auth\//);
    await new DirectoryUsers(world().foyer.foyer.db).update(ids.userId, { accountEnabled: false });
    const after = await browser.navigate(back.stoppedAt!, { stopAt: [WEB_APP.redirectUri] });
    // The login no longer names a usable account: oidc-provider asks for a login again, the partner
    // answers silently, and the callback refuses the disabled guest.
    expect(after.stoppedAt ? new URL(after.stoppedAt).searchParams.get('code') : null).toBeNull();
    expect(after.status).toBe(403);
    expect(Number(await successRows(world(), ids.userId))).toBe(0);
  }, 60_000);

  it('disabled before the callback: refused there, and neither time is written', async () => {
    const ids = await seedGuest(world(), 'cy');
    await new DirectoryUsers(world().foyer.foyer.db).update(ids.userId, { accountEnabled: false });
    const { back } = await throughCallback(world(), 'cy');
    expect(back.stoppedAt).toBeUndefined();
    expect(back.status).toBe(403);
    expect(await times(world(), ids)).toEqual({ lastSignIn: null, lastUsed: LONG_AGO });
    expect(Number(await successRows(world(), ids.userId))).toBe(0);
  }, 60_000);
}

const worldOptions: WorldOptions = { oidc: [{ users: GUESTS }] };

describe('sign-in bookkeeping on SQLite', () => {
  const world = useWorld(worldOptions);
  bookkeeping(() => world);
});

describeWithPostgres('sign-in bookkeeping', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    /** A Redis database of its own (other suites flush theirs). */
    const REDIS_DB = 8;
    const redisDb = () => redisDatabaseUrl(redisUrl()!, REDIS_DB);
    const pg = freshPostgresSchema();
    const world = useWorld(() => ({ ...worldOptions, databaseUrl: pg.url, redisUrl: redisDb() }));
    afterAll(async () => {
      const redis = await connectRedis(redisDb());
      await redis.flushdb();
      await redis.quit();
    });
    bookkeeping(() => world);
  });
});
