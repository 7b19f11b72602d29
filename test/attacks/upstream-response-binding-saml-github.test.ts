/**
 * Takeover 1 through the other two upstream kinds: a SAML AuthnRequest link (RelayState) and a
 * GitHub authorize link, each started by an attacker and completed by someone else's browser. The
 * SAML IdP's cross-site POST is bounced once through Foyer's same-site page (the binding cookie is
 * SameSite=Lax); the bounced POST from the wrong browser is refused like the OIDC callback.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, leakedInternals, parseForms, refusalOf, type Page } from '../support/browserless.js';
import type { FakeGithub } from '../support/fake-github.js';
import type { SamlIdp } from '../support/saml-idp.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';
import { WEB, start } from '../e2e-access/access-support.js';

const world = useWorld({
  saml: [{ id: 'contoso', displayName: 'Contoso', domains: ['contoso.example'] }],
  github: true,
  customize: (config) => {
    config.tenant = { displayName: 'Northwind', memberDomains: ['northwind.example'] };
    config.emailPasscode = { enabled: false };
  },
});
let saml: SamlIdp;
let github: FakeGithub;
let foyer: RunningFoyer;

beforeAll(() => {
  ({ foyer, github } = world);
  saml = world.saml.contoso!;
});

const db = () => foyer.foyer.db;

async function snapshot() {
  const [identities, users, audits] = await Promise.all([
    db()('identities').count({ n: '*' }).first(),
    db()('users').count({ n: '*' }).first(),
    db()('audit_log').whereNot({ result_reason: 'browser_mismatch' }).orWhereNull('result_reason').count({ n: '*' }).first(),
  ]);
  return { identities, users, audits };
}

function expectRefused(page: Page) {
  expect(page.status).toBe(400);
  expect(errorCodeOf(page.body)).toBe('browser_mismatch');
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe('a SAML response for a sign-in another browser started', () => {
  it('is bounced through the same-site page, then refused, and nothing is stored', async () => {
    const attacker = new Browser();
    const auth = await start(attacker, foyer.issuer, WEB);
    const sent = await attacker.submit(auth.page, { email: 'alice@contoso.example' }, { stopAt: [saml.ssoUrl] });
    expect(sent.stoppedAt).toContain('RelayState=');
    const before = await snapshot();

    const victim = new Browser();
    const loginPage = await victim.navigate(sent.stoppedAt!);
    const acs = `${foyer.issuer}/federation/contoso/acs`;
    const posted = await victim.submit(loginPage, { login: 'alice' }, { stopAt: [acs] });
    const form = parseForms(posted.body)[0]!;
    expect(form.action).toBe(acs);
    // The IdP's cross-site POST: Foyer answers with its hop page, which the browser posts back (same site).
    const hop = await victim.request(acs, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) });
    const hopBody = await hop.text();
    expect(hop.status).toBe(200);
    expect(parseForms(hopBody)[0]?.fields.foyer_hop).toBe('1');
    const page = await victim.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [WEB.redirectUri] });
    expectRefused(page);
    expect(await snapshot()).toEqual(before);
  });

  it('answers an empty POST to the ACS with a clear 400, not a hop page', async () => {
    const res = await fetch(`${foyer.issuer}/federation/contoso/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'RelayState=x' });
    expect(await refusalOf(res)).toMatchObject({ status: 400, code: 'invalid_response' });
  });
});

describe('a GitHub answer for a sign-in another browser started', () => {
  it('is refused before the code is exchanged, and nothing is stored', async () => {
    const attacker = new Browser();
    const auth = await start(attacker, foyer.issuer, WEB);
    // No IdP owns the domain and passcodes are off, so GitHub (open to any domain) is the way in.
    const sent = await attacker.submit(auth.page, { email: 'octocat@github.example' }, { stopAt: [github.baseUrl] });
    expect(sent.stoppedAt).toContain('/login/oauth/authorize');
    const before = await snapshot();

    github.signInAs('octocat');
    const page = await new Browser().navigate(sent.stoppedAt!, { stopAt: [WEB.redirectUri] });
    expectRefused(page);
    expect(await snapshot()).toEqual(before);
  });
});
