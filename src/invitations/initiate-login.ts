import type { AppConfig } from '../config/apps-schema.js';

/**
 * Where a guest goes once their invitation is redeemed. An app with an `initiateLoginUri` gets
 * them through OIDC third-party initiated login (OIDC Core §4): its endpoint receives Foyer's
 * issuer (`iss`), the invited address (`login_hint`) and the page to open (`target_link_uri`, the
 * invitation's redirect URL, already checked to belong to this app), and starts its own sign-in,
 * which Foyer answers from the session the redemption just made. Other apps (and My Apps) get the
 * redirect URL itself.
 */
export function landingAfterRedemption(opts: { issuer: string; redirectUrl: string; app: AppConfig | undefined; invitedEmail: string }): string {
  const { app } = opts;
  if (!app?.initiateLoginUri) return opts.redirectUrl;
  const url = new URL(app.initiateLoginUri);
  url.searchParams.set('iss', opts.issuer);
  url.searchParams.set('login_hint', opts.invitedEmail);
  url.searchParams.set('target_link_uri', opts.redirectUrl);
  return url.href;
}
