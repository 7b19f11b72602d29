import { HttpError } from '../http/http-error.js';

/**
 * Stable codes for everything that can end an upstream sign-in. The interaction routes show the
 * message on the error page and write the code to the sign-in log.
 */
export type FederationErrorCode =
  /** The upstream answered with an OAuth/OIDC/SAML error (`details.upstreamError` says which). */
  | 'upstream_error'
  /** The IdP could not be reached or answered with something that is not a protocol response. */
  | 'upstream_unreachable'
  /** `state` (SAML: RelayState) does not belong to this sign-in, or the pending record is for another IdP. */
  | 'state_mismatch'
  | 'nonce_mismatch'
  /** SAML: the response answers a different AuthnRequest. */
  | 'in_response_to_mismatch'
  /** The ID token or assertion signature does not verify against the IdP's keys. */
  | 'invalid_signature'
  /** The ID token or assertion was issued for another client/SP (aud, azp, Audience, Recipient). */
  | 'wrong_audience'
  /** The ID token `iss` or the assertion Issuer is not this IdP (or, Microsoft, a tenant not allowed). */
  | 'wrong_issuer'
  /** An ID token or SAML assertion outside its validity window (exp, iat, NotBefore, NotOnOrAfter). */
  | 'expired_assertion'
  /** An ID token that fails any other check (missing, malformed, unexpected alg, bad claims). */
  | 'invalid_id_token'
  /** Any other malformed upstream response (SAML XML, missing NameID, transient NameID, ...). */
  | 'invalid_response'
  /** For callers: the upstream gave no (verified) email and one is needed, e.g. to redeem an invitation. */
  | 'email_unavailable'
  /** The app asked for a fresh sign-in (prompt=login, max_age) and the upstream did not authenticate again. */
  | 'reauthentication_missing'
  /** The response arrived in a browser other than the one that started the sign-in. */
  | 'browser_mismatch'
  // Email one-time passcode:
  | 'invalid_email'
  | 'invalid_code'
  | 'code_expired'
  | 'too_many_attempts'
  | 'rate_limited'
  | 'delivery_failed';

export interface FederationErrorDetails {
  idpId?: string;
  /** The upstream's `error` (OAuth) or SAML status code. Upstream text: render escaped. */
  upstreamError?: string;
  upstreamErrorDescription?: string;
  retryAfterSeconds?: number;
  [key: string]: unknown;
}

const STATUS: Partial<Record<FederationErrorCode, number>> = {
  upstream_unreachable: 502,
  delivery_failed: 502,
  rate_limited: 429,
  too_many_attempts: 429,
};

/**
 * An HttpError, so Foyer's error handler already renders it as a page with the code; `cause`
 * keeps the library error for the log (never shown to the guest).
 */
export class FederationError extends HttpError {
  declare readonly code: FederationErrorCode;
  declare readonly details: FederationErrorDetails;

  constructor(code: FederationErrorCode, message: string, details: FederationErrorDetails = {}, options: { cause?: unknown } = {}) {
    super(STATUS[code] ?? 400, code, message, details);
    this.name = 'FederationError';
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
