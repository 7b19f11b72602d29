/**
 * SimpleSAMLphp (Debian's simplesamlphp) as a partner's SAML IdP: a guest redeems an invitation
 * and signs in again later through it; a rolled IdP certificate is picked up from its metadata;
 * a transient NameID (SimpleSAMLphp's default) is refused with a page saying so; assertions
 * encrypted to Foyer's encryption certificate are decrypted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPair, type KeyPair } from '../support/certs.js';
import { Browser, errorCodeOf, type Page } from '../support/browserless.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { freePort } from '../support/start-foyer.js';
import { APP_URL, startWorld, type World } from '../support/world.js';
import { missing } from './support/peers.js';
import { startSimpleSamlPhp, type SimpleSamlPhp } from './support/simplesamlphp.js';

const skip = missing('simplesamlphp');
const GUEST = { uid: 'sam', password: 'sam-password-123', mail: 'sam@ssp.example', displayName: 'Sam Partner' };

describe.skipIf(skip)(`SimpleSAMLphp as a partner SAML IdP${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World;
  let ssp: SimpleSamlPhp;
  let rolled: KeyPair;
  let userId: string;

  beforeAll(async () => {
    const port = await freePort();
    const [sp, spEncryption, idp] = await Promise.all([createKeyPair('foyer-sp'), createKeyPair('foyer-sp-encryption'), createKeyPair('ssp-idp-2026')]);
    rolled = await createKeyPair('ssp-idp-2027');
    const entityId = `http://127.0.0.1:${port}/saml2/idp/metadata.php`;
    world = await startWorld({
      portal: true,
      customize: (config) => {
        config.identityProviders = [...((config.identityProviders as unknown[] | undefined) ?? []), {
          type: 'saml',
          id: 'ssp',
          displayName: 'SSP Partner',
          idpEntityId: entityId,
          // Only the metadata: certificates and SSO URL come from SimpleSAMLphp itself.
          metadataUrl: entityId,
          spPrivateKey: sp.privateKey,
          spCertificate: sp.certificate,
          spDecryptionKey: spEncryption.privateKey,
          spDecryptionCertificate: spEncryption.certificate,
          domains: ['ssp.example'],
        }];
      },
    });
    ssp = await startSimpleSamlPhp({
      port,
      keys: idp,
      users: [GUEST],
      sp: { entityId: `${world.issuer}/federation/ssp/metadata`, acsUrl: `${world.issuer}/federation/ssp/acs`, certificate: sp.certificate, encryptionCertificate: spEncryption.certificate },
    });
    // Foyer fetched the metadata at start, before SimpleSAMLphp was up; the scheduled refresh (run now) recovers.
    expect(await world.foyer.foyer.partners.metadata.refresh('ssp')).toBe('changed');
  }, 60_000);
  afterAll(async () => {
    await ssp?.stop();
    await world?.stop();
  });

  /** From SimpleSAMLphp's login page: signs the guest in and posts its response to Foyer's ACS. */
  let lastResponseXml = '';
  async function signInAtSsp(browser: Browser, loginPage: Page, stopAt: string): Promise<Page & { stoppedAt?: string }> {
    expect(loginPage.body, `${loginPage.url}\n${loginPage.body.slice(0, 600)}\n${ssp.output()}`).toContain('name="password"');
    const posting = await browser.submit(loginPage, { username: GUEST.uid, password: GUEST.password });
    // SimpleSAMLphp's POST binding page (a browser submits it by script).
    expect(posting.body, `${posting.url}\n${posting.body.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 1500)}`).toContain("SAMLResponse");
    const field = /name="SAMLResponse" value="([^"]+)"/.exec(posting.body);
    lastResponseXml = field ? Buffer.from(field[1]!, 'base64').toString('utf8') : '';
    return browser.submit(posting, {}, { stopAt: [stopAt] });
  }

  async function appSignIn(): Promise<Page & { stoppedAt?: string }> {
    const browser = new Browser();
    const pending = await startAuthorization(await webAppClient(world.issuer), { login_hint: GUEST.mail });
    const loginPage = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    return signInAtSsp(browser, loginPage, WEB_APP.redirectUri);
  }

  it('a guest redeems an invitation through SimpleSAMLphp (persistent NameID)', async () => {
    const invited = await world.invite(GUEST.mail);
    userId = invited.userId;
    const browser = new Browser();
    const review = await browser.navigate(invited.redeemUrl);
    const loginPage = await browser.submit(review, {}, { stopAt: [APP_URL] });
    const done = await signInAtSsp(browser, loginPage, APP_URL);
    expect(done.stoppedAt, `${done.status} ${done.url}\n${done.body.slice(0, 800)}`).toBe(APP_URL);
    const identities = await world.foyer.foyer.db('identities').where({ user_id: userId }).select('idp_id', 'subject');
    expect(identities).toEqual([{ idp_id: 'ssp', subject: GUEST.uid }]);
  });

  it('and signs in again later', async () => {
    const page = await appSignIn();
    expect(page.stoppedAt, page.body.slice(0, 600)).toContain('code=');
  });

  it('picks a rolled IdP certificate up from the metadata (and refuses it until then)', async () => {
    await ssp.useCertificate(rolled);
    const early = await appSignIn();
    expect(errorCodeOf(early.body)).toBe('invalid_signature');

    expect(await world.foyer.foyer.partners.metadata.refresh('ssp')).toBe('changed');
    const page = await appSignIn();
    expect(page.stoppedAt, `${page.status}\n${page.body.slice(0, 600)}`).toContain('code=');
  });

  it('refuses a transient NameID with a page that says so, and tells the admin what to ask for', async () => {
    await ssp.sendTransientNameId(true);
    try {
      const page = await appSignIn();
      expect(page.status).toBe(400);
      expect(errorCodeOf(page.body)).toBe('invalid_response');
      expect(page.body).toContain('transient NameID');
      expect(page.body).toContain('persistent NameID');
    } finally {
      await ssp.sendTransientNameId(false);
    }
    const row = await world.foyer.foyer.db('sign_ins').where({ identity_provider: 'ssp', error_code: 'invalid_response' }).orderBy('created_at', 'desc').first();
    expect(row.failure_detail).toContain('release a persistent NameID');
    expect(await world.foyer.foyer.db('identities').where({ user_id: userId })).toHaveLength(1);
  });

  it('decrypts assertions SimpleSAMLphp encrypts to the encryption certificate in Foyer’s metadata', async () => {
    await ssp.encryptAssertions(true);
    try {
      const page = await appSignIn();
      expect(lastResponseXml).toContain('EncryptedAssertion');
      expect(lastResponseXml).not.toContain(GUEST.mail);
      expect(page.stoppedAt, `${page.status}\n${page.body.slice(0, 600)}`).toContain('code=');
    } finally {
      await ssp.encryptAssertions(false);
    }
  });
});
