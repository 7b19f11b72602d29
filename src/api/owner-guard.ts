import type { Context, Middleware, Next } from 'koa';
import { HttpError } from '../http/http-error.js';
import { principalOf } from './api-guards.js';
import { hasPermission, mayActAsOwner, type ApiPrincipal } from './api-principal.js';
import type { Permission } from './api-resource.js';

type UserPrincipal = Extract<ApiPrincipal, { kind: 'user' }>;

const denied = (permission: Permission) =>
  new HttpError(403, 'Authorization_RequestDenied', `Insufficient privileges: this call needs the ${permission} permission, or ownership of this resource.`);

/**
 * Like permit(), but a user who owns the resource in hand may pass with the owner's permissions
 * (the token must still carry the scope). `owns` reads the route's parameters. Owners are marked
 * in ctx.state.asOwner so a handler can narrow what they may do.
 */
export function permitOrOwner(permission: Permission, owns: Owns): Middleware {
  return async (ctx: Context, next: Next) => {
    await authorizeOrOwner(ctx, permission, owns);
    await next();
  };
}

/** The same check inside a handler, for routes whose permission depends on the body. */
export async function authorizeOrOwner(ctx: Context, permission: Permission, owns: Owns): Promise<void> {
  const principal = principalOf(ctx);
  if (hasPermission(principal, permission)) return;
  if (principal.kind === 'user' && mayActAsOwner(principal, permission) && (await owns(ctx, principal))) {
    ctx.state.asOwner = true;
    return;
  }
  throw denied(permission);
}

export type Owns = (ctx: Context, principal: UserPrincipal) => Promise<boolean>;
