import type { Context } from 'koa';

/**
 * The way on from an error page, when the route that failed knows a better one than "contact
 * support": inside a sign-in, back to the app that started it (which then gets access_denied and
 * shows its own sign-in button again), so a failed sign-in never strands the person on Foyer.
 * Routes set it once they have checked the request belongs to this browser; the error page reads it.
 */
export interface ErrorOnward {
  url: string;
  /** What the link names (an app's display name); looked up only when an error page is shown. */
  label(): Promise<string>;
}

export function offerOnward(ctx: Context, onward: ErrorOnward): void {
  ctx.state.errorOnward = onward;
}

export function onwardOf(ctx: Context): ErrorOnward | undefined {
  return ctx.state.errorOnward as ErrorOnward | undefined;
}
