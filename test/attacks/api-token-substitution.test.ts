import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, leakedInternals } from '../support/browserless.js';
import { signIn, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { codeOf, PASSWORD, startDirectoryWorld, type DirectoryWorld } from '../api/directory-world.js';
import { hmacWithPublicKey, partsOf, signedByFoyer, signedByForeignKey, unsigned } from './support/web-forge.js';
import { oauthPost } from './support/web-oauth.js';
import { worldState } from './support/web-snapshot.js';

/**
 * Token substitution at Foyer's API (/v1.0): everything that is not an access token Foyer issued
 * for this API, to a registered app, still valid, is refused with 401 before any route runs, and a
 * real token without the permission with 403. The attacker aims each at three writes (disable a
 * user, create a group, send an invitation) and the directory and outbox are compared before and
 * after. The mechanism is src/api/bearer-auth.ts: jose's jwtVerify against Foyer's own public keys
 * with issuer, audience = `${issuer}/v1.0`, typ at+jwt and ES256/RS256 only, then the app registry.
 */
const ADMIN = 'root@contoso.example';
const OTHER_RESOURCE = 'https://api.contoso.example';

let w: DirectoryWorld;
let other: RunningFoyer;
let victimId: string;
/** The admin's real tokens: an API access token, an ID token, an opaque userinfo token, a token for another API. */
const real: Record<'api' | 'idToken' | 'userinfo' | 'otherApi', string> = { api: '', idToken: '', userinfo: '', otherApi: '' };

async function adminTokens(params: Record<string, string>) {
  const { tokens } = await signIn(new Browser(), await webAppClient(w.issuer), { email: ADMIN, password: PASSWORD, params });
  return tokens;
}

beforeAll(async () => {
  w = await startDirectoryWorld();
  await w.foyer.createMember(ADMIN, PASSWORD, { admin: true });
  victimId = await w.foyer.createMember('victim@contoso.example', PASSWORD);
  const apiTokens = await adminTokens({ resource: `${w.issuer}/v1.0`, scope: 'openid User.ReadWrite.All Group.ReadWrite.All User.Invite.All' });
  real.api = apiTokens.access_token;
  real.idToken = apiTokens.id_token!;
  real.userinfo = (await adminTokens({})).access_token;
  real.otherApi = (await adminTokens({ resource: OTHER_RESOURCE, scope: 'openid read write' })).access_token;
  // Another Foyer (another organisation's tenant) that registers THIS API's identifier as one of its
  // resource servers, and an app under an id that exists here with every permission.
  other = await startFoyer((config) => {
    (config.resourceServers as unknown[]).push({ identifier: `${w.issuer}/v1.0`, scopes: ['User.ReadWrite.All'] });
    (config.apps as unknown[]).push({ id: 'admin-app', displayName: 'Impostor', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'User.Invite.All'] });
  });
});
afterAll(async () => {
  await other?.stop();
  await w?.stop();
});

/** The attacker's three writes with `token`; returns each answer as [status, code]. */
async function attempt(token: string): Promise<[number, string | undefined][]> {
  const calls = [
    await w.call(token, 'PATCH', `/users/${victimId}`, { accountEnabled: false }),
    await w.call(token, 'POST', '/groups', { displayName: 'Attackers' }),
    await w.call(token, 'POST', '/invitations', { invitedUserEmailAddress: 'accomplice@evil.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', sendInvitationMessage: true }),
  ];
  for (const res of calls) expect(leakedInternals(JSON.stringify(res.body))).toBeUndefined();
  return calls.map((res) => [res.status, codeOf(res)]);
}

const UNAUTHENTICATED: [number, string][] = Array(3).fill([401, 'InvalidAuthenticationToken']);

/** The attack answered 401 three times and changed nothing. */
async function expectRefused(token: string, expected = UNAUTHENTICATED): Promise<void> {
  const before = await worldState(w.foyer);
  expect(await attempt(token)).toEqual(expected);
  expect(await worldState(w.foyer)).toEqual(before);
}

describe('tokens that are real, but not access tokens for this API', () => {
  it('the admin’s ID token (aud: the app, typ JWT) is refused as a bearer token', async () => {
    expect(partsOf(real.idToken).claims.aud).toBe('web-app');
    await expectRefused(real.idToken);
  });

  it('the admin’s access token for another API of the organisation is refused', async () => {
    expect(partsOf(real.otherApi).claims.aud).toBe(OTHER_RESOURCE);
    await expectRefused(real.otherApi);
  });

  it('an app’s client-credentials token for another API is refused', async () => {
    const res = await oauthPost(w.issuer, '/token', { clientId: 'admin-app', secret: DEMO_SECRET }, { grant_type: 'client_credentials', resource: OTHER_RESOURCE });
    await expectRefused(String(res.body.access_token));
  });

  it('the admin’s opaque access token for userinfo is refused', async () => {
    await expectRefused(real.userinfo);
  });

  it('a token another Foyer issued with this API as its audience, for an app id that exists here, is refused', async () => {
    const res = await oauthPost(other.issuer, '/token', { clientId: 'admin-app', secret: DEMO_SECRET }, { grant_type: 'client_credentials', resource: `${w.issuer}/v1.0` });
    const impostor = String(res.body.access_token);
    expect(partsOf(impostor).claims).toMatchObject({ aud: `${w.issuer}/v1.0`, client_id: 'admin-app', idtyp: 'app' });
    await expectRefused(impostor);
  });
});

describe('forged tokens, starting from the admin’s real API token', () => {
  it('the real token reads the victim (the starting point of every forgery below)', async () => {
    expect((await w.call(real.api, 'GET', `/users/${victimId}`)).status).toBe(200);
  });

  it('signed by a key Foyer never published, under Foyer’s kid', async () => {
    await expectRefused(await signedByForeignKey(real.api));
  });

  it('alg none, no signature', async () => {
    await expectRefused(unsigned(real.api));
  });

  it('HS256 keyed with Foyer’s published public key (algorithm confusion)', async () => {
    await expectRefused(await hmacWithPublicKey(w.foyer, real.api));
  });

  it('signed by Foyer’s own key, but for another issuer', async () => {
    await expectRefused(await signedByFoyer(w.foyer, real.api, (c) => ({ ...c, iss: 'https://login.evil.example' })));
  });

  it('signed by Foyer’s own key, but expired an hour ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await signedByFoyer(w.foyer, real.api, (c) => ({ ...c, iat: now - 7200, exp: now - 3600 })));
  });

  it('signed by Foyer’s own key, but typed as a plain JWT (an ID token’s type) rather than at+jwt', async () => {
    const retyped = await signedByFoyer(w.foyer, real.api, (c) => c, (h) => ({ ...h, typ: 'JWT' }));
    await expectRefused(retyped);
  });

  it('signed by Foyer’s own key, but issued to an app that is not registered', async () => {
    await expectRefused(await signedByFoyer(w.foyer, real.api, (c) => ({ ...c, client_id: 'ghost-app' })));
  });
});

describe('real tokens for this API, without the permission', () => {
  it('an app with no permissions: 403 for each write, nothing done', async () => {
    await expectRefused(w.tokens['nothing-app']!, Array(3).fill([403, 'Authorization_RequestDenied']));
  });

  it('an app that may only read users: 403 for each write, nothing done', async () => {
    await expectRefused(w.tokens['reader-app']!, Array(3).fill([403, 'Authorization_RequestDenied']));
  });
});

describe('the probe', () => {
  it('with the admin’s real token the same three writes go through (so each refusal above is the token’s doing)', async () => {
    expect(await attempt(real.api)).toEqual([
      [204, undefined],
      [201, undefined],
      [201, undefined],
    ]);
  });
});
