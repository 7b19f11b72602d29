/**
 * An authorization request whose login_hint (or domain_hint) decides the guest's home IdP is
 * answered with the redirect to that IdP right at /auth (src/interaction/upstream-from-authorization.ts),
 * bound to this browser and this interaction as from the interaction page. Everything the interaction
 * page decides otherwise (no hint, member, chooser, passcode, a screened-out address, an IdP that cannot
 * start, a redemption, prompt=none) still goes to /interaction/:uid, and is done there once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, leakedInternals, parseForms, type Page } from '../support/browserless.js';
import { PARTNER_USERS, signInAtPartner } from '../support/partner-idp.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { freePort } from '../support/start-foyer.js';
import { APP_URL, partnerUser, useWorld } from '../support/world.js';
import { ENGAGED_INTERACTION_TTL } from '../../src/interaction/interaction-lifetime.js';
import { WEB, finish, invitedGuest, start, type Authorization } from '../e2e-access/access-support.js';

// A port nothing listens on: the `gone` IdP's discovery fails at once.
const closedPort = await freePort();
const world = useWorld(() => ({
  // `partner` owns partner.example; it shares shared.example with `second` (a chooser); `gone` is down.
  oidc: [{ domains: ['partner.example', 'shared.example', 'blocked.example'], users: { ...PARTNER_USERS, gil: partnerUser('gil') } }, { id: 'second', domains: ['shared.example'] }],
  portal: true,
  customize: (config) => {
    (config.identityProviders as Record<string, unknown>[]).push({ id: 'gone', type: 'oidc', displayName: 'Gone', issuer: `http://127.0.0.1:${closedPort}`, clientId: 'x', clientSecret: 'y-secret-value', domains: ['gone.example'] });
    // An organisation this host blocks, whose addresses the partner IdP would otherwise serve.
    config.partners = [{ id: 'blockedco', displayName: 'Blocked Co', domains: ['blocked.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } }];
  },
}));

let alice: { userId: string; browser: Browser };
let bob: { userId: string; browser: Browser };
beforeAll(async () => {
  const token = await appToken(world.issuer, 'portal-app');
  alice = await invitedGuest(world.foyer, token, 'alice@partner.example', 'alice');
  bob = await invitedGuest(world.foyer, token, 'bob@partner.example', 'bob');
});

const db = () => world.foyer.foyer.db;
const callback = () => world.callback('partner');
const isInteractionPage = (url: string | undefined) => url !== undefined && new URL(url).origin === world.issuer && new URL(url).pathname.startsWith('/interaction/');
/** Where /auth sent the browser: the second entry of the walk. */
const firstHop = (auth: Authorization) => auth.page.trail[1];
const uidInState = (partnerUrl: string) => new URL(partnerUrl).searchParams.get('state')!.split('.')[0]!;

async function journeyOf(uid: string) {
  const interaction = await world.foyer.foyer.provider.Interaction.find(uid);
  return { interaction, journey: (interaction?.result as { foyer?: { email?: string; upstream?: { idpId: string; browser: string; pending: { state: string } }; identity?: unknown } } | undefined)?.foyer };
}

const failuresFor = async (email: string) => Number((await db()('sign_ins').where({ user_principal_name: email, result: 'failure' }).count({ n: '*' }).first())?.n);

async function snapshot(userId: string) {
  const [user, identities, signIns] = await Promise.all([
    db()('users').where({ id: userId }).first(),
    db()('identities').where({ user_id: userId }).select('issuer', 'subject').orderBy('subject'),
    db()('sign_ins').where({ user_id: userId }).select('result', 'error_code').orderBy('id'),
  ]);
  return { user, identities, signIns };
}

function expectRefused(page: Page, status: number, code: string) {
  expect(page.status).toBe(status);
  expect(errorCodeOf(page.body)).toBe(code);
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe('a login_hint that decides the home IdP', () => {
  it('sends the browser from /auth straight to the partner, bound to this browser and interaction, and the sign-in completes', async () => {
    const browser = new Browser();
    const auth = await start(browser, world.issuer, WEB, { login_hint: 'alice@partner.example' });
    const partnerUrl = firstHop(auth)!;
    expect(new URL(partnerUrl).origin).toBe(new URL(world.partner.issuer).origin);
    expect(auth.page.trail.some(isInteractionPage)).toBe(false);
    // The hint goes on to the partner, as from the interaction page.
    expect(new URL(partnerUrl).searchParams.get('login_hint')).toBe('alice@partner.example');
    // /auth was this browser's only request to Foyer, so the binding cookie came with its answer.
    expect(browser.cookiesFor(world.issuer)['foyer.browser']).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The interaction holds the attempt: its state, this browser's binding, and the journey's hour.
    const uid = uidInState(partnerUrl);
    const { interaction, journey } = await journeyOf(uid);
    expect(journey).toMatchObject({ email: 'alice@partner.example', upstream: { idpId: 'partner', pending: { state: new URL(partnerUrl).searchParams.get('state') } } });
    expect(journey?.upstream?.browser).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(interaction!.exp - interaction!.iat!).toBeGreaterThanOrEqual(ENGAGED_INTERACTION_TTL);
    expect(interaction!.exp - interaction!.iat!).toBeLessThanOrEqual(ENGAGED_INTERACTION_TTL + 1);

    const landed = await auth.submit(auth.page, { login: 'alice' });
    expect((await finish(auth, landed)).sub).toBe(alice.userId);
  });

  it('treats /AUTH and /auth/ as /auth', async () => {
    for (const path of ['/AUTH', '/auth/']) {
      const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'alice@partner.example' }, path);
      expect(new URL(firstHop(auth)!).origin, path).toBe(new URL(world.partner.issuer).origin);
      expect(auth.browser.cookiesFor(world.issuer)['foyer.browser'], path).toBeDefined();
      const landed = await auth.submit(auth.page, { login: 'alice' });
      expect((await finish(auth, landed)).sub, path).toBe(alice.userId);
    }
  });

  it('also for a domain_hint naming one IdP', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { domain_hint: 'partner.example' });
    expect(new URL(firstHop(auth)!).origin).toBe(new URL(world.partner.issuer).origin);
  });
});

describe('the partner’s answer to a sign-in started at /auth', () => {
  it('delivered by another browser is refused, and nothing changes', async () => {
    // The attacker's request names bob; the attacker stops at the partner and sends bob the link.
    const attacker = await start(new Browser(), world.issuer, WEB, { login_hint: 'bob@partner.example' });
    const link = firstHop(attacker)!;
    const uid = uidInState(link);
    const before = await snapshot(bob.userId);
    const journeyBefore = (await journeyOf(uid)).journey;

    const victim = new Browser();
    const params = await signInAtPartner(victim, link, 'bob', callback());
    const page = await victim.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB.redirectUri] });
    expectRefused(page, 400, 'browser_mismatch');
    expect(page.stoppedAt).toBeUndefined();
    expect(victim.cookiesFor(world.issuer)._session).toBeUndefined();
    expect(await snapshot(bob.userId)).toEqual(before);
    // The attacker's sign-in still waits for its own answer, unchanged.
    expect((await journeyOf(uid)).journey).toEqual(journeyBefore);
  });

  it('delivered a second time is refused, and nothing changes', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'bob@partner.example' });
    const params = await signInAtPartner(auth.browser, firstHop(auth)!, 'bob', callback());
    const first = await auth.open(`${callback()}?${new URLSearchParams(params)}`);
    expect((await finish(auth, first)).sub).toBe(bob.userId);
    const after = await snapshot(bob.userId);

    const again = await auth.open(`${callback()}?${new URLSearchParams(params)}`);
    expectRefused(again, 400, 'signInResponseUnknown');
    expect(again.stoppedAt).toBeUndefined();
    // In a second browser too.
    const other = new Browser();
    const elsewhere = await other.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB.redirectUri] });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.stoppedAt).toBeUndefined();
    expect(other.cookiesFor(world.issuer)._session).toBeUndefined();
    expect(await snapshot(bob.userId)).toEqual(after);
  });
});

describe('what the interaction page decides stays with it', () => {
  it('no hint: the email page', async () => {
    const auth = await start(new Browser(), world.issuer, WEB);
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    expect(parseForms(auth.page.body)[0]?.action).toMatch(/\/identify$/);
  });

  it('a member: the password form', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'someone@contoso.example' });
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    expect(parseForms(auth.page.body)[0]?.action).toMatch(/\/login$/);
  });

  it('two IdPs for the domain: the chooser', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'dana@shared.example' });
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    const actions = parseForms(auth.page.body).map((f) => f.action);
    expect(actions.some((a) => a.endsWith('/idp/partner'))).toBe(true);
    expect(actions.some((a) => a.endsWith('/idp/second'))).toBe(true);
  });

  it('an address no IdP owns: the emailed passcode offer', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'erin@elsewhere.example' });
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    expect(headingOf(auth.page.body)).toBe('Confirm your email address');
  });

  it('a blocked organisation’s address: refused by the page, logged once', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'fay@blocked.example' });
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    expect(auth.page.status).toBe(403);
    expect(leakedInternals(auth.page.body)).toBeUndefined();
    expect(await failuresFor('fay@blocked.example')).toBe(1);
  });

  it('an IdP that cannot be reached: upstream_unreachable from the page, logged once, nothing kept', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'pat@gone.example' });
    expect(isInteractionPage(firstHop(auth))).toBe(true);
    expectRefused(auth.page, 502, 'upstream_unreachable');
    expect(await failuresFor('pat@gone.example')).toBe(1);
    const uid = new URL(firstHop(auth)!).pathname.split('/')[2]!;
    expect((await journeyOf(uid)).journey?.upstream).toBeUndefined();
  });

  it('prompt=none without a session: login_required to the app, no interaction', async () => {
    const auth = await start(new Browser(), world.issuer, WEB, { login_hint: 'alice@partner.example', prompt: 'none' });
    expect(auth.page.stoppedAt).toBeDefined();
    expect(new URL(auth.page.stoppedAt!).searchParams.get('error')).toBe('login_required');
  });

  it('a redemption in progress: the page takes it, and the invited guest signs in', async () => {
    const { redeemUrl, userId } = await world.invite('gil@partner.example');
    const browser = new Browser();
    const review = await browser.navigate(redeemUrl);
    const partnerForm = await browser.submit(review, {}, { stopAt: [APP_URL] });
    expect(partnerForm.trail.some(isInteractionPage)).toBe(true);
    expect(new URL(partnerForm.url).origin).toBe(new URL(world.partner.issuer).origin);
    const params = await signInAtPartner(browser, partnerForm.url, 'gil', callback());
    const landed = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    expect(await db()('identities').where({ user_id: userId }).select('subject')).toEqual([{ subject: 'gil-sub' }]);
  });
});

describeWithPostgres('on PostgreSQL', () => {
  describeWithRedis('with the Interaction in Redis', () => {
    const pg = freshPostgresSchema();
    const prod = useWorld(() => ({ oidc: true, portal: true, databaseUrl: pg.url, redisUrl: redisUrl()! }));

    it('goes from /auth straight to the partner, keeps the journey for the hour, completes once, and refuses the answer again', async () => {
      const guest = await invitedGuest(prod.foyer, await appToken(prod.issuer, 'portal-app'), 'alice@partner.example', 'alice');
      const auth = await start(new Browser(), prod.issuer, WEB, { login_hint: 'alice@partner.example' });
      const partnerUrl = firstHop(auth)!;
      expect(new URL(partnerUrl).origin).toBe(new URL(prod.partner.issuer).origin);
      const interaction = await prod.foyer.foyer.provider.Interaction.find(uidInState(partnerUrl));
      expect((interaction?.result as { foyer?: { upstream?: { idpId?: string } } }).foyer?.upstream?.idpId).toBe('partner');
      expect(interaction!.exp - interaction!.iat!).toBeGreaterThanOrEqual(ENGAGED_INTERACTION_TTL);

      const callbackUrl = prod.callback('partner');
      const params = await signInAtPartner(auth.browser, partnerUrl, 'alice', callbackUrl);
      const landed = await auth.open(`${callbackUrl}?${new URLSearchParams(params)}`);
      expect((await finish(auth, landed)).sub).toBe(guest.userId);
      const users = await prod.foyer.foyer.db('users').where({ id: guest.userId }).first();
      const again = await auth.open(`${callbackUrl}?${new URLSearchParams(params)}`);
      expectRefused(again, 400, 'signInResponseUnknown');
      expect(await prod.foyer.foyer.db('users').where({ id: guest.userId }).first()).toEqual(users);
    });
  });
});
