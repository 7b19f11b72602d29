/**
 * Any installed Passport strategy as an upstream IdP (`type: passport`, and the Facebook preset),
 * behind the one Connector interface. The strategy does its protocol (authorize redirect, code
 * exchange, profile); Foyer keeps what it must own whoever wrote the strategy:
 *   - the binding to the browser: the strategy must send a `state`, which finds the interaction
 *     again and is compared with the pending record before the strategy runs; the strategy's own
 *     per-sign-in state (its "session", with the PKCE verifier) lives in that pending record;
 *   - who the guest is: identities are named by the configured issuer and the mapped subject;
 *   - what the email proves: unverified unless the admin said otherwise (passport-profile.ts).
 * An app's request for a fresh sign-in is not forwarded: a generic strategy has no way to ask for
 * it nor to report auth_time (as GitHub, docs/security.md).
 */
import { createRequire } from 'node:module';
import type passport from 'passport';
import type { PassportIdpConfig } from '../config/identity-providers-schema.js';
import { pendingFor, safeEqual, type Connector, type PendingPassport } from './connector.js';
import { FederationError } from './federation-error.js';
import { challengeMessage, runStrategy, type PassportOutcome } from './passport-run.js';
import { identityFromProfile, type ProfileMapping } from './passport-profile.js';

const requireHere = createRequire(import.meta.url);

/** What the connector needs: a `type: passport` entry, or a preset expanded to one (presets.ts). */
export interface PassportSettings {
  id: string;
  type: 'passport' | 'facebook';
  displayName: string;
  category: 'federated' | 'social';
  package: string;
  export: string;
  issuer: string;
  options: Record<string, unknown>;
  profileUrl?: string;
  profile: ProfileMapping;
  domains: string[];
  trustedForDomains: boolean;
}

export interface PassportConnectorOptions {
  /** Foyer's issuer: the callback is `${issuer}/federation/${id}/callback`. */
  issuer: string;
  timeoutSeconds?: number;
}

type StrategyClass = new (options: Record<string, unknown>, verify: (...args: unknown[]) => void) => passport.Strategy & {
  userProfile?: (accessToken: string, done: (err: unknown, profile?: unknown) => void) => void;
};

export function passportSettings(idp: PassportIdpConfig): PassportSettings {
  return { ...idp };
}

export function createPassportConnector(settings: PassportSettings, opts: PassportConnectorOptions): Connector {
  const timeoutMs = (opts.timeoutSeconds ?? 10) * 1000;
  const callbackUrl = `${opts.issuer}/federation/${settings.id}/callback`;
  const ref = { idpId: settings.id };
  const strategy = instantiate(settings, callbackUrl, timeoutMs);

  const run = (step: Parameters<typeof runStrategy>[1]): Promise<PassportOutcome> =>
    // Strategies built on the `oauth` package have no timeout of their own.
    Promise.race([
      runStrategy(strategy, step),
      new Promise<PassportOutcome>((resolve) => setTimeout(() => resolve({ kind: 'error', error: Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) }), timeoutMs).unref()),
    ]);

  return {
    id: settings.id,
    type: settings.type,
    displayName: settings.displayName,
    category: settings.category,
    domains: settings.domains,
    trustedForDomains: settings.trustedForDomains,
    trustMfa: false,
    mfaAcrValues: [],
    responseMode: 'query',

    async start({ callbackUrl: url }) {
      const session: Record<string, unknown> = {};
      // `state: true` asks passport-oauth2 and its descendants to generate and keep a state.
      const outcome = await run({ method: 'GET', url: new URL(url), session, options: { callbackURL: url, state: true } });
      if (outcome.kind === 'error') throw failure(settings, outcome.error);
      if (outcome.kind !== 'redirect') throw new FederationError('upstream_error', `${settings.displayName} could not start the sign-in.`, ref);
      const state = new URL(outcome.location).searchParams.get('state');
      // Without a state the answer could not be tied to this browser: refuse rather than sign in unbound.
      if (!state) {
        throw new FederationError('upstream_error', `${settings.displayName} cannot be used: its Passport strategy sends no state, so Foyer cannot tell whose sign-in the answer is. Contact the host's administrator.`, ref);
      }
      const pending: PendingPassport = { kind: 'passport', idpId: settings.id, state, session, createdAt: Date.now() };
      return { redirectTo: outcome.location, pending };
    },

    async finish({ pending, callbackUrl: url, params }) {
      const p = pendingFor(pending, 'passport', settings.id);
      if (!safeEqual(params.state, p.state)) {
        throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.', ref);
      }
      if (params.error) {
        const message = params.error === 'access_denied' ? `You cancelled signing in at ${settings.displayName}, or it refused access.` : `${settings.displayName} could not sign you in (${params.error}).`;
        throw new FederationError('upstream_error', message, { ...ref, upstreamError: params.error, upstreamErrorDescription: params.error_description });
      }
      if (!params.code) throw new FederationError('invalid_response', `${settings.displayName} sent a response without an authorization code.`, ref);
      const current = new URL(url);
      for (const [k, v] of Object.entries(params)) current.searchParams.set(k, v);
      // A copy: the strategy deletes its entry as it checks it, and the pending record is not ours to change.
      const outcome = await run({ method: 'GET', url: current, session: structuredClone(p.session), options: { callbackURL: url } });
      if (outcome.kind === 'error') throw failure(settings, outcome.error);
      if (outcome.kind === 'fail') {
        const why = challengeMessage(outcome.challenge);
        throw new FederationError('invalid_response', `${settings.displayName} sent a response that does not answer this sign-in${why ? ` (${why})` : ''}.`, ref);
      }
      if (outcome.kind !== 'success') throw new FederationError('invalid_response', `${settings.displayName} sent an unexpected response.`, ref);
      return identityFromProfile(outcome.user, settings.profile, settings);
    },
  };
}

/**
 * Loads and constructs the strategy once. Its verify step hands back the profile, the argument
 * before the callback in every Passport strategy's verify signature.
 */
function instantiate(settings: PassportSettings, callbackUrl: string, timeoutMs: number): ReturnType<typeof strategyInstance> {
  const loaded = requireHere(settings.package) as Record<string, unknown> | StrategyClass;
  const exported = (loaded as Record<string, unknown>)[settings.export] ?? loaded;
  if (typeof exported !== 'function') {
    throw new Error(`identityProviders "${settings.id}": ${settings.package} has no export "${settings.export}" that is a Passport Strategy`);
  }
  const strategy = strategyInstance(exported as StrategyClass, settings, callbackUrl);
  if (settings.profileUrl) strategy.userProfile = profileFrom(settings.profileUrl, timeoutMs);
  return strategy;
}

function strategyInstance(Strategy: StrategyClass, settings: PassportSettings, callbackUrl: string) {
  const verify = (...args: unknown[]) => {
    const done = args.at(-1) as (err: unknown, user?: unknown) => void;
    const profile = args.at(-2);
    done(null, profile ?? false);
  };
  try {
    // PKCE (S256) unless the admin turned it off for a provider that refuses it.
    return new Strategy({ pkce: true, ...settings.options, callbackURL: callbackUrl, state: true, passReqToCallback: false }, verify);
  } catch (err) {
    throw new Error(`identityProviders "${settings.id}": ${settings.package} refused its options: ${(err as Error).message}`, { cause: err });
  }
}

function profileFrom(url: string, timeoutMs: number) {
  return (accessToken: string, done: (err: unknown, profile?: unknown) => void) => {
    fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
      .then(async (res) => {
        if (!res.ok) throw Object.assign(new Error(`profile endpoint answered HTTP ${res.status}`), { profileStatus: res.status });
        return res.json() as Promise<unknown>;
      })
      .then((profile) => done(null, profile), done);
  };
}

/** passport-oauth2's errors carry `code` (the OAuth error) or `oauthError` (the HTTP failure). */
function failure(settings: PassportSettings, err: unknown): FederationError {
  if (err instanceof FederationError) return err;
  const ref = { idpId: settings.id };
  const e = (err ?? {}) as { code?: unknown; name?: string; message?: string; oauthError?: { statusCode?: number; data?: string; code?: string } };
  const network = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code);
  const oauthNetwork = typeof e.oauthError?.code === 'string' && /^E[A-Z]+$/.test(e.oauthError.code);
  if (network || oauthNetwork || e.name === 'TimeoutError') {
    return new FederationError('upstream_unreachable', `${settings.displayName} cannot be reached right now. Try again in a few minutes.`, ref, { cause: err });
  }
  const upstreamError = typeof e.code === 'string' ? e.code : oauthErrorCode(e.oauthError?.data);
  if (upstreamError === 'invalid_grant') {
    return new FederationError('upstream_error', `${settings.displayName} no longer accepts this sign-in response (it was already used or has expired). Start signing in again.`, { ...ref, upstreamError }, { cause: err });
  }
  return new FederationError('upstream_error', `${settings.displayName} refused the sign-in${upstreamError ? ` (${upstreamError})` : ''}.`, { ...ref, ...(upstreamError ? { upstreamError } : {}) }, { cause: err });
}

function oauthErrorCode(data: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(data ?? '') as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
