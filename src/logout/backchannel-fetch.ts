import type { Configuration } from 'oidc-provider';
import type { AppConfig } from '../config/apps-schema.js';

/**
 * oidc-provider's outgoing requests. Its own fetch refuses loopback and private addresses (an
 * SSRF guard meant for URLs that strangers register); an app's back-channel logout URI is written
 * by the administrator in config and is very often internal (10.x, a sidecar), so exactly those
 * URLs go out without the guard. Every other URL keeps it, and the 2.5 s timeout stays on all.
 */
export function backchannelAwareFetch(apps: readonly AppConfig[]): NonNullable<Configuration['fetch']> {
  const configured = new Set(apps.flatMap((a) => (a.backchannelLogoutUri ? [new URL(a.backchannelLogoutUri).href] : [])));
  return (url, options) => {
    const target = url instanceof URL ? url.href : String(url);
    if (configured.has(target)) {
      const { dispatcher: _ssrfGuard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(target, rest);
    }
    return globalThis.fetch(url, options);
  };
}
