import type { FederationError } from '../federation/federation-error.js';

/**
 * The admin's side of a failed upstream sign-in: the underlying reason (the library's error, the
 * upstream's own error and description) plus, where a common misconfiguration explains it, what
 * to change. The browser only ever sees the stable code and Foyer's own message; this text goes to
 * the log and the sign-in log (`failure_detail`), which only admins read.
 *
 * Parts of it come from the upstream (an OAuth error_description) or from a response anyone can
 * post (SAML XML the library quotes), so control characters are removed: the CLI prints it to a
 * terminal, where an escape sequence could rewrite what the admin sees.
 */
export function upstreamFailureDetail(err: FederationError): string {
  const parts: string[] = [];
  for (const message of causeMessages(err.cause)) if (!parts.includes(message)) parts.push(message);
  const { upstreamError, upstreamErrorDescription } = err.details;
  if (typeof upstreamError === 'string') {
    parts.push(`upstream error ${upstreamError}${typeof upstreamErrorDescription === 'string' ? `: ${upstreamErrorDescription}` : ''}`);
  }
  const hint = hintFor(err);
  if (hint) parts.push(`hint: ${hint}`);
  return clean(parts.join('; ') || err.message).slice(0, MAX_DETAIL);
}

/** Long enough for a library's message chain, short enough that a posted response cannot fill the log. */
const MAX_DETAIL = 1000;

/** The messages of `cause` and its causes, outermost first (openid-client wraps oauth4webapi's errors). */
function causeMessages(cause: unknown): string[] {
  const out: string[] = [];
  let current = cause;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      out.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
      current = current.cause;
    } else if (typeof current === 'object' && typeof (current as { message?: unknown }).message === 'string') {
      out.push((current as { message: string }).message);
      current = (current as { cause?: unknown }).cause;
    } else break;
  }
  return out.filter(Boolean);
}

/** What an admin most likely has to change, for the failures whose cause is usually configuration. */
function hintFor(err: FederationError): string | undefined {
  if (err.details.upstreamError === 'invalid_client') {
    return (
      'the IdP did not accept the client credentials. Check clientId and clientSecret; if they are right and clientAuth is ' +
      'client_secret_basic (the default), set clientAuth: client_secret_post: some IdPs do not decode the form-encoded ' +
      'Basic credentials RFC 6749 requires, so a secret with characters such as + / = : or % fails there'
    );
  }
  // The SAML connector's own message (saml-connector.ts); matched here to leave the connectors alone.
  if (err.code === 'invalid_response' && /transient NameID/.test(err.message)) {
    return 'the IdP sent a transient NameID; ask its administrator to release a persistent NameID for this SP (docs/federation.md)';
  }
  if (err.code === 'upstream_unreachable') return 'Foyer could not reach the IdP (network, TLS or the IdP is down); nothing to change in Foyer if it is temporary';
  return undefined;
}

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
}
