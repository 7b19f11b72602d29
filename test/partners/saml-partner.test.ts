/**
 * A SAML partner configured by its metadata URL, against a real SAML IdP (samlify) whose metadata
 * a local HTTP server publishes: the metadata's certificate signs the first sign-in; a certificate
 * rollover (new certificate beside the old, then the old one dropped) is picked up at the next
 * refresh without an edit or a restart; a refresh that fails keeps the last good metadata and shows
 * in /metrics and the logs; and the partner, once blocked, can neither redeem nor sign in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { finish, is, PAGES, start, WEB } from '../e2e-access/access-support.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, parseForms, type Page } from '../support/browserless.js';
import { createKeyPair, type KeyPair } from '../support/certs.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const APP_URL = 'http://127.0.0.1:9999/';
const IDP = 'contoso-saml';

let saml: SamlIdp;
let k1: KeyPair;
let k2: KeyPair;
let sp: KeyPair;
let foyer: RunningFoyer;
let port: number;
let dir: string;
const logLines: Record<string, unknown>[] = [];
const published = { status: 200, body: '' };
let metadataServer: Server;
let metadataUrl: string;

/** The IdP's metadata as a partner publishes it: one EntityDescriptor, its signing certificates, its SSO URL. */
function idpMetadata(certificates: string[], opts: { entityId?: string; validUntil?: string } = {}): string {
  const keys = certificates
    .map((pem) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''))
    .map((b64) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${opts.entityId ?? saml.entityId}"${opts.validUntil ? ` validUntil="${opts.validUntil}"` : ''}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${sp.certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${saml.ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

function config(blocked = false) {
  return (raw: Record<string, unknown>) => {
    raw.tenant = { displayName: 'Woodgrove', memberDomains: ['woodgrove.example'] };
    const apps = raw.apps as Record<string, unknown>[];
    apps[0]!.launchUrl = APP_URL;
    apps.push({ id: 'inviter-app', displayName: 'Inviter', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All'] });
    raw.identityProviders = [
      { type: 'saml', id: IDP, displayName: 'Contoso', idpEntityId: saml.entityId, metadataUrl, metadataRefreshMinutes: 60, spPrivateKey: sp.privateKey, spCertificate: sp.certificate, domains: ['contoso.example'] },
    ];
    raw.mfa = { encryptionKey: 'c'.repeat(64) };
    raw.conditionalAccess = [
      {
        id: 'contoso-mfa',
        displayName: "Contoso's guests do MFA on the web app",
        state: 'enabled',
        conditions: { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: ['contoso'] } } }, applications: { includeApplications: ['web-app'] } },
        grantControls: { builtInControls: ['mfa'] },
      },
    ];
    raw.partners = [
      {
        id: 'contoso',
        displayName: 'Contoso',
        domains: ['contoso.example'],
        identityProviders: [IDP],
        inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 60 },
        ...(blocked ? { b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } } : {}),
      },
    ];
  };
}

async function startNode(blocked = false): Promise<void> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  foyer = await startFoyer(config(blocked), { port, databaseUrl: `sqlite:${join(dir, 'foyer.sqlite')}`, logger: createLogger('info', sink) });
}

beforeAll(async () => {
  [k1, k2, sp] = await Promise.all([createKeyPair('contoso-idp-2026'), createKeyPair('contoso-idp-2027'), createKeyPair('woodgrove-sp')]);
  saml = await startSamlIdp({ keys: k1 });
  metadataServer = createServer((_req, res) => res.writeHead(published.status, { 'content-type': 'application/samlmetadata+xml' }).end(published.body));
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/federationmetadata.xml`;
  published.body = idpMetadata([k1.certificate]);
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'foyer-saml-partner-'));
  await startNode();
  saml.trustServiceProvider(await (await fetch(`${foyer.issuer}/federation/${IDP}/metadata`)).text());
});
afterAll(async () => {
  await foyer?.stop();
  await saml?.close();
  await new Promise<void>((resolve) => metadataServer?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function invite(email: string): Promise<string> {
  const res = await api(foyer.issuer, await appToken(foyer.issuer, 'inviter-app'), 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return redeemUrlIn(latestOutboxMail(foyer));
}

/** From the SAML IdP's login form, as `login`, through Foyer's ACS to wherever Foyer sends the browser. */
async function throughIdp(browser: Browser, loginPage: Page, login: string) {
  expect(loginPage.url.startsWith(saml.ssoUrl), `${loginPage.status} ${headingOf(loginPage.body)}`).toBe(true);
  const acs = `${foyer.issuer}/federation/${IDP}/acs`;
  const posted = await browser.submit(loginPage, { login }, { stopAt: [acs] });
  const form = parseForms(posted.body)[0]!;
  return browser.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [APP_URL] });
}

/** A fresh browser signs in to My Apps as `login` (identifier first, then the SAML IdP). */
async function signIn(email: string, login: string) {
  const browser = new Browser();
  const identify = await browser.navigate(`${foyer.issuer}/myapps`);
  const next = await browser.submit(identify, { email }, { stopAt: [APP_URL] });
  if (!next.url.startsWith(saml.ssoUrl)) return next;
  return throughIdp(browser, next, login);
}

const metrics = async () => (await fetch(`${foyer.issuer}/metrics`)).text();
const counter = (text: string, result: string) => Number(new RegExp(`foyer_saml_metadata_refreshes_total\\{idp="${IDP}",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);

describe('a SAML partner from its metadata URL', () => {
  it('redeems with the certificate and SSO URL the metadata gave at start', async () => {
    const browser = new Browser();
    const review = await browser.navigate(await invite('alice@contoso.example'));
    const landed = await throughIdp(browser, await browser.submit(review, {}, { stopAt: [APP_URL] }), 'alice');
    expect(landed.stoppedAt).toBe(APP_URL);
    expect(counter(await metrics(), 'changed')).toBe(1);
  });

  it('picks up a rolled certificate at the next refresh, without an edit or a restart', async () => {
    // The partner publishes its next certificate beside the current one, then starts signing with it.
    published.body = idpMetadata([k1.certificate, k2.certificate]);
    expect(await foyer.foyer.partners.metadata.refresh(IDP)).toBe('changed');
    saml.useSigningKeys(k2);
    expect((await signIn('alice@contoso.example', 'alice')).body).not.toContain('Error code');

    // Then drops the old one: an answer signed with it is no longer accepted.
    published.body = idpMetadata([k2.certificate]);
    expect(await foyer.foyer.partners.metadata.refresh(IDP)).toBe('changed');
    expect((await signIn('alice@contoso.example', 'alice')).status).not.toBe(400);
    saml.useSigningKeys(k1);
    try {
      const refused = await signIn('alice@contoso.example', 'alice');
      expect([refused.status, errorCodeOf(refused.body)]).toEqual([400, 'invalid_signature']);
    } finally {
      saml.useSigningKeys(k2);
    }
    const changed = logLines.filter((l) => l.msg === 'SAML metadata changed: the new signing certificates and SSO URL are in use');
    expect(changed).toHaveLength(2);
    expect((changed[0]!.added as string[]).length).toBe(1);
    expect((changed[1]!.removed as string[]).length).toBe(1);
  });

  it('keeps the last good metadata when a refresh fails, and says so in /metrics and the log', async () => {
    const failedBefore = counter(await metrics(), 'failed');
    const attempts: [string, () => void][] = [
      ['the server errs', () => Object.assign(published, { status: 500, body: 'oops' })],
      ['not XML', () => Object.assign(published, { status: 200, body: 'not xml at all <' })],
      ['another entity', () => Object.assign(published, { status: 200, body: idpMetadata([k1.certificate], { entityId: 'https://evil.example/idp' }) })],
      ['expired', () => Object.assign(published, { status: 200, body: idpMetadata([k1.certificate], { validUntil: '2020-01-01T00:00:00Z' }) })],
      ['a DTD', () => Object.assign(published, { status: 200, body: `<!DOCTYPE x [<!ENTITY e "x">]>${idpMetadata([k1.certificate]).replace(/^<\?xml[^>]*>/, '')}` })],
    ];
    for (const [what, publish] of attempts) {
      publish();
      expect(await foyer.foyer.partners.metadata.refresh(IDP), what).toBe('failed');
    }
    Object.assign(published, { status: 200, body: idpMetadata([k2.certificate]) });
    // Still K2, as last loaded: a sign-in signed with it works; one signed with K1 (which the bad documents named) does not.
    expect((await signIn('alice@contoso.example', 'alice')).body).not.toContain('Error code');
    expect(counter(await metrics(), 'failed')).toBe(failedBefore + attempts.length);
    expect(await metrics()).toMatch(new RegExp(`foyer_saml_metadata_last_success_timestamp_seconds\\{idp="${IDP}"\\} \\d+`));
    const warnings = logLines.filter((l) => l.msg === 'SAML metadata refresh failed; the last good metadata stays in use' && l.idpId === IDP);
    expect(warnings.map((w) => w.err)).toEqual([
      expect.stringContaining('HTTP 500'),
      expect.stringContaining('not well-formed'),
      expect.stringContaining('does not describe the configured idpEntityId'),
      expect.stringContaining('expired'),
      expect.stringContaining('DTD'),
    ]);
    expect(warnings[0]!.level).toBe(40);
  });
});

describe("MFA at a trusted SAML partner (AuthnInstant against mfaMaxAgeMinutes)", () => {
  it('a fresh MFA (AuthnContextClassRef refeds mfa) skips Foyer’s prompt', async () => {
    const browser = new Browser();
    const review = await browser.navigate(await invite('bob@contoso.example'));
    expect((await throughIdp(browser, await browser.submit(review, {}, { stopAt: [APP_URL] }), 'bob')).stoppedAt).toBe(APP_URL);
    const claims = await finish(await start(browser, foyer.issuer, WEB));
    expect([claims.amr, claims.acr]).toEqual([['fed', 'mfa'], 'urn:foyer:acr:mfa']);
  });

  it('one the IdP did three hours ago (its session answers) does not: Foyer asks for its own', async () => {
    saml.setSession({ login: 'bob', authenticatedAt: Date.now() - 3 * 3600_000, honourForceAuthn: true });
    try {
      const auth = await start(new Browser(), foyer.issuer, WEB, { login_hint: 'bob@contoso.example' });
      expect(is(auth.page, PAGES.enrol), `${auth.page.status} ${headingOf(auth.page.body)}`).toBe(true);
    } finally {
      saml.setSession(undefined);
    }
  });
});

describe('a SAML partner switched to blocked (config changed, restart)', () => {
  let oldLink: string;
  beforeAll(async () => {
    oldLink = await invite('dave@contoso.example');
    await foyer.stop();
    await startNode(true);
  });

  it('cannot sign in: refused before the IdP is asked, and nothing changes', async () => {
    const before = await foyer.foyer.db('sign_ins').where({ result: 'success' }).count({ n: '*' }).first();
    const refused = await signIn('alice@contoso.example', 'alice');
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([403, 'partnerBlocked']);
    expect(refused.trail.some((u) => u.startsWith(saml.ssoUrl))).toBe(false);
    expect(await foyer.foyer.db('sign_ins').where({ result: 'success' }).count({ n: '*' }).first()).toEqual(before);
  });

  it('cannot redeem: a new link and an old one are refused with the same code, and no identity is linked', async () => {
    const res = await api(foyer.issuer, await appToken(foyer.issuer, 'inviter-app'), 'POST', '/invitations', { invitedUserEmailAddress: 'carol@contoso.example', inviteRedirectUrl: APP_URL });
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'partnerBlocked']);
    expect(await foyer.foyer.users.findByEmail('carol@contoso.example')).toBeUndefined();
    const old = await new Browser().navigate(oldLink);
    expect([old.status, errorCodeOf(old.body)]).toEqual([403, 'partnerBlocked']);
    const dave = await foyer.foyer.users.findByEmail('dave@contoso.example');
    expect(dave?.externalUserState).toBe('PendingAcceptance');
    expect(await foyer.foyer.db('identities').where({ user_id: dave!.id })).toHaveLength(0);
  });

  it('an answer from the IdP for a sign-in started before the block is refused at the callback', async () => {
    // Started while allowed (another node, or just before the restart): the interaction survives in the database.
    await foyer.stop();
    await startNode(false);
    const browser = new Browser();
    const identify = await browser.navigate(`${foyer.issuer}/myapps`);
    const idpPage = await browser.submit(identify, { email: 'alice@contoso.example' }, { stopAt: [APP_URL] });
    expect(idpPage.url.startsWith(saml.ssoUrl)).toBe(true);
    await foyer.stop();
    await startNode(true);
    const identitiesBefore = await foyer.foyer.db('identities').count({ n: '*' }).first();
    const refused = await throughIdp(browser, idpPage, 'alice');
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([403, 'partnerBlocked']);
    expect(refused.stoppedAt).toBeUndefined();
    expect(await foyer.foyer.db('identities').count({ n: '*' }).first()).toEqual(identitiesBefore);
  });
});
