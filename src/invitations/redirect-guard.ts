import type { AppConfig } from '../config/apps-schema.js';

/**
 * `inviteRedirectUrl` (and every post-redemption redirect) must point into a registered app: the
 * exact URL of a launch, redirect or post-logout URI, or any path on the origin of an app's launch
 * URL or redirect URI. Anything else would make Foyer an open redirector.
 * Returns the app the URL belongs to, or undefined.
 */
export function appForRedirect(url: string, apps: AppConfig[]): AppConfig | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username || parsed.password) return undefined;
  for (const app of apps) {
    const registered = [app.launchUrl, ...app.redirectUris, ...app.postLogoutRedirectUris].filter((u): u is string => Boolean(u));
    if (registered.includes(url)) return app;
    const origins = [app.launchUrl, ...app.redirectUris].filter((u): u is string => Boolean(u) && /^https?:/.test(u!)).map((u) => new URL(u).origin);
    if (origins.includes(parsed.origin)) return app;
  }
  return undefined;
}
