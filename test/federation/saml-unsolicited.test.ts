/**
 * IdP-initiated SAML at the connector (src/federation/saml-connector.ts finishUnsolicited): offered
 * only to an IdP with allowIdpInitiated; the unsolicited response is verified as fully as a
 * solicited one, and a response answering some AuthnRequest is not accepted as unsolicited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/federation/connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { Browser, parseForms } from '../support/browserless.js';
import type { SamlIdp } from '../support/saml-idp.js';
import { startSamlConnector } from './saml-connector-harness.js';

const FOYER = 'http://127.0.0.1:3998';
const ACS = `${FOYER}/federation/contoso/acs`;

let idp: SamlIdp;
let connector: Connector;
let plainIdp: SamlIdp;
let plain: Connector;

beforeAll(async () => {
  ({ idp, connector } = await startSamlConnector(FOYER, () => ({ allowIdpInitiated: { app: 'demo' } })));
  ({ idp: plainIdp, connector: plain } = await startSamlConnector(FOYER));
});
afterAll(async () => {
  await idp.close();
  await plainIdp.close();
});

describe('SAML unsolicited (IdP-initiated) responses at the connector', () => {
  it('is not offered by an IdP without allowIdpInitiated', async () => {
    expect(plain.finishUnsolicited).toBeUndefined();
  });

  it('verifies an unsolicited response and gives its assertion ID and NotOnOrAfter', async () => {
    const { action, fields } = await idp.unsolicitedResponse('alice');
    expect(action).toBe(ACS);
    const out = await connector.finishUnsolicited!(fields);
    expect(out.identity).toMatchObject({ idpId: 'contoso', subject: 'c0ffee-alice-persistent', email: 'alice@contoso.example', emailVerified: true });
    expect(out.assertionId).toMatch(/^_[0-9a-f]{32}$/);
    expect(out.notOnOrAfter).toBeGreaterThan(Date.now());
  });

  it('refuses an unsolicited response signed with another key (invalid_signature)', async () => {
    const { fields } = await idp.unsolicitedResponse('alice');
    const xml = Buffer.from(fields.SAMLResponse!, 'base64').toString('utf8').replace('alice@contoso.example', 'mallory@contoso.example');
    const err = await connector.finishUnsolicited!({ SAMLResponse: Buffer.from(xml).toString('base64') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FederationError);
  });

  it('refuses, as unsolicited, a response that answers an AuthnRequest (another browser’s sign-in)', async () => {
    const { redirectTo } = await connector.start({ callbackUrl: ACS });
    const browser = new Browser();
    const loginPage = await browser.navigate(redirectTo);
    const posted = await browser.submit(loginPage, { login: 'alice' }, { stopAt: [ACS] });
    const { SAMLResponse } = parseForms(posted.body)[0]!.fields;
    const err = await connector.finishUnsolicited!({ SAMLResponse: SAMLResponse! }).catch((e: unknown) => e);
    expect((err as FederationError).code).toBe('in_response_to_mismatch');
  });
});
