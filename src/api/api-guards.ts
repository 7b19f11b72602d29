import type { Context, Middleware, Next } from 'koa';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import type { Inviter } from '../invitations/inviter.js';
import { hasPermission, type ApiPrincipal } from './api-principal.js';
import type { Permission } from './api-resource.js';

export function principalOf(ctx: Context): ApiPrincipal {
  return ctx.state.principal as ApiPrincipal;
}

/** Refuses callers without the permission: apps by config grant, users by role and token scope. */
export function permit(permission: Permission): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!hasPermission(principalOf(ctx), permission)) {
      throw new HttpError(403, 'Authorization_RequestDenied', `Insufficient privileges: this call needs the ${permission} permission.`);
    }
    await next();
  };
}

/** Writes must be JSON: a form post or text/plain (a CSRF vector) is refused before parsing. */
export const requireJson: Middleware = async (ctx, next) => {
  if (!ctx.is('application/json')) {
    throw new HttpError(415, 'unsupportedMediaType', 'Send the request body as JSON with Content-Type: application/json.');
  }
  await next();
};

/** The inviter an API caller is; its permissions or scopes go along for what needs more than inviting (account recovery). */
export function inviterFrom(principal: ApiPrincipal): Inviter {
  if (principal.kind === 'app') return { type: 'app', id: principal.appId, displayName: principal.displayName, permissions: principal.permissions };
  return { type: 'user', id: principal.userId, displayName: principal.displayName, userType: principal.userType, roles: principal.roles, scopes: principal.scopes };
}

export const idParam = z.uuid('must be an id (a UUID)');

/**
 * The deepest offset a list pages to. Offsets are what Foyer hands out as `$skiptoken`; one past
 * every row a list could sensibly hold only makes the database count rows, and past 2^53 it is
 * not even a number the drivers accept.
 */
export const MAX_SKIP = 1_000_000;

// Plain decimal digits only: Number() would also take '', ' 1', '1e3', '0x10' and '1.0'.
const DIGITS = /^[0-9]{1,16}$/;

function wholeNumber(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw new HttpError(400, 'invalidQuery', `${name} may be given once.`);
  return typeof raw === 'string' && DIGITS.test(raw) ? Number(raw) : Number.NaN;
}

/** OData-style paging: `$top` (1..999, default 100) and `$skiptoken` (an offset Foyer handed out, at most MAX_SKIP). */
export function paging(ctx: Context): { top: number; skip: number } {
  const top = wholeNumber(ctx.query.$top, '$top') ?? 100;
  if (!(top >= 1 && top <= 999)) throw new HttpError(400, 'invalidQuery', '$top must be a whole number from 1 to 999.');
  const skip = wholeNumber(ctx.query.$skiptoken, '$skiptoken') ?? 0;
  if (!(skip >= 0 && skip <= MAX_SKIP)) {
    throw new HttpError(
      400,
      'invalidQuery',
      `$skiptoken is not one Foyer handed out: take it from @odata.nextLink as is. Lists page through their first ${MAX_SKIP} entries; narrow a longer one with $filter.`,
    );
  }
  return { top, skip };
}
