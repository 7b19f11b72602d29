import type { ServerResponse } from 'node:http';

/**
 * Sets the headers every response carries. The CSP is set before the provider runs because
 * oidc-provider adds the hashes of its own inline scripts (form_post, logout) to an existing
 * `script-src`.
 */
export function securityHeaders(opts: { hsts: boolean }): (res: ServerResponse) => void {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
  const headers: [string, string][] = [
    ['Content-Security-Policy', csp],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ];
  if (opts.hsts) headers.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']);
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}
