import type { UsersRepository } from '../directory/users-repository.js';

/**
 * What oidc-provider passes a `ttl` function: the request, the token, session or grant being
 * issued, and for tokens the client (never more: named, not spread, on the token path).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind of token has its own type
type TtlFunction = (ctx: any, token: any, client?: any) => number;

/**
 * Token lifetimes that end no later than the user's access end (accessExpirationDateTime). The
 * account lookup refuses from the end's instant, but an app checks a JWT offline and a refresh
 * token lives on its own: a token issued a second before the end would otherwise outlive it by its
 * whole lifetime. oidc-provider asks for a lifetime synchronously, always after the same request's
 * account lookup, so the user is read from that lookup (no further statement, nothing awaited).
 * Users without an end, tokens without a user (client credentials), and lifetimes asked for
 * outside a request that looked the user up keep `base` exactly.
 */
export function capAtAccessEnd(users: UsersRepository, base: number | TtlFunction): TtlFunction {
  return (ctx, token, client) => {
    const seconds = typeof base === 'number' ? base : base(ctx, token, client);
    // An ID token names no account of its own: it is for the account the request looked up.
    const accountId = accountIdOf(token) ?? accountIdOf((ctx as { oidc?: { account?: unknown } } | undefined)?.oidc?.account);
    if (!accountId || !ctx || typeof ctx !== 'object') return seconds;
    const user = users.settledInRequest(ctx, accountId);
    if (!user?.accessExpiresAt) return seconds;
    const left = Math.floor((Date.parse(user.accessExpiresAt) - users.clock.now().getTime()) / 1000);
    // oidc-provider refuses a lifetime under 1 s; an end already past never gets here (the account
    // lookup refused it), and an end not a date was refused there too.
    return Math.max(1, Math.min(seconds, Number.isNaN(left) ? 1 : left));
  };
}

function accountIdOf(holder: unknown): string | undefined {
  const id = (holder as { accountId?: unknown } | undefined)?.accountId;
  return typeof id === 'string' ? id : undefined;
}
