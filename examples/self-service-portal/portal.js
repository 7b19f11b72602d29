// A self-service sign-up portal for partner users, like Entra's B2B sample: a person from an
// allowed partner domain asks for access with their email address, and the portal invites them
// through Foyer's invitation API with its own app registration (client credentials,
// User.Invite.All). It has no users and no sign-in of its own. Plain JavaScript on node:http and
// openid-client v6; `server.js` runs it from environment variables.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { URLSearchParams } from 'node:url';
import * as oidc from 'openid-client';

const CSRF_COOKIE = 'ssp_csrf';
const MAX_BODY_BYTES = 8 * 1024;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * @param {import('./portal.js').PortalSettings} settings
 * @returns {import('node:http').Server}
 */
export function createPortal(settings) {
  const fetchImpl = settings.fetch ?? globalThis.fetch;
  const log = settings.log ?? ((line) => console.log(line));
  const portalOrigin = new URL(settings.portalUrl).origin;
  const allowed = settings.allowedDomains.map((d) => d.trim().toLowerCase()).filter(Boolean);
  const csrfKey = randomBytes(32);
  const limiter = rateLimiter(settings.requestsPerIpPerHour ?? 20);
  const foyer = foyerClient(settings, fetchImpl);

  async function handle(req, res) {
    const { pathname } = new URL(req.url ?? '/', portalOrigin);
    if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) return showForm(req, res);
    if (pathname === '/request' && req.method === 'POST') return requestAccess(req, res);
    if (pathname === '/' || pathname === '/request') return message(res, 405, 'This page only works from the form', 'Open the sign-up page and use its form.', { allow: pathname === '/' ? 'GET, HEAD' : 'POST' });
    return message(res, 404, 'There is no such page', 'Go to the sign-up page.');
  }

  function showForm(req, res, opts = {}) {
    const token = csrfFor(req, res);
    const domains = allowed.map((d) => `<strong>${esc(d)}</strong>`).join(', ');
    page(res, opts.status ?? 200, 'Request access', `
      <h1>Request access to ${esc(settings.appName ?? settings.organisationName)}</h1>
      <p class="lead">${esc(settings.organisationName)} shares ${esc(settings.appName ?? 'its apps')} with people from partner organisations. Ask for access with your work email address; you will get an invitation by email and sign in with your own organisation's account.</p>
      ${opts.error ? `<p class="alert" role="alert" id="form-error">${esc(opts.error)}</p>` : ''}
      <form method="post" action="/request" novalidate>
        <input type="hidden" name="csrf" value="${esc(token)}">
        <label for="email">Work email address</label>
        <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${esc(opts.email ?? '')}"${opts.error ? ' aria-describedby="form-error" aria-invalid="true"' : ''} autofocus>
        <label for="name">Your name <span class="optional">(optional)</span></label>
        <input id="name" name="name" type="text" autocomplete="name" maxlength="100" value="${esc(opts.name ?? '')}">
        <button type="submit">Request access</button>
      </form>
      <p class="small">Addresses of these organisations can ask for access here: ${domains || 'none yet'}. Anyone else: ask your contact at ${esc(settings.organisationName)} to invite you.</p>`);
  }

  async function requestAccess(req, res) {
    if (!limiter.take(req.socket.remoteAddress ?? 'unknown')) {
      return message(res, 429, 'Too many requests', 'Wait an hour before asking again, or contact the person who sent you here.');
    }
    // Browsers send "Origin: null" in some cases (privacy settings); the CSRF token still decides then.
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && origin !== portalOrigin) return message(res, 403, 'This request came from another site', 'Open the sign-up page and use its form.');
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      return message(res, 415, 'The form could not be read', 'Open the sign-up page and use its form.');
    }
    let form;
    try {
      form = new URLSearchParams(await readBody(req));
    } catch {
      return message(res, 413, 'The form was too large', 'Open the sign-up page and fill in the form again.', { connection: 'close' });
    }
    if (!csrfValid(req, form.get('csrf'))) {
      return message(res, 403, 'This form has expired', 'Reload the sign-up page and send the form again.');
    }
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const name = (form.get('name') ?? '').trim();
    if (!EMAIL.test(email) || email.length > 254) {
      return showForm(req, res, { status: 400, error: 'Enter your work email address, like name@partner.example.', email: email.slice(0, 254), name: name.slice(0, 100) });
    }
    // Control characters have no place in a display name (they would end up in a mail header).
    if (name.length > 100 || /[\p{Cc}]/u.test(name)) {
      return showForm(req, res, { status: 400, error: 'Enter a name of at most 100 characters.', email, name: '' });
    }
    const domain = email.split('@')[1];
    if (!domainAllowed(domain, allowed)) {
      log(`refused a request for ${domain}: not on the allow list`);
      return message(res, 403, `${domain} addresses cannot ask for access here`, `This page is for people from partner organisations. Ask your contact at ${settings.organisationName} to invite you instead.`);
    }
    let result;
    try {
      result = await foyer.invite({ email, name });
    } catch (err) {
      log(`the invitation API could not be reached: ${err.message}`);
      return message(res, 502, 'Your request could not be sent right now', 'Try again in a few minutes.');
    }
    if (result.status === 201 || result.status === 200) {
      log(`invited ${domain} address (invitation ${result.body?.id ?? '?'})`);
      return message(res, 200, 'Check your email', `If ${email} may use ${settings.appName ?? 'the apps'} of ${settings.organisationName}, an invitation is on its way to it. Open the mail and accept the invitation to sign in.`);
    }
    const code = result.body?.error?.code ?? `http ${result.status}`;
    log(`the invitation API refused the request: ${code}`);
    if (result.status >= 400 && result.status < 500 && result.status !== 401) {
      return message(res, 400, 'Your request was not accepted', result.body?.error?.message ?? 'Check the address and try again.');
    }
    return message(res, 502, 'Your request could not be sent right now', 'Try again in a few minutes.');
  }

  // ---- CSRF: a random value in a cookie, and its HMAC in the form (the cookie alone is useless) ----

  function csrfFor(req, res) {
    let value = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      const secure = settings.portalUrl.startsWith('https:') ? '; Secure' : '';
      res.setHeader('Set-Cookie', `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}`);
    }
    return createHmac('sha256', csrfKey).update(value).digest('base64url');
  }

  function csrfValid(req, sent) {
    const value = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!value || typeof sent !== 'string') return false;
    const expected = Buffer.from(createHmac('sha256', csrfKey).update(value).digest('base64url'));
    const given = Buffer.from(sent);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function message(res, status, heading, nextStep, extraHeaders = {}) {
    const ok = status < 400;
    page(res, status, heading, `
      <h1>${esc(heading)}</h1>
      <p class="lead"${ok ? '' : ' role="alert"'}>${esc(nextStep)}</p>
      <p><a href="/">${ok ? 'Ask for someone else' : 'Back to the sign-up page'}</a></p>`, extraHeaders);
  }

  function page(res, status, title, body, extraHeaders = {}) {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      // same-origin, not no-referrer: with no-referrer, browsers post the form with "Origin: null".
      'Referrer-Policy': 'same-origin',
      ...extraHeaders,
    });
    res.end(layout(settings, title, body));
  }

  return createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`request failed: ${err.stack ?? err}`);
      if (!res.headersSent) message(res, 500, 'Something went wrong', 'Try again in a few minutes.');
      else res.end();
    });
  });
}

/** Exact domains, or `*.example` for any subdomain of example. */
export function domainAllowed(domain, allowed) {
  return allowed.some((entry) => (entry.startsWith('*.') ? domain.endsWith(entry.slice(1)) : domain === entry));
}

/** Foyer's API with the portal's own client-credentials token, cached until shortly before it expires. */
function foyerClient(settings, fetchImpl) {
  const resource = `${settings.issuer}/v1.0`;
  let configuration;
  let token;

  async function accessToken() {
    if (token && token.expiresAt > Date.now() + 30_000) return token.value;
    configuration ??= await oidc.discovery(new URL(settings.issuer), settings.clientId, undefined, oidc.ClientSecretBasic(settings.clientSecret), {
      // Plain http is only acceptable for a local Foyer.
      execute: settings.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
      [oidc.customFetch]: fetchImpl,
    });
    configuration[oidc.customFetch] = fetchImpl;
    const tokens = await oidc.clientCredentialsGrant(configuration, { resource });
    token = { value: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000 };
    return token.value;
  }

  return {
    async invite({ email, name }) {
      const body = {
        invitedUserEmailAddress: email,
        ...(name ? { invitedUserDisplayName: name } : {}),
        inviteRedirectUrl: settings.inviteRedirectUrl,
        sendInvitationMessage: true,
        invitedUserMessageInfo: { customizedMessageBody: `You asked for access on ${settings.organisationName}'s partner sign-up page.` },
      };
      const call = async () =>
        fetchImpl(`${resource}/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        });
      let res = await call();
      if (res.status === 401) {
        // A token Foyer no longer accepts (keys rotated, Foyer restarted with a new database): one fresh try.
        token = undefined;
        await res.arrayBuffer();
        res = await call();
      }
      const text = await res.text();
      let parsed;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed };
    },
  };
}

function rateLimiter(perHour) {
  const hits = new Map();
  setInterval(() => {
    const cutoff = Date.now() - 3600_000;
    for (const [key, times] of hits) if (!times.some((t) => t > cutoff)) hits.delete(key);
  }, 600_000).unref();
  return {
    take(key) {
      const cutoff = Date.now() - 3600_000;
      const times = (hits.get(key) ?? []).filter((t) => t > cutoff);
      if (times.length >= perHour) return false;
      times.push(Date.now());
      hits.set(key, times);
      return true;
    },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop keeping it; the 413 answer closes the connection (see requestAccess).
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseCookies(header = '') {
  const out = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function layout(settings, title, body) {
  const colour = /^#[0-9a-f]{6}$/i.test(settings.primaryColor ?? '') ? settings.primaryColor : '#1f4e9c';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(settings.organisationName)} partner sign-up</title>
<style>
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef1f6;color:#1b1f24}
  header{display:flex;align-items:center;gap:.6rem;padding:1rem 1.5rem;background:#fff;border-bottom:4px solid ${colour}}
  .mark{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:6px;background:${colour};color:#fff;font-weight:700}
  header strong{font-size:1.1rem} header span.sub{color:#4b5563}
  main{max-width:32rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
  h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
  .lead{color:#374151}
  label{display:block;font-weight:600;margin:1rem 0 .3rem}
  .optional{font-weight:400;color:#4b5563}
  input{width:100%;padding:.65rem;border:1px solid #6b7280;border-radius:6px;font:inherit}
  input:focus,button:focus,a:focus{outline:3px solid ${colour};outline-offset:2px}
  button{margin-top:1.5rem;padding:.7rem 1.4rem;font:inherit;font-weight:600;border:0;border-radius:6px;background:${colour};color:#fff;cursor:pointer}
  .alert{padding:.75rem;border-radius:6px;background:#fde8e8;color:#8a1c1c;border:1px solid #e5a3a3}
  .small{font-size:.9rem;color:#4b5563}
  a{color:${colour}}
  @media (max-width:34rem){body{background:#fff}main{margin:0;border-radius:0;box-shadow:none;padding:1.25rem}}
</style></head>
<body><header><span class="mark" aria-hidden="true">${esc(settings.organisationName.slice(0, 1).toUpperCase())}</span><strong>${esc(settings.organisationName)}</strong><span class="sub">Partner sign-up</span></header>
<main id="main">${body}</main></body></html>`;
}

export function esc(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}
