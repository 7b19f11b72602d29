/**
 * GitHub's OAuth and REST endpoints on loopback: /login/oauth/authorize (approves at once, as for
 * a user already signed in to GitHub who authorised the app before), /login/oauth/access_token
 * (GitHub's habit included: errors come back as HTTP 200 with an `error` field), /user and
 * /user/emails. The authorization code is single use and bound to the PKCE challenge.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

export interface FakeGithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: FakeGithubEmail[];
}

export const GITHUB_USERS: Record<string, FakeGithubUser> = {
  octocat: {
    id: 583231,
    login: 'octocat',
    name: 'The Octocat',
    emails: [
      { email: 'old-octocat@example.net', primary: false, verified: false },
      { email: 'octocat@github.example', primary: true, verified: true },
    ],
  },
  // Primary address never confirmed, but an older one was.
  hubot: {
    id: 1000002,
    login: 'hubot',
    name: null,
    emails: [
      { email: 'hubot-new@example.org', primary: true, verified: false },
      { email: 'hubot@example.org', primary: false, verified: true },
    ],
  },
  newbie: { id: 1000003, login: 'newbie', name: 'New User', emails: [{ email: 'newbie@example.org', primary: true, verified: false }] },
};

export interface FakeGithub {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Who is "signed in to GitHub" for the next authorize request; `deny` makes them press Cancel. */
  signInAs(login: string | 'deny'): void;
  close(): Promise<void>;
}

interface IssuedCode {
  login: string;
  challenge: string;
  redirectUri: string;
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const clientId = 'Iv1.foyer-test';
  const clientSecret = 'github-client-secret-0123456789';
  let current = 'octocat';
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, string>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      const back = new URL(q.get('redirect_uri') ?? '');
      if (q.get('client_id') !== clientId) return send(res, 404, { message: 'Not Found' });
      back.searchParams.set('state', q.get('state') ?? '');
      if (current === 'deny') {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'The user has denied your application access.');
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { login: current, challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '' });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return send(res, 200, { error: 'incorrect_client_credentials' });
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const pkceOk = issued && createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
      if (!issued || !pkceOk || issued.redirectUri !== form.get('redirect_uri')) {
        return send(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(token, issued.login);
      return send(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const login = tokens.get((req.headers.authorization ?? '').replace(/^(Bearer|token) /, ''));
    const user = login ? GITHUB_USERS[login] : undefined;
    if (!user) return send(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return send(res, 200, { id: user.id, login: user.login, name: user.name, email: null });
    if (url.pathname === '/user/emails') return send(res, 200, user.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })));
    send(res, 404, { message: 'Not Found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId,
    clientSecret,
    signInAs: (login) => {
      current = login;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
