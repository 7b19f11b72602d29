/**
 * Reading SAML IdP metadata (what is taken, what is refused), and the refresh job: the real
 * scheduler (src/core/scheduler.ts) runs it at the configured interval against a real HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../../src/core/scheduler.js';
import { createLogger } from '../../src/logging/logger.js';
import { parseIdpMetadata } from '../../src/partners/saml-metadata.js';
import { SamlMetadataStore } from '../../src/partners/saml-metadata-store.js';
import { createKeyPair, type KeyPair } from '../support/certs.js';

const ENTITY = 'https://sts.contoso.example/adfs/services/trust';
const SSO = 'https://sts.contoso.example/adfs/ls/';
let k1: KeyPair;
let k2: KeyPair;

const b64 = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
const key = (pem: string, use?: string) => `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const entity = (id: string, keys: string, sso = SSO, extra = '') =>
  `<md:EntityDescriptor entityID="${id}"${extra}><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${key(k2.certificate)}</md:SPSSODescriptor><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://post.example/"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sso}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const doc = (body: string) => `<?xml version="1.0"?><md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${body}</md:EntitiesDescriptor>`;

beforeAll(async () => {
  [k1, k2] = await Promise.all([createKeyPair('k1'), createKeyPair('k2')]);
});

describe('parseIdpMetadata', () => {
  it('takes the configured entity out of an aggregate: its signing certificates (use signing or none) and the HTTP-Redirect SSO URL', () => {
    const xml = doc(entity('https://other.example/idp', key(k2.certificate)) + entity(ENTITY, key(k1.certificate, 'signing') + key(k2.certificate) + key(k2.certificate, 'encryption')));
    const meta = parseIdpMetadata(xml, ENTITY);
    expect(meta.ssoUrl).toBe(SSO);
    expect(meta.certificates.map(b64)).toEqual([b64(k1.certificate), b64(k2.certificate)]);
  });

  it('takes an EntityDescriptor at the root too', () => {
    const xml = entity(ENTITY, key(k1.certificate)).replace('<md:EntityDescriptor', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"');
    expect(parseIdpMetadata(xml, ENTITY).certificates).toHaveLength(1);
  });

  it.each([
    ['another entity only', () => doc(entity('https://other.example/idp', key(k1.certificate))), /does not describe the configured idpEntityId/],
    ['no signing certificate', () => doc(entity(ENTITY, key(k1.certificate, 'encryption'))), /no signing certificate/],
    ['an SSO URL over plain http', () => doc(entity(ENTITY, key(k1.certificate), 'http://sts.contoso.example/sso')), /not https/],
    ['expired', () => doc(entity(ENTITY, key(k1.certificate), SSO, ' validUntil="2001-01-01T00:00:00Z"')), /expired/],
    ['a certificate that is not one', () => doc(entity(ENTITY, '<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>')), /not a valid X.509/],
    ['a DTD', () => `<!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>${doc(entity(ENTITY, key(k1.certificate))).replace(/^<\?xml[^>]*>/, '')}`, /DTD/],
    ['not XML', () => 'hello <', /not well-formed/],
  ])('refuses %s', (_what, xml, message) => {
    expect(() => parseIdpMetadata(xml(), ENTITY)).toThrow(message);
  });
});

describe('the refresh job', () => {
  let server: Server;
  let url: string;
  let body = '';
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata.xml`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs through the scheduler every metadataRefreshMinutes and swaps the certificates a sign-in gets', async () => {
    body = doc(entity(ENTITY, key(k1.certificate)));
    const idp = { type: 'saml' as const, id: 'contoso', displayName: 'Contoso', idpEntityId: ENTITY, metadataUrl: url, metadataRefreshMinutes: 15 };
    const store = new SamlMetadataStore([idp as never], { logger: createLogger('silent'), registry: new Registry() });
    expect(store.jobs().map((j) => [j.name, j.everyMs])).toEqual([['refresh SAML metadata of contoso', 15 * 60_000]]);
    // Nothing loaded yet: the first sign-in waits for a fetch.
    expect((await store.trustFor('contoso')!.current()).certificates.map(b64)).toEqual([b64(k1.certificate)]);

    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const scheduler = createScheduler({ logger: createLogger('silent') });
    try {
      scheduler.start(store.jobs());
      body = doc(entity(ENTITY, key(k2.certificate)));
      const before = hits;
      vi.advanceTimersByTime(14 * 60_000);
      expect(hits).toBe(before);
      vi.advanceTimersByTime(60_000);
      await vi.waitUntil(() => store.status()[0]!.loaded?.certificates.length === 1 && hits > before);
      await vi.waitUntil(async () => b64((await store.trustFor('contoso')!.current()).certificates[0]!) === b64(k2.certificate));
    } finally {
      await scheduler.stop();
      vi.useRealTimers();
    }
  });
});
