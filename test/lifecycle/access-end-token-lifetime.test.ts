/**
 * Tokens end no later than the user's access end. The account lookup refuses from the end's
 * instant, but an app checks a JWT offline and a refresh token lives on its own, so every token
 * issued before the end must itself expire by then: a guest whose end is 10 minutes away gets an
 * access token, ID token and refresh token for 10 minutes, and a refresh a minute before the end
 * gives tokens for that last minute. A member without an end keeps the usual lifetimes (1 h, and
 * 14 days for the refresh token). An API's own shorter lifetime (accessTokenTtlSeconds) holds while
 * the end is further away, and the end caps it when it is nearer. On SQLite, and on PostgreSQL + Redis (where the user comes from
 * the node's copy). Real Foyer, real partner IdP, the lifecycle clock moved by hand;
 * lifetimes are read as exp - iat, since tokens are stamped with the real time and the end is
 * judged on the lifecycle clock.
 */
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../../src/lib/clock.js';
import { PASSWORD, redeemLink } from '../portal/portal-helpers.js';
import { Browser, headingOf } from '../support/browserless.js';
import { finishAuthorization, signedInWebApp, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { partnerUser, useWorld, type World, type WorldOptions } from '../support/world.js';

const MINUTE = 60_000;
const DAYS_14 = 14 * 86_400;
/** An API whose tokens live 5 minutes. */
const SHORT_API = 'https://short.contoso.example';

function worldOptions(clock: ManualClock): WorldOptions {
  return {
    oidc: [{ users: { gus: partnerUser('gus'), ria: partnerUser('ria') } }],
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example', 'mia@contoso.example'],
    customize: (config) => void (config.resourceServers as unknown[]).push({ identifier: SHORT_API, scopes: ['read'], accessTokenTtlSeconds: 300 }),
  };
}

/** A guest invited with an access end, redeemed and signed in to the web app (with a refresh token); `params` add to the authorization request. */
async function guest(world: World, login: string, end: string, params: Record<string, string> = {}) {
  const myApps = `${world.foyer.issuer}/myapps`;
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps, invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], accessExpirationDateTime: end });
  const browser = new Browser();
  const landed = await redeemLink(world, browser, invited.redeemUrl, login, 'http://never.example/');
  expect([landed.url, headingOf(landed.body)]).toEqual([myApps, 'My Apps']);
  const config = await webAppClient(world.foyer.issuer);
  const pending = await startAuthorization(config, params);
  const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  return { config, tokens: await finishAuthorization(config, page.stoppedAt!, pending) };
}

/** How long each token lives: the access token's expires_in, the ID token's and the refresh token's (introspected) exp - iat. */
async function lifetimes(config: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers) {
  const id = tokens.claims()!;
  const refresh = await client.tokenIntrospection(config, tokens.refresh_token!);
  expect(refresh.active).toBe(true);
  return { access: tokens.expires_in, id: id.exp - id.iat, refresh: refresh.exp! - refresh.iat! };
}

function lifetimeTests(clock: ManualClock, world: World) {
  it('a guest whose end is 10 minutes away gets tokens that expire at the end, and a refresh a minute before it gives tokens for that minute', async () => {
    const end = new Date(clock.now().getTime() + 10 * MINUTE);
    const { config, tokens } = await guest(world, 'gus', end.toISOString());
    const first = await lifetimes(config, tokens);
    // The refresh token is stamped when built and its exp when stored, which may fall in the next second.
    expect(first).toEqual({ access: 600, id: 600, refresh: expect.any(Number) });
    expect(first.refresh === 600 || first.refresh === 599).toBe(true);

    clock.set(new Date(end.getTime() - MINUTE));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const last = await lifetimes(config, refreshed);
    expect(last).toEqual({ access: 60, id: 60, refresh: expect.any(Number) });
    expect(last.refresh === 60 || last.refresh === 59).toBe(true);

    // At the end nothing more is issued: the account lookup refuses the rotated refresh token.
    clock.set(end);
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a token for an API of 5 minutes lives 5 minutes for a guest 10 minutes from the end, and 2 minutes on a refresh 2 minutes from the end', async () => {
    const end = new Date(clock.now().getTime() + 10 * MINUTE);
    const { config, tokens } = await guest(world, 'ria', end.toISOString(), { resource: SHORT_API, scope: 'openid email profile read' });
    const first = decodeJwt(tokens.access_token);
    expect({ expiresIn: tokens.expires_in, jwt: first.exp! - first.iat!, aud: first.aud }).toEqual({ expiresIn: 300, jwt: 300, aud: SHORT_API });
    // The ID token is not for the API: it still ends at the end.
    expect((await lifetimes(config, tokens)).id).toBe(600);

    clock.set(new Date(end.getTime() - 2 * MINUTE));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const last = decodeJwt(refreshed.access_token);
    expect({ expiresIn: refreshed.expires_in, jwt: last.exp! - last.iat!, aud: last.aud }).toEqual({ expiresIn: 120, jwt: 120, aud: SHORT_API });
  });

  it('a member without an end keeps the usual lifetimes: 1 h for access and ID tokens, 14 days for the refresh token', async () => {
    const { config, tokens } = await signedInWebApp(world.foyer.issuer, 'mia@contoso.example', PASSWORD);
    const usual = await lifetimes(config, tokens!);
    expect({ access: usual.access, id: usual.id }).toEqual({ access: 3600, id: 3600 });
    expect(usual.refresh === DAYS_14 || usual.refresh === DAYS_14 - 1).toBe(true);
    const refreshed = await client.refreshTokenGrant(config, tokens!.refresh_token!);
    const again = await lifetimes(config, refreshed);
    expect({ access: again.access, id: again.id }).toEqual({ access: 3600, id: 3600 });
    expect(again.refresh === DAYS_14 || again.refresh === DAYS_14 - 1).toBe(true);
  });
}

describe('token lifetimes and the access end, on SQLite', () => {
  // Whole seconds, so that 10 minutes from now on this clock is exactly 600 s of token lifetime.
  const clock = manualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  lifetimeTests(clock, useWorld(worldOptions(clock)));
});

describeWithPostgres('token lifetimes and the access end', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const clock = manualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
    const pg = freshPostgresSchema();
    lifetimeTests(clock, useWorld(() => ({ ...worldOptions(clock), databaseUrl: pg.url, redisUrl: redisUrl() })));
  });
});
