import * as client from 'openid-client';
import type passport from 'passport';
import type { GithubIdpConfig } from '../config/identity-providers-schema.js';
import type { Logger } from '../logging/logger.js';
import { pendingFor, safeEqual, type Connector, type PendingOAuth } from './connector.js';
import { FederationError } from './federation-error.js';
import { runStrategy } from './passport-run.js';
import type { UpstreamIdentity } from './upstream-identity.js';

export const GITHUB_ISSUER = 'https://github.com';

export interface GithubConnectorOptions {
  logger: Logger;
  /** Tests only: one base URL serving /login/oauth/* and the API (/user, /user/emails). */
  baseUrlOverride?: string;
  timeoutSeconds?: number;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub is OAuth 2.0 without OpenID Connect, so there is no ID token to validate: the identity
 * comes from its API with the access token just obtained over TLS. A Passport strategy of Foyer's
 * own (run like every other through passport-run.ts) rather than passport-github2: that one's
 * `oauth` HTTP client has no timeout, does not send PKCE, and GitHub answers token errors with
 * HTTP 200 and an `error` field, which this code names (bad_verification_code).
 *
 * Email: the primary address only (pickEmail). When it is not verified it is returned with
 * emailVerified false, rather than failing: the guest can still
 * sign in to an account already linked by (issuer, subject), or prove an invited address by
 * passcode; linking by email refuses it (DESIGN.md step 6).
 */
export function createGithubConnector(idp: GithubIdpConfig, opts: GithubConnectorOptions): Connector {
  const web = opts.baseUrlOverride ?? 'https://github.com';
  const api = opts.baseUrlOverride ?? 'https://api.github.com';
  const timeoutMs = (opts.timeoutSeconds ?? 10) * 1000;
  const ref = { idpId: idp.id };

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (err) {
      throw new FederationError('upstream_unreachable', `${idp.displayName} cannot be reached right now. Try again in a few minutes.`, ref, { cause: err });
    }
  }

  async function json<T>(res: Response, what: string): Promise<T> {
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) {
      throw new FederationError('upstream_unreachable', `${idp.displayName} did not answer properly (${what}: HTTP ${res.status}). Try again in a few minutes.`, ref);
    }
    return (await res.json()) as T;
  }

  async function exchange(code: string, p: PendingOAuth, callbackUrl: string): Promise<string> {
    const res = await call(`${web}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: idp.clientId, client_secret: idp.clientSecret, code, redirect_uri: callbackUrl, code_verifier: p.codeVerifier }),
    });
    const body = await json<{ access_token?: string; error?: string; error_description?: string }>(res, 'token');
    if (body.error || !body.access_token) {
      const error = body.error ?? 'invalid_response';
      const message =
        error === 'bad_verification_code'
          ? `${idp.displayName} no longer accepts this sign-in response (it was already used or has expired). Start signing in again.`
          : `${idp.displayName} refused the sign-in (${error}).`;
      throw new FederationError('upstream_error', message, { ...ref, upstreamError: error, upstreamErrorDescription: body.error_description });
    }
    return body.access_token;
  }

  async function apiGet(path: string, token: string): Promise<Response> {
    return call(`${api}${path}`, {
      headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28', 'user-agent': 'Foyer' },
    });
  }

  async function identity(code: string, p: PendingOAuth, callbackUrl: string): Promise<UpstreamIdentity> {
    const token = await exchange(code, p, callbackUrl);
    const user = await json<{ id?: number; login?: string; name?: string | null; email?: string | null }>(await apiGet('/user', token), 'user');
    if (typeof user.id !== 'number') throw new FederationError('invalid_response', `${idp.displayName} did not say who you are.`, ref);

    const emailsRes = await apiGet('/user/emails', token);
    // 403/404: the user did not grant user:email; the identity stands without an email.
    const emails = emailsRes.ok ? await json<GithubEmail[]>(emailsRes, 'emails') : (await emailsRes.body?.cancel(), []);
    const chosen = pickEmail(emails, user.email ?? undefined);
    const name = user.name?.trim() || user.login;
    return {
      idpId: idp.id,
      issuer: GITHUB_ISSUER,
      subject: String(user.id),
      ...(chosen ? { email: chosen.email } : {}),
      emailVerified: chosen?.verified ?? false,
      // GitHub verified the primary address by a mailed link, whatever its domain.
      ...(chosen?.verified ? { emailVerifiedGlobally: true } : {}),
      ...(name ? { name } : {}),
      amr: [],
    };
  }

  /**
   * GitHub as a Passport strategy: without a code it redirects to GitHub keeping state and PKCE
   * verifier in the request's session (which is the interaction's pending record); with one it
   * exchanges it and succeeds with the identity. The state was compared by the connector first.
   */
  const strategy: passport.Strategy = {
    name: idp.id,
    authenticate(this: passport.StrategyCreated<passport.Strategy>, req: { query: Record<string, string>; session: Record<string, unknown> }, options: { callbackURL: string; foyerState?: string }) {
      const session = req.session as { github?: PendingOAuth };
      const run = async () => {
        if (!req.query.code) {
          const pending: PendingOAuth = { kind: 'oauth', idpId: idp.id, state: options.foyerState ?? client.randomState(), codeVerifier: client.randomPKCECodeVerifier(), createdAt: Date.now() };
          session.github = pending;
          const url = new URL(`${web}/login/oauth/authorize`);
          url.search = new URLSearchParams({
            client_id: idp.clientId,
            redirect_uri: options.callbackURL,
            scope: 'read:user user:email',
            state: pending.state,
            code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
            code_challenge_method: 'S256',
          }).toString();
          return this.redirect(url.href);
        }
        return this.success(await identity(req.query.code, session.github!, options.callbackURL));
      };
      run().catch((err: unknown) => this.error(err as Error));
    },
  } as unknown as passport.Strategy;

  return {
    id: idp.id,
    type: 'github',
    displayName: idp.displayName,
    category: 'social',
    domains: idp.domains,
    trustedForDomains: idp.trustedForDomains,
    trustMfa: false,
    mfaAcrValues: [],
    responseMode: 'query',

    // GitHub's authorize endpoint has no prompt=login or max_age and its answer no auth_time, so an
    // app's request for a fresh sign-in cannot be forwarded or checked (docs/security.md, limitations).
    async start({ callbackUrl, state }) {
      const session: { github?: PendingOAuth } = {};
      const outcome = await runStrategy(strategy, { method: 'GET', url: new URL(callbackUrl), session, options: { callbackURL: callbackUrl, foyerState: state } });
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind !== 'redirect' || !session.github) throw new FederationError('upstream_error', `${idp.displayName} could not start the sign-in.`, ref);
      return { redirectTo: outcome.location, pending: session.github };
    },

    async finish({ pending, callbackUrl, params }): Promise<UpstreamIdentity> {
      const p = pendingFor(pending, 'oauth', idp.id);
      if (!safeEqual(params.state, p.state)) {
        throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.', ref);
      }
      if (params.error) {
        const message = params.error === 'access_denied' ? `You cancelled signing in at ${idp.displayName}, or it refused access.` : `${idp.displayName} could not sign you in (${params.error}).`;
        throw new FederationError('upstream_error', message, { ...ref, upstreamError: params.error, upstreamErrorDescription: params.error_description });
      }
      if (!params.code) throw new FederationError('invalid_response', `${idp.displayName} sent a response without an authorization code.`, ref);

      const current = new URL(callbackUrl);
      for (const [k, v] of Object.entries(params)) current.searchParams.set(k, v);
      const outcome = await runStrategy(strategy, { method: 'GET', url: current, session: { github: p }, options: { callbackURL: callbackUrl } });
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind !== 'success') throw new FederationError('invalid_response', `${idp.displayName} sent an unexpected response.`, ref);
      return outcome.user as UpstreamIdentity;
    },
  };
}

/**
 * The primary address, verified or not; without one, the public profile email (unverified). A
 * verified *secondary* address proves nothing: GitHub never checks it again, so an address verified
 * years ago at a former employer stays "verified" on the account after the employer gives it to
 * someone else. The primary is the one GitHub mails and the user keeps current.
 */
export function pickEmail(emails: GithubEmail[], profileEmail?: string): { email: string; verified: boolean } | undefined {
  const primary = emails.find((e) => e.primary);
  if (primary) return { email: primary.email, verified: primary.verified };
  return profileEmail ? { email: profileEmail, verified: false } : undefined;
}
