/**
 * The demo app against a real Foyer: sign in and sign out through both, with fetch and a cookie
 * jar standing in for the browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../../test/support/start-foyer.js';

const EMAIL = 'mia@contoso.example';
const PASSWORD = 'a long and correct password';
// Markup in a claim: the demo app must print it as text.
const NAME = 'Mia <b>Member</b> & "friends"';

/** Cookies by host (not port, as in a browser), honouring Path and Max-Age=0 deletion. */
class Browser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();
  /** Every URL requested, in order, redirects included. */
  readonly visited: URL[] = [];

  async go(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ url: URL; status: number; html: string }> {
    let target = new URL(url);
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hops = 0; hops < 20; hops++) {
      this.visited.push(target);
      const res = await fetch(target, {
        method,
        body,
        redirect: 'manual',
        headers: { cookie: this.cookieHeader(target), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      this.store(target, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        target = new URL(location, target);
        if (res.status !== 307 && res.status !== 308) [method, body] = ['GET', undefined];
        continue;
      }
      return { url: target, status: res.status, html: await res.text() };
    }
    throw new Error('too many redirects');
  }

  cookieNames(host: string): string[] {
    return [...(this.jar.get(host)?.keys() ?? [])];
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.hostname) ?? new Map();
    return [...cookies].filter(([, c]) => url.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join('; ');
  }

  private store(url: URL, setCookies: string[]): void {
    const cookies = this.jar.get(url.hostname) ?? new Map<string, { value: string; path: string }>();
    this.jar.set(url.hostname, cookies);
    for (const header of setCookies) {
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const attr = (n: string) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const expired = attr('max-age') === '0' || (attr('expires') !== undefined && Date.parse(attr('expires')!) < Date.now());
      if (expired) cookies.delete(name);
      else cookies.set(name, { value: pair!.slice(eq + 1), path: attr('path') ?? '/' });
    }
  }
}

/** The hidden and submit fields of the first form on a page, and where it posts to. */
function formOf(html: string, base: URL): { action: URL; fields: Record<string, string> } {
  const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in:\n${html}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[input[1]!] = decode(input[2]!);
  return { action: new URL(decode(form[1]!), base), fields };
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('examples/demo-app defaults', () => {
  it('match the demo app registered in config/foyer.yaml, so `npm start` + `npm run demo:app` work as they are', () => {
    const source = readFileSync(join(projectRoot, 'examples/demo-app/server.js'), 'utf8');
    const app = loadConfig(join(projectRoot, 'config/foyer.yaml'), {}).apps.find((a) => a.id === 'demo-app')!;
    expect(source).toContain(`process.env.CLIENT_ID || '${app.id}'`);
    expect(source).toContain(`process.env.CLIENT_SECRET || '${app.clientSecret}'`);
    expect(source).toContain("process.env.FOYER_ISSUER || 'http://localhost:3000'");
    expect(source).toContain('Number(process.env.PORT || 3001)');
    expect(source).toContain('`http://localhost:${PORT}`');
    expect(app.redirectUris).toEqual(['http://localhost:3001/callback']);
    expect(app.postLogoutRedirectUris).toEqual(['http://localhost:3001/']);
  });
});

describe('examples/demo-app with a real Foyer', () => {
  let foyer: RunningFoyer;
  let demo: ChildProcess;
  let demoUrl: string;
  let demoOutput = '';

  beforeAll(async () => {
    const demoPort = await freePort();
    demoUrl = `http://127.0.0.1:${demoPort}`;
    foyer = await startFoyer((config) => {
      config.apps = [
        {
          id: 'demo-app',
          displayName: 'Demo app',
          clientSecret: DEMO_SECRET,
          redirectUris: [`${demoUrl}/callback`],
          postLogoutRedirectUris: [`${demoUrl}/`],
          grantTypes: ['authorization_code', 'refresh_token'],
          firstParty: true,
        },
      ];
    });
    await foyer.createMember(EMAIL, PASSWORD, { name: NAME });

    demo = spawn(process.execPath, [join(projectRoot, 'examples/demo-app/server.js')], {
      env: {
        ...process.env,
        PORT: String(demoPort),
        HOST: '127.0.0.1',
        APP_URL: demoUrl,
        FOYER_ISSUER: foyer.issuer,
        CLIENT_ID: 'demo-app',
        CLIENT_SECRET: DEMO_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.setEncoding('utf8').on('data', (d: string) => (demoOutput += d));
    demo.stderr!.setEncoding('utf8').on('data', (d: string) => (demoOutput += d));
    const exited = once(demo, 'exit').then(([code]) => {
      throw new Error(`the demo app exited (${String(code)}):\n${demoOutput}`);
    });
    const listening = new Promise<void>((resolve) => {
      const check = () => (demoOutput.includes('listening') ? resolve() : setTimeout(check, 50));
      check();
    });
    await Promise.race([listening, exited]);
  });

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGTERM');
      await once(demo, 'exit');
    }
    await foyer?.stop();
  });

  it('signs a member in through Foyer, shows the ID token claims, and signs out', async () => {
    const browser = new Browser();

    const home = await browser.go(`${demoUrl}/`);
    expect(home.status).toBe(200);
    expect(home.html).toContain('Sign in with Foyer');

    // /login → Foyer's /auth → the interaction's login form.
    const loginPage = await browser.go(`${demoUrl}/login`);
    const auth = browser.visited.find((u) => u.href.startsWith(`${foyer.issuer}/auth`));
    expect(auth, browser.visited.join('\n')).toBeDefined();
    const params = auth!.searchParams;
    expect(params.get('client_id')).toBe('demo-app');
    expect(params.get('redirect_uri')).toBe(`${demoUrl}/callback`);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(params.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(params.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(loginPage.status).toBe(200);
    expect(loginPage.url.pathname).toMatch(/^\/interaction\//);
    expect(browser.cookieNames('127.0.0.1')).toContain('demo_app_session');

    // Identifier first: the email, then (a member) the password, back through /callback to the claims page.
    const identify = formOf(loginPage.html, loginPage.url);
    const passwordPage = await browser.go(identify.action, { form: { ...identify.fields, email: EMAIL } });
    expect(passwordPage.html).toMatch(/name="password"/);
    const form = formOf(passwordPage.html, passwordPage.url);
    const signedIn = await browser.go(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD } });
    expect(browser.visited.some((u) => u.href.startsWith(`${demoUrl}/callback?`))).toBe(true);
    expect(signedIn.url.href).toBe(`${demoUrl}/`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.html).toContain('id="claims"');
    expect(signedIn.html).toContain(`<td>${EMAIL}</td>`);
    expect(signedIn.html).toMatch(/<th scope="row">email_verified<\/th><td>true<\/td>/);
    expect(signedIn.html).toMatch(new RegExp(`<th scope="row">iss</th><td>${foyer.issuer}</td>`));
    expect(signedIn.html).toMatch(/<th scope="row">aud<\/th><td>demo-app<\/td>/);
    expect(signedIn.html).toMatch(/<th scope="row">sub<\/th><td>[0-9a-f-]{36}<\/td>/);
    expect(signedIn.html).toContain('<a href="/logout">Sign out</a>');
    // The name (from the ID token) is escaped, not interpreted.
    expect(signedIn.html).toContain('Hello, <span id="user-name">Mia &lt;b&gt;Member&lt;/b&gt; &amp; &quot;friends&quot;</span>');
    expect(signedIn.html).not.toContain('<b>Member</b>');

    // A second visit stays signed in.
    expect((await browser.go(`${demoUrl}/`)).html).toContain(EMAIL);

    // /logout → Foyer's end_session (with id_token_hint) → its confirmation form → back home.
    const confirm = await browser.go(`${demoUrl}/logout`);
    const endSession = browser.visited.find((u) => u.pathname === '/session/end');
    expect(endSession?.searchParams.get('post_logout_redirect_uri')).toBe(`${demoUrl}/`);
    expect(endSession?.searchParams.get('id_token_hint')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(confirm.status).toBe(200);
    const logoutForm = formOf(confirm.html, confirm.url);
    const signedOut = await browser.go(logoutForm.action, { form: { ...logoutForm.fields, logout: 'yes' } });
    expect(signedOut.url.href).toBe(`${demoUrl}/`);
    expect(signedOut.html).toContain('Sign in with Foyer');
    expect(signedOut.html).not.toContain(EMAIL);

    // Foyer's session has ended too: signing in again asks who you are.
    const again = await browser.go(`${demoUrl}/login`);
    expect(again.url.pathname).toMatch(/^\/interaction\//);
    expect(again.html).toMatch(/name="email"/);
  });

  it('refuses a callback whose state it did not issue', async () => {
    const browser = new Browser();
    await browser.go(`${demoUrl}/login`);
    const res = await browser.go(`${demoUrl}/callback?code=forged&state=forged&iss=${encodeURIComponent(foyer.issuer)}`);
    expect(res.status).toBe(400);
    expect(res.html).toMatch(/Signing in did not work/);
    // And a callback without a sign-in in progress.
    const stranger = await new Browser().go(`${demoUrl}/callback?code=x&state=y`);
    expect(stranger.status).toBe(400);
    expect(stranger.html).toMatch(/expired or was started in another browser/);
  });

  it('shows the user an error page (escaped) when they cancel at Foyer', async () => {
    const browser = new Browser();
    const loginPage = await browser.go(`${demoUrl}/login`);
    const abort = /href="([^"]*\/abort)"/.exec(loginPage.html)?.[1];
    expect(abort).toBeDefined();
    const res = await browser.go(new URL(decode(abort!), loginPage.url));
    expect(res.url.pathname).toBe('/callback');
    expect(res.status).toBe(400);
    expect(res.html).toContain('Signing in did not work: The user cancelled the sign-in.');
  });
});
