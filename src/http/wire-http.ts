/**
 * The web edge shared by every page (src/http/): per-address request budgets (shared by every node
 * through Redis), the size caps on what oidc-provider would store, and the stylesheet and scripts.
 * What an anonymous browser can make Foyer store (interactions, logout state, federation index
 * entries, audit rows) is budgeted per address (IPv6 per /64) before anything runs, then capped in size.
 */
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import { capAuthorizationParameters } from './authorization-size-limits.js';
import { clientNetwork } from './client-network.js';
import { isAuthorizationRequest, isSignInPageView, isSignInPost, isUpstreamCallback } from './rate-limit.js';
import { routePath } from './route-path.js';
import { staticRoutes } from './static-routes.js';

export async function wireHttp(shared: SharedServices): Promise<Feature> {
  const { limits } = shared.config;
  const perMinute = { durationSeconds: 60 };
  return {
    middleware: [
      shared.budget({ name: 'sign-in-posts', points: limits.signInPostsPerIpPerMinute, ...perMinute, keyOf: (ctx) => (isSignInPost(ctx) ? ctx.ip : undefined), style: 'foyer', message: 'Too many sign-in attempts from your network. Wait a minute, then try again.' }),
      shared.budget({
        name: 'token',
        points: limits.tokenRequestsPerIpPerMinute,
        ...perMinute,
        keyOf: (ctx) => (ctx.method === 'POST' && routePath(ctx.path) === '/token' ? ctx.ip : undefined),
        style: 'oauth',
        message: 'Too many token requests from this address. Retry after the number of seconds in Retry-After.',
      }),
      shared.budget({
        name: 'authorization',
        points: limits.authorizationRequestsPerIpPerMinute,
        ...perMinute,
        keyOf: (ctx) => (isAuthorizationRequest(ctx) ? clientNetwork(ctx.ip) : undefined),
        // Browsers get a page; an app pushing a request (PAR) gets an OAuth error it can parse.
        style: (ctx) => (routePath(ctx.path) === '/request' ? 'oauth' : 'foyer'),
        message: 'Too many sign-in requests from your network. Wait a minute, then try again.',
      }),
      shared.budget({ name: 'upstream-callbacks', points: limits.upstreamCallbacksPerIpPerMinute, ...perMinute, keyOf: (ctx) => (isUpstreamCallback(ctx) ? clientNetwork(ctx.ip) : undefined), style: 'foyer', message: 'Too many sign-in responses from your network. Wait a minute, then sign in again.' }),
      shared.budget({ name: 'sign-in-pages', points: limits.signInPagesPerIpPerMinute, ...perMinute, keyOf: (ctx) => (isSignInPageView(ctx) ? clientNetwork(ctx.ip) : undefined), style: 'foyer', message: 'Too many sign-in pages were opened from your network. Wait a minute, then try again.' }),
      capAuthorizationParameters(),
    ],
    routers: [await staticRoutes(shared.config.tenant)],
  };
}
