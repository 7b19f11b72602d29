import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { isLoopbackUrl } from '../config/identity-providers-schema.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
// Metadata is defined by XML Schema and never needs a DTD: one here can only be an entity attack.
const DTD = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;

/** What Foyer takes from a SAML IdP's metadata: where to send AuthnRequests and which certificates sign its answers. */
export interface SamlIdpMetadata {
  entityId: string;
  ssoUrl: string;
  /** PEM, in the metadata's order; several during a certificate rollover. */
  certificates: string[];
  validUntil?: string;
}

export class MetadataError extends Error {}

/**
 * Reads the EntityDescriptor of `entityId` (a single one, or one inside an EntitiesDescriptor
 * aggregate) and its IDPSSODescriptor: the signing certificates (KeyDescriptor use="signing" or no
 * use) and the HTTP-Redirect SingleSignOnService. Refuses a DTD, expired metadata (validUntil), an
 * SSO URL that is not https (http only on loopback), and metadata without a usable certificate: a
 * refusal keeps whatever was loaded before.
 */
export function parseIdpMetadata(xml: string, entityId: string, now = Date.now()): SamlIdpMetadata {
  if (DTD.test(xml)) throw new MetadataError('the metadata contains a document type declaration (DTD), which SAML metadata never needs');
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: () => {}, error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) },
  }).parseFromString(xml, 'application/xml');
  if (problems.length || !doc?.documentElement) throw new MetadataError(`the metadata is not well-formed XML (${(problems[0] ?? 'no root element').split('\n')[0]})`);

  const entities = elements(doc.documentElement, 'EntityDescriptor', true);
  const entity = entities.find((e) => e.getAttribute('entityID') === entityId);
  if (!entity) {
    const found = entities.map((e) => e.getAttribute('entityID')).slice(0, 3).join(', ') || 'no EntityDescriptor';
    throw new MetadataError(`the metadata does not describe the configured idpEntityId ${entityId} (it has: ${found})`);
  }
  const validUntil = [entity, ...(doc.documentElement === entity ? [] : [doc.documentElement])].map((e) => e.getAttribute('validUntil')).find(Boolean) ?? undefined;
  if (validUntil && !(Date.parse(validUntil) > now)) throw new MetadataError(`the metadata expired (validUntil ${validUntil})`);

  const idp = elements(entity, 'IDPSSODescriptor').find((e) => (e.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL));
  if (!idp) throw new MetadataError('the metadata has no IDPSSODescriptor for SAML 2.0');

  const certificates = elements(idp, 'KeyDescriptor')
    .filter((k) => ['', 'signing'].includes(k.getAttribute('use') ?? ''))
    .flatMap((k) => toArray(k.getElementsByTagNameNS(DS, 'X509Certificate')))
    .map((c) => toPem(c.textContent ?? ''));
  const unique = [...new Set(certificates)];
  if (unique.length === 0) throw new MetadataError('the metadata names no signing certificate (KeyDescriptor with X509Certificate)');

  const sso = elements(idp, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT_BINDING)?.getAttribute('Location');
  if (!sso) throw new MetadataError('the metadata has no SingleSignOnService for the HTTP-Redirect binding');
  if (!isSecureUrl(sso)) throw new MetadataError(`the SingleSignOnService ${sso} is not https:// (http:// only on localhost)`);
  return { entityId, ssoUrl: sso, certificates: unique, ...(validUntil ? { validUntil } : {}) };
}

/** SHA-256 fingerprints, to say in logs which certificates came and went. */
export function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** Direct children (or, with `deep`, descendants) in the metadata namespace. */
function elements(parent: Element, localName: string, deep = false): Element[] {
  if (deep) {
    const self = parent.namespaceURI === MD && parent.localName === localName ? [parent] : [];
    return [...self, ...toArray(parent.getElementsByTagNameNS(MD, localName))];
  }
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === MD && (n as Element).localName === localName) out.push(n as Element);
  }
  return out;
}

/** xmldom's node lists are not iterable. */
function toArray(list: { length: number; item(i: number): Element | null }): Element[] {
  return Array.from({ length: list.length }, (_, i) => list.item(i)!);
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----`;
  try {
    new X509Certificate(pem);
  } catch {
    throw new MetadataError('the metadata holds a signing certificate that is not a valid X.509 certificate');
  }
  return pem;
}

function isSecureUrl(url: string): boolean {
  try {
    return url.startsWith('https://') || (url.startsWith('http://') && isLoopbackUrl(url));
  } catch {
    return false;
  }
}
