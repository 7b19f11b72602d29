/**
 * EncryptedAssertion, as AD FS and Shibboleth IdPs often send: the partner's IdP (samlify) reads
 * Foyer's encryption certificate from the SP metadata and encrypts every assertion to it; Foyer
 * decrypts with spDecryptionKey. Encryption proves nothing by itself: an encrypted assertion whose
 * signature does not verify is refused as before, and an SP without the key refuses cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlIdpConfig } from '../../src/config/identity-providers-schema.js';
import type { Connector, PendingSaml } from '../../src/federation/connector.js';
import { createConnector } from '../../src/federation/create-connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser, parseForms } from '../support/browserless.js';
import { createKeyPair, type KeyPair } from '../support/certs.js';
import type { SamlIdp, SamlVariant } from '../support/saml-idp.js';
import { startSamlConnector } from './saml-connector-harness.js';

const FOYER = 'http://127.0.0.1:3998';
const ACS = `${FOYER}/federation/contoso/acs`;

let decryption: KeyPair;
let idp: SamlIdp;
let connector: Connector;
let config: SamlIdpConfig;

beforeAll(async () => {
  decryption = await createKeyPair('foyer-sp-encryption');
  ({ idp, connector, config } = await startSamlConnector(FOYER, () => ({ spDecryptionKey: decryption.privateKey, spDecryptionCertificate: decryption.certificate }), { encryptAssertions: true }));
});
afterAll(() => idp.close());

async function answer(via: { idp: SamlIdp; connector: Connector }, variant: SamlVariant = 'valid') {
  via.idp.setVariant(variant);
  const { redirectTo, pending } = await via.connector.start({ callbackUrl: ACS });
  const browser = new Browser();
  const loginPage = await browser.navigate(redirectTo);
  const posted = await browser.submit(loginPage, { login: 'alice' }, { stopAt: [ACS] });
  return { pending: pending as PendingSaml, params: parseForms(posted.body)[0]!.fields };
}

describe('SAML EncryptedAssertion', () => {
  it('publishes the decryption certificate as the encryption key in the SP metadata', async () => {
    const xml = await connector.metadata!();
    const body = decryption.certificate.replace(/-----[A-Z ]+-----|\s+/g, '');
    expect(xml).toMatch(/<KeyDescriptor use="encryption">/);
    expect(xml.replace(/\s+/g, '')).toContain(body);
  });

  it('decrypts an encrypted, signed assertion: the identity is read from inside it, and the browser never saw the email in clear', async () => {
    const { pending, params } = await answer({ idp, connector });
    const xml = Buffer.from(params.SAMLResponse!, 'base64').toString('utf8');
    expect(xml).toContain('EncryptedAssertion');
    expect(xml).not.toContain('alice@contoso.example');
    const identity = await connector.finish({ pending, callbackUrl: ACS, params });
    expect(identity).toMatchObject({ subject: 'c0ffee-alice-persistent', email: 'alice@contoso.example', emailVerified: true, name: 'Alice Contoso' });
  });

  it('refuses an encrypted assertion whose signature does not verify', async () => {
    const { pending, params } = await answer({ idp, connector }, 'bad-signature');
    const err = await connector.finish({ pending, callbackUrl: ACS, params }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FederationError);
    expect((err as FederationError).code).toBe('invalid_signature');
  });

  it('refuses cleanly when Foyer has no decryption key for it', async () => {
    // The same SP entry without its decryption key receives what the IdP encrypted.
    const withoutKey = createConnector({ ...config, spDecryptionKey: undefined, spDecryptionCertificate: undefined }, { issuer: FOYER, logger: createLogger('silent') });
    const { pending, params } = await answer({ idp, connector });
    const err = await withoutKey.finish({ pending, callbackUrl: ACS, params }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FederationError);
    expect((err as FederationError).code).toBe('invalid_response');
  });
});
