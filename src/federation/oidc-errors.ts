import * as client from 'openid-client';
import { FederationError } from './federation-error.js';

interface IdpRef {
  id: string;
  displayName: string;
}

/** What oauth4webapi attaches to a failed JWT check (`cause` of openid-client's ClientError). */
interface CheckCause {
  message?: string;
  code?: string;
  cause?: { claim?: string };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/**
 * Turns what openid-client throws into a FederationError with a stable code. openid-client does
 * the actual checking (iss, aud, azp, exp, iat, nonce, signature); this only names the outcome.
 */
export function toFederationError(err: unknown, idp: IdpRef): FederationError {
  if (err instanceof FederationError) return err;
  const details = { idpId: idp.id };
  const fail = (code: ConstructorParameters<typeof FederationError>[0], message: string, extra = {}) =>
    new FederationError(code, message, { ...details, ...extra }, { cause: err });

  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
    // The token endpoint refused the code: most often a replayed or expired callback.
    const message =
      err.error === 'invalid_grant'
        ? `${idp.displayName} no longer accepts this sign-in response (it was already used or has expired). Start signing in again.`
        : err.error === 'invalid_client'
          ? `${idp.displayName} did not accept Foyer's client credentials. Contact the host's administrator.`
          : `${idp.displayName} refused the sign-in (${err.error}).`;
    return fail('upstream_error', message, { upstreamError: err.error, upstreamErrorDescription: err.error_description });
  }
  if (err instanceof client.WWWAuthenticateChallengeError) {
    // A 401 with WWW-Authenticate: the IdP did not accept Foyer's client credentials.
    const challenge = err.cause[0]?.parameters;
    return fail('upstream_error', `${idp.displayName} did not accept Foyer's client credentials. Contact the host's administrator.`, {
      upstreamError: challenge?.error ?? 'invalid_client',
      upstreamErrorDescription: challenge?.error_description,
    });
  }
  if (isNetworkFailure(err)) {
    return fail('upstream_unreachable', `${idp.displayName} cannot be reached right now. Try again in a few minutes.`);
  }
  if (err instanceof client.ClientError) {
    const cause = (err.cause ?? {}) as CheckCause;
    const claim = cause.cause?.claim;
    const message = cause.message ?? err.message;
    if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || cause.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
      if (claim === 'nonce') return fail('nonce_mismatch', `The answer from ${idp.displayName} does not belong to this sign-in. Start signing in again.`);
      if (claim === 'aud' || claim === 'azp') return fail('wrong_audience', `${idp.displayName} issued the sign-in for a different application. Contact the host's administrator.`);
      if (claim === 'iss') return fail('wrong_issuer', `The sign-in did not come from ${idp.displayName}. Contact the host's administrator.`);
      return fail('invalid_id_token', `${idp.displayName} sent an ID token Foyer cannot accept (${claim ?? 'claim check failed'}).`);
    }
    if (err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
      return fail('expired_assertion', `The sign-in from ${idp.displayName} has expired or is not valid yet. Check your device's clock, then start signing in again.`);
    }
    if (err.code === 'OAUTH_KEY_SELECTION_FAILED' || /signature/i.test(message)) {
      return fail('invalid_signature', `The sign-in from ${idp.displayName} is not signed with its keys, so Foyer rejected it.`);
    }
    if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || err.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
      return fail('upstream_unreachable', `${idp.displayName} did not answer properly. Try again in a few minutes.`);
    }
    // RFC 9207: the authorization response names another issuer (an IdP mix-up attack).
    if (/"iss"/.test(message)) return fail('wrong_issuer', `The sign-in did not come from ${idp.displayName}. Start signing in again.`);
    if (/"state"/.test(message)) return fail('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.');
    if (/id_token|ID Token|JWT/.test(message)) return fail('invalid_id_token', `${idp.displayName} sent an ID token Foyer cannot accept.`);
  }
  return fail('invalid_response', `${idp.displayName} sent a response Foyer cannot accept.`);
}

function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const cause = (err as { cause?: { code?: string } }).cause;
  return err.message === 'fetch failed' || (cause?.code !== undefined && NETWORK_CODES.has(cause.code));
}
