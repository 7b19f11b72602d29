import type { SamlIdpConfig } from '../config/identity-providers-schema.js';
import { FederationError } from './federation-error.js';
import { all, attr, type XmlNode } from './saml-xml-tree.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface ConfirmationExpectations {
  /** Foyer's ACS URL for this IdP, which the bearer confirmation must name as its Recipient. */
  acsUrl: string;
  /** The ID of the AuthnRequest this sign-in sent; null for an unsolicited (IdP-initiated) response, which must name none. */
  requestId: string | null;
  clockSkewMs: number;
  now?: number;
}

/**
 * The SAML Web Browser SSO profile (saml-profiles-2.0-os 4.1.4.2, 4.1.4.3): the assertion must carry a
 * bearer SubjectConfirmation whose SubjectConfirmationData names this ACS as Recipient, limits its
 * delivery with NotOnOrAfter, and answers this AuthnRequest with InResponseTo. node-saml 5 checks the
 * time window of whichever confirmation it likes and InResponseTo only when present, never Recipient
 * or Method, and accepts an assertion with no SubjectConfirmation at all: without this check an
 * assertion the IdP issued for another SP's ACS, or one issued unsolicited and wrapped in a Response
 * (whose own InResponseTo is not signed) naming this request, would be taken.
 */
export function requireBearerConfirmation(assertion: XmlNode, idp: SamlIdpConfig, expect: ConfirmationExpectations): { notOnOrAfter: number } {
  const ref = { idpId: idp.id };
  const tellAdmin = `Ask ${idp.displayName}'s administrator to release assertions for Foyer with a bearer SubjectConfirmation whose SubjectConfirmationData has Recipient="${expect.acsUrl}", NotOnOrAfter and InResponseTo (the SAML Web Browser SSO profile).`;
  const bearer = all(assertion, 'Assertion', 'Subject', 'SubjectConfirmation')
    .filter((c) => attr(c, 'Method') === BEARER)
    .flatMap((c) => all(c, 'SubjectConfirmationData'));
  if (!bearer.length) {
    throw new FederationError('invalid_response', `${idp.displayName} sent a sign-in without a bearer subject confirmation, so Foyer cannot tell it was meant for this sign-in. ${tellAdmin}`, ref);
  }

  const recipients = bearer.map((d) => attr(d, 'Recipient')).filter((r): r is string => !!r);
  if (!recipients.length) {
    throw new FederationError('invalid_response', `${idp.displayName} sent a sign-in that does not say which service it is for (no Recipient). ${tellAdmin}`, ref);
  }
  const addressed = bearer.filter((d) => attr(d, 'Recipient') === expect.acsUrl);
  if (!addressed.length) {
    throw new FederationError('wrong_audience', `${idp.displayName} addressed the sign-in to a different service (${recipients.join(', ')}). Ask its administrator to send Foyer's sign-ins to ${expect.acsUrl}.`, ref);
  }

  const now = expect.now ?? Date.now();
  const limited = addressed.filter((d) => Number.isFinite(Date.parse(attr(d, 'NotOnOrAfter') ?? '')));
  if (!limited.length) {
    throw new FederationError('invalid_response', `${idp.displayName} sent a sign-in with no expiry (NotOnOrAfter), which anyone holding it could use for ever. ${tellAdmin}`, ref);
  }
  const current = limited.filter((d) => now - expect.clockSkewMs < Date.parse(attr(d, 'NotOnOrAfter')!));
  if (!current.length) {
    throw new FederationError('expired_assertion', `The sign-in from ${idp.displayName} has expired. Check your device's clock, then start signing in again.`, ref);
  }

  const until = (ds: XmlNode[]) => ({ notOnOrAfter: Math.max(...ds.map((d) => Date.parse(attr(d, 'NotOnOrAfter')!))) });
  if (expect.requestId === null) {
    // Unsolicited: a confirmation answering some request was issued to another browser's sign-in.
    if (current.some((d) => attr(d, 'InResponseTo'))) {
      throw new FederationError('in_response_to_mismatch', `The answer from ${idp.displayName} belongs to a sign-in this browser did not start. Start signing in from the app.`, ref);
    }
    return until(current);
  }
  if (!current.some((d) => attr(d, 'InResponseTo') === expect.requestId)) {
    const unsolicited = current.every((d) => !attr(d, 'InResponseTo'));
    throw new FederationError(
      'in_response_to_mismatch',
      unsolicited
        ? `${idp.displayName} sent a sign-in Foyer did not ask for (IdP-initiated sign-in is not enabled here). Start signing in from the app instead. ${tellAdmin}`
        : `The answer from ${idp.displayName} does not belong to this sign-in. Start signing in again.`,
      ref,
    );
  }
  return until(current.filter((d) => attr(d, 'InResponseTo') === expect.requestId));
}
