/**
 * A plain OAuth 2.0 provider on loopback (RFC 6749 code flow with RFC 7636 PKCE), standing in for
 * a social provider Foyer reaches through a generic Passport strategy: /authorize approves at once
 * as whoever is "signed in" here, /token exchanges a single-use code bound to the client, the
 * redirect URI and the PKCE challenge (client_secret_post or Basic), /me returns the profile for a
 * Bearer token. Nothing about it is Foyer-specific.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuth2User {
  id: string;
  email: string;
  email_verified: boolean;
  name: string;
}

export interface OAuth2Server {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  signInAs(user: OAuth2User | 'deny'): void;
  /** Authorization requests seen, newest last (to check what the strategy sent). */
  readonly authorizeRequests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startOAuth2Server(): Promise<OAuth2Server> {
  const clientId = 'foyer-oauth2-client';
  const clientSecret = 'oauth2-client-secret-0123456789';
  let current: OAuth2User | 'deny' = 'deny';
  const codes = new Map<string, { user: OAuth2User; challenge?: string; method?: string; redirectUri: string }>();
  const tokens = new Map<string, OAuth2User>();
  const authorizeRequests: URLSearchParams[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: 'server_error', error_description: String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams;
      authorizeRequests.push(q);
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code') return send(res, 400, { error: 'invalid_request' });
      const back = new URL(q.get('redirect_uri') ?? '');
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      if (current === 'deny') {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = randomBytes(16).toString('base64url');
        codes.set(code, { user: current, challenge: q.get('code_challenge') ?? undefined, method: q.get('code_challenge_method') ?? undefined, redirectUri: back.origin + back.pathname });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(await body(req));
      const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':') : undefined;
      const [id, secret] = basic ? basic.map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
      if (id !== clientId || secret !== clientSecret) return send(res, 401, { error: 'invalid_client' });
      const code = form.get('code') ?? '';
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued || form.get('redirect_uri') !== issued.redirectUri) return send(res, 400, { error: 'invalid_grant' });
      if (issued.challenge) {
        const verifier = form.get('code_verifier') ?? '';
        const expected = issued.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (expected !== issued.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, issued.user);
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }
    if (req.method === 'GET' && url.pathname === '/me') {
      const user = tokens.get(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
      if (!user) return send(res, 401, { error: 'invalid_token' });
      return send(res, 200, user);
    }
    send(res, 404, { error: 'not_found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    signInAs: (user) => {
      current = user;
    },
    authorizeRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}
