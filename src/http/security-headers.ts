import type { ServerResponse } from 'node:http';

type HeaderList = readonly (readonly [string, string])[];

/** The headers and how to set them; built once per composition, no allocation per request. */
export interface SecurityHeaders {
  /** Pages and everything else a browser may render: the full set. */
  browser(res: ServerResponse): void;
  /**
   * JSON-only protocol answers (the token endpoint, introspection, revocation, JWKS, discovery):
   * what still matters for a response no browser renders as a page. CSP, framing, referrer and
   * opener policies only act on documents (docs/security.md, "Security headers").
   */
  protocolJson(res: ServerResponse): void;
  /** Adds what `browser` sets and `protocolJson` does not (an answer that turned out not to be JSON). */
  browserOnly(res: ServerResponse): void;
}

/**
 * The CSP is set before the provider runs because oidc-provider adds the hashes of its own inline
 * scripts (form_post, logout) to an existing `script-src`.
 */
export function securityHeaders(opts: { hsts: boolean }): SecurityHeaders {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
  const always: HeaderList = [
    ['X-Content-Type-Options', 'nosniff'],
    ...(opts.hsts ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const] : []),
  ];
  const documentsOnly: HeaderList = [
    ['Content-Security-Policy', csp],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ];
  const all = [...documentsOnly, ...always];
  const set = (list: HeaderList) => (res: ServerResponse) => {
    for (let i = 0; i < list.length; i++) res.setHeader(list[i]![0], list[i]![1]);
  };
  return { browser: set(all), protocolJson: set(always), browserOnly: set(documentsOnly) };
}

/**
 * oidc-provider's JSON-only endpoints, as `METHOD path`: only JSON (or an empty body) comes back
 * from them, and no browser navigates to them as a page. The path is oidc-provider's default
 * route (build-provider.ts keeps the defaults).
 */
const PROTOCOL_JSON = new Set([
  'POST /token',
  'POST /token/introspection',
  'POST /token/revocation',
  'GET /jwks',
  'HEAD /jwks',
  'GET /.well-known/openid-configuration',
  'HEAD /.well-known/openid-configuration',
]);

export function isProtocolJsonRequest(method: string, path: string): boolean {
  return PROTOCOL_JSON.has(`${method} ${path}`);
}

/** Whether a response is JSON (or has no body at all): the protocol set is enough for it. */
export function isJsonOrEmpty(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return type === undefined || /json/i.test(String(type));
}
