/**
 * The partner organisation's home IdP: a second, real oidc-provider on a free loopback port, with
 * a tiny login form (pick a user, no password) that a test drives with the browserless Browser,
 * or a person with a real browser. `tamperIdTokens` rewrites the ID tokens its token endpoint
 * hands out (re-signed with its own key, or with a foreign key under the same kid), which is how
 * the negative tests get wrong-audience, expired and badly signed tokens from a real peer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import Provider, { type ClientMetadata } from 'oidc-provider';
import type { Browser } from './browserless.js';

export interface PartnerUser {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  amr: string[];
  acr?: string;
  /** Groups the partner asserts in the `groups` claim (scope profile). */
  groups?: string[];
  /** More claims the partner asserts (scope profile): attributes of its directory, or claims that try to speak for Foyer. */
  claims?: Record<string, unknown>;
}

export const PARTNER_USERS: Record<string, PartnerUser> = {
  alice: { sub: 'alice-0001', email: 'alice@partner.example', emailVerified: true, name: 'Alice Partner', amr: ['pwd'], acr: 'urn:partner:acr:pwd' },
  bob: { sub: 'bob-0002', email: 'bob@partner.example', emailVerified: true, name: 'Bob Partner', amr: ['pwd', 'mfa'], acr: 'urn:partner:acr:mfa' },
  carol: { sub: 'carol-0003', email: 'carol@elsewhere.example', emailVerified: false, name: 'Carol Unverified', amr: ['pwd'] },
};

export interface PartnerClient {
  clientId: string;
  clientSecret?: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** The public half of the client's key, for private_key_jwt. */
  publicJwk?: JsonWebKey;
  redirectUris: string[];
  /** Every ID token says when the person authenticated (auth_time), as many IdPs always do. */
  requireAuthTime?: boolean;
}

export interface IdTokenTamper {
  /** Change the claims, then re-sign with the partner's real key. */
  claims?: (claims: Record<string, unknown>) => Record<string, unknown>;
  /** Sign with a key the partner never published (same kid): the signature cannot verify. */
  foreignKey?: boolean;
}

export interface PartnerIdpOptions {
  clients: PartnerClient[];
  users?: Record<string, PartnerUser>;
  /** oidc-provider's default (true) leaves scope claims such as email out of code-flow ID tokens. */
  conformIdTokenClaims?: boolean;
  port?: number;
  /** Keep a session at the partner, so a later sign-in there is silent unless Foyer forwards prompt=login. */
  rememberLogins?: boolean;
  /**
   * Checks the client_secret a token request carries before oidc-provider sees it, and returns the
   * registered secret to hand on (Apple's secret is a JWT the client mints; oidc-provider knows no
   * such method). A throw answers 401 invalid_client.
   */
  clientSecretCheck?: (clientSecret: string) => Promise<string>;
}

export interface PartnerIdp {
  issuer: string;
  provider: Provider;
  tamperIdTokens(tamper?: IdTokenTamper): void;
  /**
   * Closes, without answering, the next request for `path` that arrives on a kept-alive connection
   * that already served one: what the client sees when the IdP's keep-alive timeout closed an idle
   * connection just as the client sent on it. `arrivals` counts every request for `path` from now on.
   */
  dropNextOnReusedConnection(path: string): { arrivals: () => number; dropped: () => boolean };
  close(): Promise<void>;
}

const KID = 'partner-signing-1';

export async function startPartnerIdp(opts: PartnerIdpOptions): Promise<PartnerIdp> {
  const users = opts.users ?? PARTNER_USERS;
  const own = rsaKey();
  const foreign = rsaKey();
  let tamper: IdTokenTamper | undefined;
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const served = new WeakMap<object, number>();
  let drop: { path: string; arrivals: number; dropped: boolean } | undefined;
  const server: Server = createServer((req, res) => {
    const before = served.get(req.socket) ?? 0;
    served.set(req.socket, before + 1);
    if (drop && req.url?.split('?')[0] === drop.path) {
      drop.arrivals++;
      if (!drop.dropped && before > 0) {
        drop.dropped = true;
        req.socket.destroy();
        return;
      }
    }
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: opts.clients.map(toClientMetadata),
    jwks: { keys: [{ ...own.jwk, kid: KID, alg: 'RS256', use: 'sig' } as never] },
    cookies: { keys: ['partner-idp-test-cookie-key-0123456789'] },
    claims: { openid: ['sub', 'acr', 'amr'], email: ['email', 'email_verified'], profile: ['name', 'groups', ...new Set(Object.values(users).flatMap((u) => Object.keys(u.claims ?? {})))] },
    conformIdTokenClaims: opts.conformIdTokenClaims ?? false,
    acrValues: ['urn:partner:acr:pwd', 'urn:partner:acr:mfa'],
    features: { devInteractions: { enabled: false } },
    // The partner insists on PKCE, so a sign-in that works proves Foyer sent a correct S256 pair.
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    adapter: memoryAdapter(),
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    findAccount: (_ctx, sub) => {
      const user = Object.values(users).find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ ...user.claims, sub, email: user.email, email_verified: user.emailVerified, name: user.name, ...(user.groups ? { groups: user.groups } : {}) }),
      };
    },
  });

  provider.use(async (ctx, next) => {
    if (opts.clientSecretCheck && ctx.method === 'POST' && ctx.path === '/token') {
      const form = new URLSearchParams(await readBody(ctx.req));
      try {
        form.set('client_secret', await opts.clientSecretCheck(form.get('client_secret') ?? ''));
      } catch (err) {
        ctx.status = 401;
        ctx.body = { error: 'invalid_client', error_description: (err as Error).message };
        return;
      }
      // oidc-provider reads an already-read body from req.body.
      (ctx.req as IncomingMessage & { body?: string }).body = form.toString();
    }
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) {
      await next();
      if (tamper && ctx.path === '/token' && ctx.body && typeof (ctx.body as { id_token?: unknown }).id_token === 'string') {
        const body = ctx.body as { id_token: string };
        body.id_token = resign(body.id_token, tamper, tamper.foreignKey ? foreign.key : own.key);
      }
      return;
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, users);
      return;
    }
    const form = new URLSearchParams(await readBody(ctx.req));
    if (form.has('cancel')) {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
      return;
    }
    const login = form.get('login') ?? '';
    const user = users[login];
    if (!user) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, users, `No user "${login}" here.`);
      return;
    }
    // Login and consent in one go: the partner's own consent screen is not what is under test.
    const grant = new provider.Grant({ accountId: user.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: user.sub, amr: user.amr, acr: user.acr, remember: opts.rememberLogins ?? false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  handler = provider.callback();
  return {
    issuer,
    provider,
    tamperIdTokens: (t) => {
      tamper = t;
    },
    dropNextOnReusedConnection: (path) => {
      const armed = { path, arrivals: 0, dropped: false };
      drop = armed;
      return { arrivals: () => armed.arrivals, dropped: () => armed.dropped };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Walks a browser from Foyer's redirect through the partner's login form as `login` (or presses
 * Cancel), and returns the query the partner sends to `callbackUrl` (what Foyer's callback
 * route would receive).
 */
export async function signInAtPartner(browser: Browser, redirectTo: string, login: string | { cancel: true }, callbackUrl: string): Promise<Record<string, string>> {
  const form = await browser.navigate(redirectTo, { stopAt: [callbackUrl] });
  if (form.stoppedAt) return Object.fromEntries(new URL(form.stoppedAt).searchParams);
  if (form.status !== 200) throw new Error(`partner answered ${form.status}: ${form.body.slice(0, 300)}`);
  const done = await browser.submit(form, typeof login === 'string' ? { login } : { cancel: '1' }, { stopAt: [callbackUrl] });
  if (!done.stoppedAt) throw new Error(`partner did not redirect back (status ${done.status}): ${done.body.slice(0, 300)}`);
  return Object.fromEntries(new URL(done.stoppedAt).searchParams);
}

/** oidc-provider's own in-memory adapter works too, but warns loudly on every start. One store per partner. */
function memoryAdapter() {
  const store = new Map<string, Record<string, unknown>>();
  const all = () => [...store.values()];
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: Record<string, unknown>) {
      store.set(`${this.model}:${id}`, payload);
    }
    async find(id: string) {
      return store.get(`${this.model}:${id}`);
    }
    async findByUid(uid: string) {
      return all().find((p) => p.uid === uid);
    }
    async findByUserCode(userCode: string) {
      return all().find((p) => p.userCode === userCode);
    }
    async consume(id: string) {
      const found = store.get(`${this.model}:${id}`);
      if (found) found.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(`${this.model}:${id}`);
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, p] of store) if (p.grantId === grantId) store.delete(k);
    }
  };
}

function toClientMetadata(c: PartnerClient): ClientMetadata {
  return {
    client_id: c.clientId,
    ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
    token_endpoint_auth_method: c.authMethod,
    ...(c.publicJwk ? { jwks: { keys: [c.publicJwk as never] } } : {}),
    redirect_uris: c.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...(c.requireAuthTime ? { require_auth_time: true } : {}),
  };
}

function rsaKey(): { key: KeyObject; jwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: privateKey, jwk: privateKey.export({ format: 'jwk' }) };
}

function resign(jwt: string, tamper: IdTokenTamper, key: KeyObject): string {
  const [header = '', payload = ''] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const changed = Buffer.from(JSON.stringify(tamper.claims ? tamper.claims(claims) : claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${changed}`), key).toString('base64url');
  return `${header}.${changed}.${signature}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, users: Record<string, PartnerUser>, error?: string): string {
  const options = Object.entries(users)
    .map(([login, u]) => `<li><code>${escape(login)}</code> ${escape(u.name ?? '')} &lt;${escape(u.email ?? 'no email')}&gt; amr=${escape(u.amr.join(','))}</li>`)
    .join('');
  return `<!doctype html><html><head><title>Partner IdP</title></head><body>
<h1>Partner IdP sign-in</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login"><label>User <input name="login" autofocus></label> <button>Sign in</button> <button name="cancel" value="1">Cancel</button></form>
<ul>${options}</ul></body></html>`;
}
