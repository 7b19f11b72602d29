import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { onlyWhere } from '../http/only-where.js';
import { isAuthorizationPath } from '../provider/protocol-paths.js';

/**
 * How long oidc-provider keeps an Interaction. Anyone can make Foyer store one with a GET of /auth,
 * so one that nobody takes a step in lives 10 minutes, enough to type an email address. Once the
 * person takes a step (the journey saves it), it gets the hour an interaction has always had,
 * counted from its start: a sign-in at an upstream IdP, an emailed passcode or an MFA enrolment can
 * take a while, but no engaged interaction outlives the hour either.
 */
export const UNTOUCHED_INTERACTION_TTL = 10 * 60;
export const ENGAGED_INTERACTION_TTL = 60 * 60;

/** ttl.Interaction: a prompt that follows a finished one (mfa or consent after login) continues a journey already under way. */
export function interactionTtl(ctx: KoaContextWithOIDC): number {
  return ctx.oidc.entities.Interaction ? ENGAGED_INTERACTION_TTL : UNTOUCHED_INTERACTION_TTL;
}

/**
 * Called on an interaction about to be saved by a step of the journey: `persist()` keeps the stored
 * `exp`, so moving it here is what extends the stored row (no extra write).
 */
export function keepForJourney(interaction: { iat?: number; exp: number }): void {
  if (typeof interaction.iat !== 'number') return;
  interaction.exp = Math.max(interaction.exp, interaction.iat + ENGAGED_INTERACTION_TTL);
}

/**
 * oidc-provider gives the interaction and resume cookies the interaction's ttl as their lifetime,
 * so an untouched interaction's cookies would die after 10 minutes even once the journey extended
 * the stored interaction, stranding a guest who came back from a slow upstream sign-in. On the
 * responses of the authorization endpoint (where both are set) they keep the engaged lifetime; a
 * cookie that outlives its interaction leads only to the "sign-in page has expired" page.
 */
export function keepInteractionCookies(provider: Provider): Middleware {
  const names = new RegExp(`^(?:${escape(provider.cookieName('interaction'))}|${escape(provider.cookieName('resume'))})(?:\\.sig)?=`);
  return onlyWhere((ctx) => isAuthorizationPath(ctx.path), async (ctx, next) => {
    await next();
    const header = ctx.response.get('Set-Cookie') as string | string[] | undefined;
    const cookies = typeof header === 'string' ? [header] : header;
    if (!cookies?.some((c) => names.test(c))) return;
    const expires = new Date(Date.now() + ENGAGED_INTERACTION_TTL * 1000).toUTCString();
    ctx.set(
      'Set-Cookie',
      cookies.map((c) => (names.test(c) && !c.includes('expires=Thu, 01 Jan 1970') ? c.replace(/; expires=[^;]*/, `; expires=${expires}`) : c)),
    );
  });
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
