/**
 * A fourth takeover found by the audit: a SAML IdP names itself with any string it likes (its
 * entity ID, which the host's admin copies from the partner's metadata), and Foyer found a linked
 * identity by (issuer, subject) alone. A malicious partner whose entity ID is another IdP's issuer
 * (an OIDC partner's, GitHub's https://github.com, the passcode's urn:foyer:email-otp) signed its
 * own user in as any guest of that IdP by sending the guest's subject as NameID (a GitHub user id
 * is public; a passcode guest's subject is their address), without any email proof: the linked
 * identity was enough. Here the other IdP is an OIDC partner that has since left the config (so no
 * config check can see the collision), as happens when a partner organisation moves to SAML or a
 * new one is federated. An identity is now found only through the IdP that linked it; a collision
 * the config can see (another IdP's issuer, one Foyer reserves) is refused at start too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { appToken, api } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { createKeyPair } from '../support/certs.js';
import { APP_URL, latestOutboxMail, PARTNER_SECRET, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { WEB, finish, start } from '../e2e-access/access-support.js';

let partner: PartnerIdp;
let saml: SamlIdp;
let before: RunningFoyer;
let after: RunningFoyer;
let bob: string;

const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const portalApp = { id: 'portal-app', displayName: 'Portal', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All'] };

beforeAll(async () => {
  // The partner's own OIDC IdP, federated for partner.example: bob redeems his invitation through it.
  const port = await freePort();
  partner = await startPartnerIdp({ conformIdTokenClaims: false, clients: [{ clientId: 'foyer', clientSecret: PARTNER_SECRET, authMethod: 'client_secret_basic', redirectUris: [`http://127.0.0.1:${port}/federation/partner/callback`] }] });
  before = await startFoyer(
    (config) => {
      (config.apps as Record<string, unknown>[])[0]!.launchUrl = APP_URL;
      (config.apps as Record<string, unknown>[]).push(portalApp);
      config.identityProviders = [{ id: 'partner', type: 'oidc', displayName: 'Partner Org', issuer: partner.issuer, clientId: 'foyer', clientSecret: PARTNER_SECRET, domains: ['partner.example'] }];
    },
    { port },
  );
  const res = await api(before.issuer, await appToken(before.issuer, 'portal-app'), 'POST', '/invitations', { invitedUserEmailAddress: 'bob@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  bob = (res.body.invitedUser as { id: string }).id;
  const browser = new Browser();
  const review = await browser.navigate(redeemUrlIn(latestOutboxMail(before)));
  const toPartner = await browser.submit(review, {}, { stopAt: [APP_URL] });
  const callback = `${before.issuer}/federation/partner/callback`;
  const params = await signInAtPartner(browser, toPartner.url, 'bob', callback);
  expect((await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] })).stoppedAt).toBe(APP_URL);
  await before.foyer.close();

  // Later, on the same database: the OIDC partner is gone from the config, and a new partner's SAML
  // IdP is federated for newco.example. Its metadata names it with the old partner's issuer.
  saml = await startSamlIdp({ entityId: partner.issuer, users: { eve: { nameId: 'bob-0002', email: 'eve@newco.example', name: 'Eve', classRef: PASSWORD }, newbie: { nameId: 'newco-newbie-1', email: 'newbie@newco.example', name: 'Newbie', classRef: PASSWORD } } });
  const sp = await createKeyPair('foyer-sp');
  after = await startFoyer((config) => {
    config.storage = { databaseUrl: `sqlite:${join(before.dir, 'foyer.sqlite')}` };
    (config.apps as Record<string, unknown>[]).push(portalApp);
    config.identityProviders = [
      { type: 'saml', id: 'newco', displayName: 'NewCo', idpEntityId: saml.entityId, ssoUrl: saml.ssoUrl, idpCertificates: [saml.certificate], spPrivateKey: sp.privateKey, spCertificate: sp.certificate, domains: ['newco.example'] },
    ];
  });
  saml.trustServiceProvider(await (await fetch(`${after.issuer}/federation/newco/metadata`)).text());
});
afterAll(async () => {
  await after?.stop();
  rmSync(before?.dir ?? '/nonexistent', { recursive: true, force: true });
  await saml?.close();
  await partner?.close();
});

async function bobState() {
  const db = after.foyer.db;
  const user = await db('users').where({ id: bob }).first();
  const identities = await db('identities').where({ user_id: bob }).select('idp_id', 'issuer', 'subject');
  const signIns = await db('sign_ins').where({ user_id: bob, result: 'success' }).count({ n: '*' }).first();
  return { lastSignIn: user.last_sign_in_at, identities, signIns: Number(signIns?.n) };
}

describe("an IdP naming itself with another IdP's issuer", () => {
  it("does not sign its user in as that IdP's guest by sending the guest's subject", async () => {
    const was = await bobState();
    expect(was.identities).toEqual([{ idp_id: 'partner', issuer: partner.issuer, subject: 'bob-0002' }]);
    const eve = new Browser();
    const auth = await start(eve, after.issuer, WEB);
    const idpPage = await auth.submit(auth.page, { email: 'eve@newco.example' });
    const page = await auth.submit(idpPage, { login: 'eve' });
    expect(page.stoppedAt).toBeUndefined();
    expect([page.status, errorCodeOf(page.body)]).toEqual([409, 'identityLinkedToAnotherProvider']);
    expect(eve.cookiesFor(after.issuer)._session).toBeUndefined();
    // Nothing changed for bob: no sign-in, no new identity, the old link as it was.
    expect(await bobState()).toEqual(was);
  });

  it("the IdP's own users, whose subjects are their own, still sign in (the positive control)", async () => {
    const browser = new Browser();
    const res = await api(after.issuer, await appToken(after.issuer, 'portal-app'), 'POST', '/invitations', { invitedUserEmailAddress: 'newbie@newco.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: false });
    expect(res.status).toBe(201);
    const auth = await start(browser, after.issuer, WEB);
    const idpPage = await auth.submit(auth.page, { email: 'newbie@newco.example' });
    const landed = await auth.submit(idpPage, { login: 'newbie' });
    expect((await finish(auth, landed)).sub).toBe((res.body.invitedUser as { id: string }).id);
  });
});
