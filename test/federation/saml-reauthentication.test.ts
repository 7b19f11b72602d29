import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, PendingSaml, Reauthentication } from '../../src/federation/connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { Browser, parseForms } from '../support/browserless.js';
import type { SamlIdp, SamlVariant } from '../support/saml-idp.js';
import { startSamlConnector } from './saml-connector-harness.js';

/**
 * The SAML half of "the app asked for a fresh sign-in" (OIDC prompt=login / max_age): Foyer sends
 * ForceAuthn, reads AuthnInstant, and refuses an IdP that answered from an old session anyway.
 */
const FOYER = 'http://127.0.0.1:3998';
const ACS = `${FOYER}/federation/contoso/acs`;
const HOUR_MS = 3600_000;

let idp: SamlIdp;
let connector: Connector;

beforeAll(async () => {
  ({ idp, connector } = await startSamlConnector(FOYER));
});
afterAll(() => idp.close());
beforeEach(() => {
  idp.setVariant('valid');
  idp.setSession(undefined);
});

/**
 * Browser → IdP → (login form if the IdP asks) → the auto-posting form bound for the ACS.
 * `askedForPassword` says whether the IdP showed its login form or answered from its session.
 */
async function signIn(reauthenticate?: Reauthentication, variant: SamlVariant = 'valid') {
  idp.setVariant(variant);
  const { redirectTo, pending } = await connector.start({ callbackUrl: ACS, ...(reauthenticate ? { reauthenticate } : {}) });
  const browser = new Browser();
  const first = await browser.navigate(redirectTo, { stopAt: [ACS] });
  expect(first.status, first.body).toBe(200);
  const askedForPassword = parseForms(first.body)[0]?.action !== ACS;
  const posted = askedForPassword ? await browser.submit(first, { login: 'alice' }, { stopAt: [ACS] }) : first;
  const form = parseForms(posted.body)[0]!;
  expect(form.action).toBe(ACS);
  const finish = () => connector.finish({ pending, callbackUrl: ACS, params: form.fields });
  return { pending: pending as PendingSaml, askedForPassword, finish };
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FederationError);
const seconds = (ms: number) => Math.floor(ms / 1000);

describe('SAML re-authentication (ForceAuthn and AuthnInstant)', () => {
  it('sends ForceAuthn="true" only when the app asks for a fresh sign-in, and keeps the request in the pending record', async () => {
    const plain = await connector.start({ callbackUrl: ACS });
    await new Browser().navigate(plain.redirectTo, { stopAt: [ACS] });
    expect(idp.lastAuthnRequest()).toEqual({ id: (plain.pending as PendingSaml).requestId, forceAuthn: false });
    expect((plain.pending as PendingSaml).reauthenticate).toBeUndefined();

    for (const reauthenticate of [{ force: true, startedAt: Date.now() }, { force: false, maxAgeSeconds: 300, startedAt: Date.now() }]) {
      const forced = await connector.start({ callbackUrl: ACS, reauthenticate });
      await new Browser().navigate(forced.redirectTo, { stopAt: [ACS] });
      expect(idp.lastAuthnRequest()).toEqual({ id: (forced.pending as PendingSaml).requestId, forceAuthn: true });
      // The pending record lives in the Interaction as JSON.
      expect(JSON.parse(JSON.stringify(forced.pending))).toMatchObject({ kind: 'saml', reauthenticate });
    }
  });

  it('accepts an IdP that honours ForceAuthn: it asks again, and its fresh AuthnInstant is the identity authTime', async () => {
    idp.setSession({ login: 'alice', authenticatedAt: Date.now() - 2 * HOUR_MS, honourForceAuthn: true });
    const startedAt = Date.now();
    const { askedForPassword, finish } = await signIn({ force: true, startedAt });
    expect(askedForPassword).toBe(true);
    const identity = await finish();
    expect(identity.subject).toBe('c0ffee-alice-persistent');
    expect(identity.authTime).toBeGreaterThanOrEqual(seconds(startedAt));
  });

  it('refuses an IdP that ignores ForceAuthn and answers from a two-hour-old session (reauthentication_missing)', async () => {
    idp.setSession({ login: 'alice', authenticatedAt: Date.now() - 2 * HOUR_MS, honourForceAuthn: false });
    const { askedForPassword, finish } = await signIn({ force: true, startedAt: Date.now() });
    expect(askedForPassword).toBe(false);
    const err = await refusal(finish());
    expect(err).toBeInstanceOf(FederationError);
    expect([err!.status, err!.code]).toEqual([400, 'reauthentication_missing']);
    expect(err!.message).toMatch(/Sign out at Contoso/);
  });

  it('takes the same old session when no fresh sign-in was asked for, with authTime its AuthnInstant', async () => {
    const authenticatedAt = Date.now() - 2 * HOUR_MS;
    idp.setSession({ login: 'alice', authenticatedAt, honourForceAuthn: false });
    const { askedForPassword, finish } = await signIn();
    expect(askedForPassword).toBe(false);
    expect((await finish()).authTime).toBe(seconds(authenticatedAt));
  });

  it('checks max_age against AuthnInstant: a ten-minute-old session passes max_age=3600 and fails max_age=300', async () => {
    idp.setSession({ login: 'alice', authenticatedAt: Date.now() - 10 * 60_000, honourForceAuthn: false });
    const within = await signIn({ force: false, maxAgeSeconds: 3600, startedAt: Date.now() });
    expect((await within.finish()).subject).toBe('c0ffee-alice-persistent');
    const beyond = await signIn({ force: false, maxAgeSeconds: 300, startedAt: Date.now() });
    expect((await refusal(beyond.finish()))?.code).toBe('reauthentication_missing');
  });

  it('refuses an assertion without AuthnStatement only when freshness was asked for', async () => {
    const asked = await signIn({ force: true, startedAt: Date.now() }, 'no-authn-statement');
    expect((await refusal(asked.finish()))?.code).toBe('reauthentication_missing');
    const notAsked = await signIn(undefined, 'no-authn-statement');
    const identity = await notAsked.finish();
    expect(identity.subject).toBe('c0ffee-alice-persistent');
    expect(identity.authTime).toBeUndefined();
  });
});
