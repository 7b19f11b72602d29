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

export function inviterFrom(principal: ApiPrincipal): Inviter {
  if (principal.kind === 'app') return { type: 'app', id: principal.appId, displayName: principal.displayName };
  return { type: 'user', id: principal.userId, displayName: principal.displayName, userType: principal.userType, roles: principal.roles };
}

export const idParam = z.uuid('must be an id (a UUID)');

/** OData-style paging: `$top` (1..999, default 100) and `$skiptoken` (an offset Foyer handed out). */
export function paging(ctx: Context): { top: number; skip: number } {
  const top = ctx.query.$top === undefined ? 100 : Number(ctx.query.$top);
  if (!Number.isInteger(top) || top < 1 || top > 999) throw new HttpError(400, 'invalidQuery', '$top must be a whole number from 1 to 999.');
  const token = ctx.query.$skiptoken;
  const skip = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(skip) || skip < 0) throw new HttpError(400, 'invalidQuery', '$skiptoken is not one Foyer handed out.');
  return { top, skip };
}
