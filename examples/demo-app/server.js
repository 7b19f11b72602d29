// A tiny relying party for Foyer: sign in with the authorization code flow (PKCE S256, state,
// nonce), also when Foyer starts it (third-party initiated login, after a guest redeems an
// invitation), show the ID token's claims, sign out with RP-initiated logout. Plain JavaScript on
// node:http and openid-client v6, so it runs with `node examples/demo-app/server.js`, no build.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const PORT = Number(process.env.PORT || 3001);
const HOST = process.env.HOST || 'localhost';
/** Where the browser reaches this app; the redirect URIs registered in Foyer are built from it. */
const APP_URL = (process.env.APP_URL || `http://localhost:${PORT}`).replace(/\/$/, '');
const ISSUER = process.env.FOYER_ISSUER || 'http://localhost:3000';
const CLIENT_ID = process.env.CLIENT_ID || 'demo-app';
// The demo secret of config/foyer.yaml; anywhere but a laptop it comes from the environment.
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'demo-app-secret-please-change-0123456789';

const REDIRECT_URI = `${APP_URL}/callback`;
const POST_LOGOUT_REDIRECT_URI = `${APP_URL}/`;
const SCOPE = 'openid profile email';
const SESSION_COOKIE = 'demo_app_session';
const SESSION_TTL_MS = 60 * 60 * 1000;
const SECURE_COOKIE = APP_URL.startsWith('https:');

// ---- sessions: an id in an HttpOnly cookie, the data in memory (gone when the app restarts) ----

/** @type {Map<string, { expires: number, pending?: { state: string, nonce: string, codeVerifier: string, returnTo: string }, claims?: Record<string, unknown>, idToken?: string }>} */
const sessions = new Map();

function readSession(req) {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  const session = id ? sessions.get(id) : undefined;
  if (!session || session.expires < Date.now()) return undefined;
  return { id, session };
}

/** Starts a new session (also on sign-in, so an id set before sign-in never becomes a signed-in one). */
function newSession(res, previousId) {
  if (previousId) sessions.delete(previousId);
  const id = randomBytes(32).toString('base64url');
  const session = { expires: Date.now() + SESSION_TTL_MS };
  sessions.set(id, session);
  setCookie(res, `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}${SECURE_COOKIE ? '; Secure' : ''}`);
  return session;
}

function endSession(res, id) {
  if (id) sessions.delete(id);
  setCookie(res, `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${SECURE_COOKIE ? '; Secure' : ''}`);
}

setInterval(() => {
  const now = Date.now();
  for (const [id, s] of sessions) if (s.expires < now) sessions.delete(id);
}, 60_000).unref();

// ---- Foyer's metadata: discovered on first use, so the app may start before Foyer does ----

let discovered;
function foyer() {
  discovered ??= oidc
    .discovery(new URL(ISSUER), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET), {
      // Plain http is only acceptable for a local Foyer.
      execute: ISSUER.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
    })
    .catch((err) => {
      discovered = undefined;
      throw err;
    });
  return discovered;
}

// ---- routes ----

async function home(req, res) {
  const current = readSession(req);
  const claims = current?.session.claims;
  if (!claims) {
    return page(res, 200, 'Demo app', `
      <h1>Demo app</h1>
      <p>You are not signed in.</p>
      <form method="get" action="/login"><button type="submit">Sign in with Foyer</button></form>`);
  }
  const name = claims.name || claims.preferred_username || claims.email || claims.sub;
  const rows = Object.entries(claims)
    .map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(describeClaim(key, value))}</td></tr>`)
    .join('\n');
  return page(res, 200, 'Demo app', `
    <h1>Hello, <span id="user-name">${escapeHtml(name)}</span></h1>
    <p>You signed in with Foyer. These are the claims of your ID token:</p>
    <table id="claims"><thead><tr><th>Claim</th><th>Value</th></tr></thead><tbody>
    ${rows}
    </tbody></table>
    <p><a href="/logout">Sign out</a></p>`);
}

async function login(req, res) {
  await startSignIn(req, res, { returnTo: '/' });
}

/**
 * OIDC Core §4, third-party initiated login: Foyer (after a guest redeems an invitation) sends the
 * browser here with its issuer, the guest's address and the page to open. Anyone can send a
 * browser to this URL, so it only ever starts this app's own sign-in with Foyer: the issuer must be
 * the one this app trusts (another issuer is refused, not followed), and the page to open must be
 * on this app's origin (else this would be an open redirector). The sign-in then runs exactly like
 * one started by the button: state, nonce and PKCE bound to this browser's session.
 */
async function initiateLogin(req, res) {
  const params = new URL(req.url, APP_URL).searchParams;
  const iss = params.get('iss');
  if (iss !== ISSUER) {
    return errorPage(res, 400, 'This sign-in was started by an issuer this app does not use.', 'Go to the home page and sign in there.');
  }
  let returnTo = '/';
  const target = params.get('target_link_uri');
  if (target !== null) {
    const url = URL.canParse(target) ? new URL(target) : undefined;
    if (!url || url.origin !== new URL(APP_URL).origin) {
      return errorPage(res, 400, 'This sign-in link points outside this app.', 'Go to the home page and sign in there.');
    }
    // Absolute, on this origin: a path such as //evil.example must not become a protocol-relative redirect.
    returnTo = `${url.origin}${url.pathname}${url.search}`;
  }
  const hint = params.get('login_hint');
  await startSignIn(req, res, { returnTo, loginHint: hint && hint.length <= 320 ? hint : undefined });
}

/** Starts the authorization code flow with PKCE, remembering where to go once it succeeds. */
async function startSignIn(req, res, { returnTo, loginHint }) {
  const config = await foyer();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, returnTo };
  const current = readSession(req);
  const session = current?.session ?? newSession(res);
  session.pending = pending;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...(loginHint ? { login_hint: loginHint } : {}),
  });
  redirect(res, url.href);
}

async function callback(req, res) {
  const current = readSession(req);
  const pending = current?.session.pending;
  if (!current || !pending) {
    return errorPage(res, 400, 'This sign-in has expired or was started in another browser.', 'Sign in again.');
  }
  const config = await foyer();
  let tokens;
  try {
    // Checks state, the PKCE verifier, the ID token's signature, iss, aud, exp and nonce.
    tokens = await oidc.authorizationCodeGrant(config, new URL(req.url, APP_URL), {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    delete current.session.pending;
    const detail = err instanceof oidc.AuthorizationResponseError ? err.error_description || err.error : err.message;
    return errorPage(res, 400, `Signing in did not work: ${detail}`, 'Sign in again.');
  }
  const session = newSession(res, current.id);
  session.claims = tokens.claims();
  session.idToken = tokens.id_token;
  // A page of this app (its origin was checked when the sign-in started).
  redirect(res, pending.returnTo || '/');
}

async function logout(req, res) {
  const current = readSession(req);
  const idToken = current?.session.idToken;
  endSession(res, current?.id);
  if (!idToken) return redirect(res, '/');
  const config = await foyer();
  // Foyer ends its own session too, then sends the browser back to the home page.
  const url = oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI });
  redirect(res, url.href);
}

const routes = { '/': home, '/login': login, '/initiate-login': initiateLogin, '/callback': callback, '/logout': logout };

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', APP_URL);
  const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
  if (!route) return errorPage(res, 404, 'There is no such page.', 'Go to the home page.');
  if (req.method !== 'GET' && req.method !== 'HEAD') return errorPage(res, 405, 'Only GET is supported here.', 'Go to the home page.');
  try {
    await route(req, res);
  } catch (err) {
    const unreachable = err?.cause?.code === 'ECONNREFUSED' || /fetch failed/.test(String(err?.message));
    console.error(err);
    if (unreachable) return errorPage(res, 502, `Foyer does not answer at ${ISSUER}.`, 'Start it with npm start, or set FOYER_ISSUER.');
    errorPage(res, 500, 'Something went wrong in the demo app.', 'See its console output.');
  }
});

server.listen(PORT, HOST, () => {
  console.log(`demo app listening on ${APP_URL} (Foyer at ${ISSUER}, client ${CLIENT_ID})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

// ---- HTML and HTTP helpers ----

function page(res, status, title, body) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(ISSUER).origin}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Content-Type-Options': 'nosniff',
    // The callback URL carries the authorization code: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1b1f24; background: #f4f6f9; }
  header { display: flex; align-items: baseline; gap: .75rem; padding: .9rem 1.5rem; background: #0f2a4a; color: #fff; }
  header strong { font-size: 1.1rem; } header span { color: #c9d6e8; font-size: .9rem; }
  main { max-width: 48rem; margin: 2rem auto; padding: 1.75rem 2rem; background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { margin-top: 0; }
  button { font: inherit; font-weight: 600; padding: .65rem 1.3rem; border: 0; border-radius: 6px; background: #1f4e9c; color: #fff; cursor: pointer; }
  button:focus, a:focus { outline: 3px solid #1f4e9c; outline-offset: 2px; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  td { font-family: ui-monospace, monospace; word-break: break-all; }
  a { color: #1f4e9c; }
  .error { color: #a40e26; }
  @media (max-width: 40rem) { main { margin: 0; border-radius: 0; padding: 1.25rem; } }
</style></head>
<body><header><strong>Demo app</strong><span>a relying party that signs in with Foyer</span></header>
<main>${body}</main></body></html>`);
}

function errorPage(res, status, message, nextStep) {
  page(res, status, 'Demo app: error', `
    <h1>Demo app</h1>
    <p class="error" role="alert">${escapeHtml(message)}</p>
    <p><a href="/">${escapeHtml(nextStep)}</a></p>`);
}

function redirect(res, location) {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

function setCookie(res, cookie) {
  const existing = res.getHeader('Set-Cookie');
  res.setHeader('Set-Cookie', [...(Array.isArray(existing) ? existing : existing ? [String(existing)] : []), cookie]);
}

function parseCookies(header = '') {
  const out = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Times as dates too, so a person can read them; everything else as JSON unless it is text. */
function describeClaim(key, value) {
  if (['iat', 'exp', 'auth_time', 'nbf'].includes(key) && typeof value === 'number') {
    return `${value} (${new Date(value * 1000).toISOString()})`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}
