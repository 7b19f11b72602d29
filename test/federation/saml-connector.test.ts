import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, PendingSaml } from '../../src/federation/connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { upstreamMfaSatisfied } from '../../src/federation/upstream-trust.js';
import { Browser, parseForms } from '../support/browserless.js';
import type { SamlIdp, SamlVariant } from '../support/saml-idp.js';
import { startSamlConnector } from './saml-connector-harness.js';

const FOYER = 'http://127.0.0.1:3999';
const ACS = `${FOYER}/federation/contoso/acs`;

let idp: SamlIdp;
let connector: Connector;

beforeAll(async () => {
  ({ idp, connector } = await startSamlConnector(FOYER, (saml) => ({
    // As pasted from IdP metadata: the bare base64 body, no PEM armour.
    idpCertificates: [saml.certificate.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')],
    trustMfa: true,
  })));
});
afterAll(() => idp.close());
beforeEach(() => idp.setVariant('valid'));

/** Browser → IdP (signed AuthnRequest) → login form → the auto-posting form Foyer's ACS would receive. */
async function signIn(login = 'alice', variant: SamlVariant = 'valid') {
  idp.setVariant(variant);
  const { redirectTo, pending } = await connector.start({ callbackUrl: ACS });
  const browser = new Browser();
  const loginPage = await browser.navigate(redirectTo);
  expect(loginPage.status, loginPage.body).toBe(200);
  // The IdP answers with a self-posting form; the browser stops before posting it to Foyer's ACS.
  const posted = await browser.submit(loginPage, { login }, { stopAt: [ACS] });
  const form = parseForms(posted.body)[0]!;
  expect(form.action).toBe(ACS);
  return { redirectTo, pending: pending as PendingSaml, params: form.fields };
}

async function failureOf(variant: SamlVariant): Promise<FederationError> {
  const { pending, params } = await signIn('alice', variant);
  const err = await connector.finish({ pending, callbackUrl: ACS, params }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FederationError);
  return err as FederationError;
}

describe('SAML connector against a samlify IdP', () => {
  it('publishes SP metadata with the ACS URL and the signing certificate', async () => {
    const xml = await connector.metadata!();
    expect(xml).toContain(`entityID="${FOYER}/federation/contoso/metadata"`);
    expect(xml).toContain(`Location="${ACS}"`);
    expect(xml).toContain('AuthnRequestsSigned="true"');
    expect(xml).toContain('X509Certificate');
  });

  it('sends a signed AuthnRequest the IdP verifies, and returns the identity from the signed assertion', async () => {
    const { redirectTo, pending, params } = await signIn('alice');
    const url = new URL(redirectTo);
    expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(url.searchParams.get('Signature')).toBeTruthy();
    expect(params.RelayState).toBe(pending.relayState);
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);

    const before = Math.floor(Date.now() / 1000);
    const identity = await connector.finish({ pending, callbackUrl: ACS, params });
    // AuthnInstant is always read, not only when the app asked for a fresh sign-in.
    expect(identity.authTime).toBeGreaterThanOrEqual(before - 60);
    expect(identity.authTime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(identity).toEqual({
      idpId: 'contoso',
      issuer: idp.entityId,
      subject: 'c0ffee-alice-persistent',
      email: 'alice@contoso.example',
      emailVerified: true,
      name: 'Alice Contoso',
      amr: ['pwd'],
      acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      authTime: identity.authTime,
      // Kept with the Foyer session so that signing out at Foyer can name the IdP's session (single logout).
      samlSession: { nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', sessionIndex: expect.any(String) },
    });
  });

  it('is refused by the IdP when the AuthnRequest signature is tampered with', async () => {
    const { redirectTo } = await connector.start({ callbackUrl: ACS });
    const url = new URL(redirectTo);
    const sig = url.searchParams.get('Signature')!;
    url.searchParams.set('Signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    const res = await new Browser().navigate(url.href);
    expect(res.status).toBe(400);
    expect(res.body).toContain('AuthnRequest rejected');
  });

  it('maps an MFA authentication context to amr mfa (REFEDS class ref, and Entra method references)', async () => {
    for (const login of ['bob', 'dave']) {
      const { pending, params } = await signIn(login);
      const identity = await connector.finish({ pending, callbackUrl: ACS, params });
      expect(identity.amr).toContain('mfa');
      expect(upstreamMfaSatisfied(connector, identity)).toBe(true);
    }
  });

  it('rejects an expired assertion (expired_assertion)', async () => {
    expect((await failureOf('expired')).code).toBe('expired_assertion');
  });

  it('rejects an assertion for another service provider (wrong_audience)', async () => {
    expect((await failureOf('wrong-audience')).code).toBe('wrong_audience');
  });

  it('rejects an assertion addressed to another ACS URL (wrong_audience)', async () => {
    expect((await failureOf('wrong-recipient')).code).toBe('wrong_audience');
  });

  // SAML Web Browser SSO profile 4.1.4.2: the bearer SubjectConfirmationData must say where, until when and for which request.
  it('rejects an assertion whose SubjectConfirmationData names no Recipient, telling the partner admin what to release', async () => {
    const err = await failureOf('no-recipient');
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('no Recipient');
    expect(err.message).toContain(`Recipient="${ACS}"`);
  });

  it('rejects an assertion with no subject confirmation, or only a holder-of-key one (invalid_response)', async () => {
    for (const variant of ['no-subject-confirmation', 'holder-of-key'] as const) {
      const err = await failureOf(variant);
      expect([variant, err.code]).toEqual([variant, 'invalid_response']);
      expect(err.message).toContain('bearer');
    }
  });

  it('rejects a bearer confirmation without NotOnOrAfter, which would never expire (invalid_response)', async () => {
    const err = await failureOf('no-confirmation-expiry');
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('NotOnOrAfter');
  });

  it('rejects a signed assertion that answers no request, even inside a Response naming this one (in_response_to_mismatch)', async () => {
    const err = await failureOf('no-subject-in-response-to');
    expect(err.code).toBe('in_response_to_mismatch');
    expect(err.message).toMatch(/did not ask for/);
  });

  it('rejects an unsolicited (IdP-initiated) response (in_response_to_mismatch)', async () => {
    expect((await failureOf('unsolicited')).code).toBe('in_response_to_mismatch');
  });

  it('rejects a response to another AuthnRequest (in_response_to_mismatch)', async () => {
    expect((await failureOf('wrong-in-response-to')).code).toBe('in_response_to_mismatch');
  });

  it('rejects a response signed with another key (invalid_signature)', async () => {
    expect((await failureOf('bad-signature')).code).toBe('invalid_signature');
  });

  it('rejects an assertion from another issuer signed with the trusted certificate (wrong_issuer)', async () => {
    expect((await failureOf('wrong-issuer')).code).toBe('wrong_issuer');
  });

  it('rejects a transient NameID, which cannot identify a returning guest', async () => {
    const err = await failureOf('transient-nameid');
    expect(err.code).toBe('invalid_response');
    expect(err.message).toMatch(/persistent NameID/);
  });

  it('rejects a response whose RelayState is not this sign-in (state_mismatch), and a replay to a finished request', async () => {
    const { pending, params } = await signIn('alice');
    const forged = await connector.finish({ pending, callbackUrl: ACS, params: { ...params, RelayState: 'forged' } }).catch((e: unknown) => e);
    expect((forged as FederationError).code).toBe('state_mismatch');
    // A response replayed into a newer sign-in answers an AuthnRequest that sign-in never sent.
    const { pending: newer } = await connector.start({ callbackUrl: ACS });
    const replay = await connector.finish({ pending: newer, callbackUrl: ACS, params: { ...params, RelayState: (newer as PendingSaml).relayState } }).catch((e: unknown) => e);
    expect((replay as FederationError).code).toBe('in_response_to_mismatch');
  });
});
