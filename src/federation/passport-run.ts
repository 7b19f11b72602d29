/**
 * Runs one Passport strategy for one step of an upstream sign-in, outside any Express app. Every
 * redirect-based connector (OIDC's answer, GitHub, `type: passport`) is a Passport strategy run through
 * this: passport's own `authenticate` middleware augments the strategy with success/fail/redirect/
 * error, and this file turns whichever one the strategy calls into a value.
 *
 * Why a synthetic request: Foyer's callback is a koa route that has already found the interaction
 * (and checked the browser) before a connector runs, and a strategy's per-sign-in state (state,
 * PKCE verifier, nonce) must live in that interaction, never in a cookie session. So the strategy
 * gets a request whose `session` is a plain object Foyer keeps in the interaction's pending record.
 */
import passport from 'passport';

/** One authenticator for the process; strategies are passed as instances, never registered by name. */
const authenticator = new passport.Authenticator();

export interface PassportStep {
  method: 'GET' | 'POST';
  /** The URL the request is for (the callback URL with its query on the way back). */
  url: URL;
  /** Form fields of a POST. */
  body?: Record<string, string>;
  /** The strategy's per-sign-in state; it may read and write it (kept in the pending record). */
  session: Record<string, unknown>;
  /** Passed as the second argument of `strategy.authenticate` (callbackURL, scope, state, ...). */
  options?: Record<string, unknown>;
}

export type PassportOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'success'; user: unknown }
  | { kind: 'fail'; challenge: unknown; status?: number }
  | { kind: 'error'; error: unknown };

/**
 * The strategy instance is never mutated: passport augments the object it is given, so each run
 * gets a fresh object whose prototype is the configured strategy. Sharing the instance would let
 * two concurrent sign-ins overwrite each other's success callback.
 */
export function runStrategy(strategy: passport.Strategy, step: PassportStep): Promise<PassportOutcome> {
  return new Promise<PassportOutcome>((resolve) => {
    const query = Object.fromEntries(step.url.searchParams);
    const req = {
      method: step.method,
      url: `${step.url.pathname}${step.url.search}`,
      originalUrl: `${step.url.pathname}${step.url.search}`,
      protocol: step.url.protocol.slice(0, -1),
      host: step.url.host,
      headers: { host: step.url.host },
      connection: { encrypted: step.url.protocol === 'https:' },
      query,
      body: step.body ?? {},
      session: step.session,
    };
    const headers = new Map<string, string>();
    const res = {
      statusCode: 200,
      setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), String(value)),
      end: () => {
        const location = headers.get('location');
        resolve(location ? { kind: 'redirect', location } : { kind: 'error', error: new Error('the strategy ended the response without a redirect') });
      },
    };
    const next = (err?: unknown) => resolve({ kind: 'error', error: err ?? new Error('the strategy passed without deciding') });
    const callback = (err: unknown, user: unknown, challenge: unknown, status?: number) => {
      if (err) resolve({ kind: 'error', error: err });
      else if (user) resolve({ kind: 'success', user });
      else resolve({ kind: 'fail', challenge, status });
    };
    const instance = Object.create(strategy) as passport.Strategy;
    try {
      const middleware = authenticator.authenticate(instance, { ...step.options, session: false }, callback) as (req: unknown, res: unknown, next: unknown) => void;
      middleware(req, res, next);
    } catch (err) {
      resolve({ kind: 'error', error: err });
    }
  });
}

/** The `message` of a strategy's failure challenge, when it gave one. */
export function challengeMessage(challenge: unknown): string | undefined {
  if (typeof challenge === 'string') return challenge;
  if (challenge && typeof challenge === 'object' && typeof (challenge as { message?: unknown }).message === 'string') return (challenge as { message: string }).message;
  return undefined;
}
