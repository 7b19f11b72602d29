/**
 * The self-service sign-up portal against a real Foyer: its app registration gets a
 * client-credentials token and invites through POST /v1.0/invitations; the allow list refuses
 * other domains before anything reaches Foyer; bad input and forged forms are refused and
 * everything it echoes is escaped.
 */
import type { Server } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startFoyer, type RunningFoyer } from '../../test/support/start-foyer.js';
import { createPortal, domainAllowed, type PortalSettings } from './portal.js';

const PORTAL_SECRET = 'self-service-portal-test-secret-0123456789';
const LANDING = 'http://127.0.0.1:9999/';

let foyer: RunningFoyer;
let portal: { url: string; server: Server; foyerCalls: string[] };

async function startPortal(overrides: Partial<PortalSettings> = {}) {
  const foyerCalls: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    foyerCalls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  const port = await freePort();
  const settings: PortalSettings = {
    portalUrl: `http://127.0.0.1:${port}`,
    issuer: foyer.issuer,
    clientId: 'self-service-portal',
    clientSecret: PORTAL_SECRET,
    allowedDomains: ['partner.example', '*.fabrikam.example'],
    inviteRedirectUrl: LANDING,
    organisationName: 'Contoso <R&D>',
    appName: 'Web App',
    fetch: countingFetch,
    log: () => {},
    ...overrides,
  };
  const server = createPortal(settings);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: settings.portalUrl, server, foyerCalls };
}

function stopPortal(p: { server: Server }) {
  return new Promise<void>((resolve) => {
    p.server.closeAllConnections();
    p.server.close(() => resolve());
  });
}

/** The form as a browser gets it: the CSRF cookie and the token field. */
async function openForm(url = portal.url): Promise<{ cookie: string; csrf: string; html: string }> {
  const res = await fetch(`${url}/`);
  const html = await res.text();
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  return { cookie, csrf, html };
}

async function submit(fields: Record<string, string>, opts: { cookie?: string; headers?: Record<string, string>; body?: string; url?: string } = {}) {
  const res = await fetch(`${opts.url ?? portal.url}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    body: opts.body ?? new URLSearchParams(fields).toString(),
  });
  return { status: res.status, html: await res.text() };
}

async function invitationsFor(email: string) {
  return foyer.foyer.db('invitations').where({ invited_email: email });
}

function outboxFiles(): string[] {
  try {
    return readdirSync(join(foyer.dir, 'outbox'));
  } catch {
    return [];
  }
}

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    (config.apps as Record<string, unknown>[]).push({
      id: 'self-service-portal',
      displayName: 'Partner sign-up portal',
      clientSecret: PORTAL_SECRET,
      grantTypes: ['client_credentials'],
      permissions: ['User.Invite.All'],
    });
    // Foyer's own rule, to see the portal pass a refusal on: this subdomain may not be invited.
    config.invitations = { blockedDomains: ['blocked.fabrikam.example'] };
  });
  portal = await startPortal();
});
afterAll(async () => {
  if (portal) await stopPortal(portal);
  await foyer?.stop();
});
beforeEach(() => {
  portal.foyerCalls.length = 0;
});

describe('self-service sign-up portal', () => {
  it('shows a form with a CSRF token, and escapes what it prints', async () => {
    const { html, cookie, csrf } = await openForm();
    expect(cookie).toMatch(/^ssp_csrf=[A-Za-z0-9_-]{43}$/);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(html).toContain('<label for="email">Work email address</label>');
    expect(html).toContain('Contoso &lt;R&amp;D&gt;');
    expect(html).not.toContain('Contoso <R&D>');
    expect(html).toContain('<strong>partner.example</strong>');
  });

  it('invites an allowed partner address through Foyer, which mails the invitation', async () => {
    const before = outboxFiles().length;
    const { cookie, csrf } = await openForm();
    const res = await submit({ csrf, email: 'Sam@Partner.example', name: 'Sam <b>Partner</b>' }, { cookie });
    expect(res.status).toBe(200);
    expect(res.html).toContain('<h1>Check your email</h1>');
    expect(res.html).toContain('sam@partner.example');

    const [row] = await invitationsFor('sam@partner.example');
    expect(row).toMatchObject({ status: 'PendingAcceptance', invite_redirect_url: LANDING, invited_by_type: 'app', invited_by_id: 'self-service-portal' });
    const user = await foyer.foyer.users.findById(row!.user_id as string);
    expect(user?.displayName).toBe('Sam <b>Partner</b>');
    expect(outboxFiles().length).toBe(before + 1);
    // A token, then the invitation (discovery on first use).
    expect(portal.foyerCalls.some((u) => u.endsWith('/token'))).toBe(true);
    expect(portal.foyerCalls.at(-1)).toBe(`${foyer.issuer}/v1.0/invitations`);
  });

  it('accepts subdomains of a wildcard entry', async () => {
    const { cookie, csrf } = await openForm();
    const res = await submit({ csrf, email: 'lee@eu.fabrikam.example' }, { cookie });
    expect(res.status).toBe(200);
    expect(await invitationsFor('lee@eu.fabrikam.example')).toHaveLength(1);
    expect(domainAllowed('fabrikam.example', ['*.fabrikam.example'])).toBe(false);
    expect(domainAllowed('evilfabrikam.example', ['*.fabrikam.example'])).toBe(false);
  });

  it('refuses a domain that is not on its allow list without calling Foyer', async () => {
    const { cookie, csrf } = await openForm();
    const res = await submit({ csrf, email: 'mallory@gmail.example' }, { cookie });
    expect(res.status).toBe(403);
    expect(res.html).toContain('gmail.example addresses cannot ask for access here');
    expect(portal.foyerCalls).toEqual([]);
    expect(await invitationsFor('mallory@gmail.example')).toHaveLength(0);
  });

  it('passes on Foyer refusing an invitation, in words a person can act on', async () => {
    const { cookie, csrf } = await openForm();
    const res = await submit({ csrf, email: 'kim@blocked.fabrikam.example' }, { cookie });
    expect(res.status).toBe(400);
    expect(res.html).toContain('Your request was not accepted');
    expect(res.html).toMatch(/not allowed/);
    expect(await invitationsFor('kim@blocked.fabrikam.example')).toHaveLength(0);
  });

  it('handles bad input: asks again, escaped, without calling Foyer', async () => {
    const { cookie, csrf } = await openForm();
    const bad = await submit({ csrf, email: '"><script>alert(1)</script>', name: 'x' }, { cookie });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('role="alert"');
    expect(bad.html).toContain('Enter your work email address');
    expect(bad.html).not.toContain('<script>alert(1)</script>');
    expect(bad.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');

    const longName = await submit({ csrf, email: 'ok@partner.example', name: 'x'.repeat(101) }, { cookie });
    expect(longName.status).toBe(400);
    const control = await submit({ csrf, email: 'ok@partner.example', name: 'Bad\r\nBcc: x@y.example' }, { cookie });
    expect(control.status).toBe(400);
    const missing = await submit({ csrf }, { cookie });
    expect(missing.status).toBe(400);
    const tooLarge = await submit({}, { cookie, body: `csrf=${csrf}&email=${'a'.repeat(20_000)}` });
    expect(tooLarge.status).toBe(413);
    const json = await submit({}, { cookie, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ csrf, email: 'ok@partner.example' }) });
    expect(json.status).toBe(415);
    const get = await fetch(`${portal.url}/request`);
    expect(get.status).toBe(405);
    expect((await fetch(`${portal.url}/nope`)).status).toBe(404);
    expect(portal.foyerCalls).toEqual([]);
  });

  it('refuses a form without its CSRF token, with another browser\'s token, or from another site', async () => {
    const { cookie, csrf } = await openForm();
    const other = await openForm();
    expect((await submit({ email: 'ok@partner.example' }, { cookie })).status).toBe(403);
    expect((await submit({ csrf, email: 'ok@partner.example' })).status).toBe(403);
    expect((await submit({ csrf: other.csrf, email: 'ok@partner.example' }, { cookie })).status).toBe(403);
    expect((await submit({ csrf, email: 'ok@partner.example' }, { cookie, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect(portal.foyerCalls).toEqual([]);
    expect(await invitationsFor('ok@partner.example')).toHaveLength(0);
    // Browsers may send "Origin: null" for their own form; the token decides then.
    expect((await submit({ csrf, email: 'nil@partner.example' }, { cookie, headers: { origin: 'null' } })).status).toBe(200);
  });

  it('says so when Foyer cannot be reached', async () => {
    const down = await startPortal({ issuer: 'http://127.0.0.1:9' });
    try {
      const { cookie, csrf } = await openForm(down.url);
      const res = await submit({ csrf, email: 'ok@partner.example' }, { cookie, url: down.url });
      expect(res.status).toBe(502);
      expect(res.html).toContain('Try again in a few minutes');
    } finally {
      await stopPortal(down);
    }
  });

  it('limits requests per address', async () => {
    const limited = await startPortal({ requestsPerIpPerHour: 2 });
    try {
      const { cookie, csrf } = await openForm(limited.url);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await submit({ csrf, email: 'nobody@gmail.example' }, { cookie, url: limited.url })).status);
      expect(statuses).toEqual([403, 403, 429]);
    } finally {
      await stopPortal(limited);
    }
  });
});
