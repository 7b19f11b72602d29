/**
 * Authlib (Debian's python3-authlib, with Flask) as an app: it validates Foyer's ID tokens itself
 * (JWKS signature, iss, aud, nonce), uses PKCE, refreshes sending its scope again, and logs out.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { Browser } from '../support/browserless.js';
import { isIdentifyPage } from '../support/oidc-client.js';
import { DEMO_SECRET, freePort } from '../support/start-foyer.js';
import { PASSWORD, startWorld, type World } from '../support/world.js';
import { missing, startPeer, type RunningPeer } from './support/peers.js';

const skip = missing('authlib');
const MEMBER = 'abe@contoso.example';

interface AuthlibApp {
  url: string;
  peer: RunningPeer;
}

async function startAuthlibApp(issuer: string, port: number, clientId: string, scope: string): Promise<AuthlibApp> {
  const script = join(projectRoot, 'test/interop/support/authlib_app.py');
  // Debian's python3 (a pyenv or venv python would not see the Debian packages); http on loopback only.
  const peer = await startPeer('/usr/bin/python3', [script, issuer, String(port), clientId, DEMO_SECRET, scope], port, { AUTHLIB_INSECURE_TRANSPORT: '1' });
  return { url: `http://127.0.0.1:${port}`, peer };
}

describe.skipIf(skip)(`Authlib (Flask) as an app${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World;
  let offline: AuthlibApp;
  let online: AuthlibApp;

  beforeAll(async () => {
    const ports = { offline: await freePort(), online: await freePort() };
    const app = (id: string, port: number, firstParty: boolean) => ({
      id,
      displayName: `Authlib ${id}`,
      clientSecret: DEMO_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/callback`],
      postLogoutRedirectUris: [`http://127.0.0.1:${port}/`],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty,
    });
    world = await startWorld({ members: [MEMBER], apps: [app('authlib-offline', ports.offline, true), app('authlib-online', ports.online, true)] });
    offline = await startAuthlibApp(world.issuer, ports.offline, 'authlib-offline', 'openid email profile offline_access');
    online = await startAuthlibApp(world.issuer, ports.online, 'authlib-online', 'openid email profile');
  }, 60_000);
  afterAll(async () => {
    await offline?.peer.stop();
    await online?.peer.stop();
    await world?.stop();
  });

  async function signIn(app: AuthlibApp): Promise<{ browser: Browser; me: { claims: Record<string, unknown>; access_token: string; has_refresh_token: boolean } }> {
    const browser = new Browser();
    const identify = await browser.navigate(`${app.url}/login`);
    expect(isIdentifyPage(identify), `${identify.status} ${identify.url}\n${identify.body.slice(0, 400)}\n${app.peer.output()}`).toBe(true);
    const passwordForm = await browser.submit(identify, { email: MEMBER });
    const me = await browser.submit(passwordForm, { email: MEMBER, password: PASSWORD });
    expect(me.status, `${me.url}\n${me.body.slice(0, 400)}\n${app.peer.output()}`).toBe(200);
    return { browser, me: JSON.parse(me.body) as never };
  }

  async function refresh(browser: Browser, app: AuthlibApp) {
    const res = await browser.request(`${app.url}/refresh`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('signs a member in; Authlib accepts the ID token', async () => {
    const { me } = await signIn(offline);
    expect(me.claims).toMatchObject({ sub: world.members[MEMBER], email: MEMBER, iss: world.issuer, aud: 'authlib-offline' });
    expect(me.has_refresh_token).toBe(true);
  });

  it('refreshes with offline_access in its scope, twice (the rotated token carries it on)', async () => {
    const { browser, me } = await signIn(offline);
    const first = await refresh(browser, offline);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.access_token).not.toBe(me.access_token);
    expect(String(first.body.scope).split(' ')).toContain('offline_access');
    const second = await refresh(browser, offline);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
  });

  it('refreshes without offline_access', async () => {
    const { browser } = await signIn(online);
    const first = await refresh(browser, online);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(String(first.body.scope).split(' ')).not.toContain('offline_access');
  });

  it('logs out at Foyer, so the next sign-in asks again', async () => {
    const { browser } = await signIn(offline);
    let page = await browser.navigate(`${offline.url}/logout`);
    if (page.url.startsWith(world.issuer) && page.body.includes('<form')) page = await browser.submit(page, { logout: 'yes' });
    expect(page.body, `${page.url}\n${page.body.slice(0, 400)}`).toContain('Signed out of the Authlib app');
    expect(isIdentifyPage(await browser.navigate(`${offline.url}/login`))).toBe(true);
  });
});
