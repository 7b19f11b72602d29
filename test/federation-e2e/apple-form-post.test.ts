/**
 * `type: apple` against a loopback oidc-provider set up like Sign in with Apple: it answers with
 * response_mode=form_post (a cross-site POST to Foyer's ACS route) and accepts as client secret only
 * an ES256 JWT signed by the key whose public half it holds (iss Team ID, sub Services ID, aud
 * Apple, kid Key ID, five minutes). The preset's issuer is pointed at it through the test-only
 * connector override. Proves a guest redeems an invitation via Apple (the cross-site POST bounced
 * once through Foyer's same-site hop page, as SAML's), with `email_verified` sent as the string
 * "true", and that the form_post delivered by another browser is refused with nothing written.
 */
import { generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, leakedInternals, parseForms, type Page } from '../support/browserless.js';
import { startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';
import { freePort } from '../support/start-foyer.js';
import { APP_URL, useWorld } from '../support/world.js';

const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const SERVICES_ID = 'com.example.foyer.web';
const REGISTERED = 'what-the-fake-apple-hands-on-to-oidc-provider';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();

let apple: PartnerIdp;
let foyerPort: number;
const secrets: { header: JWTHeaderParameters; claims: JWTPayload }[] = [];

beforeAll(async () => {
  foyerPort = await freePort();
  const key = await importSPKI(PUBLIC_PEM, 'ES256');
  apple = await startPartnerIdp({
    users: {
      dana: { sub: '001234.abcdef.0042', email: 'dana@icloud.example', emailVerified: 'true' as unknown as boolean, amr: ['pwd'] },
      erin: { sub: '001234.abcdef.0043', email: 'erin@icloud.example', emailVerified: true, amr: ['pwd'] },
      frank: { sub: '001234.abcdef.0044', email: 'frank@icloud.example', emailVerified: true, amr: ['pwd'] },
    },
    clients: [{ clientId: SERVICES_ID, clientSecret: REGISTERED, authMethod: 'client_secret_post', redirectUris: [`http://127.0.0.1:${foyerPort}/federation/apple/acs`] }],
    // What Apple checks of the client secret: its ES256 signature by the registered key and its claims.
    clientSecretCheck: async (secret) => {
      const { payload, protectedHeader } = await jwtVerify(secret, key, { algorithms: ['ES256'], issuer: TEAM_ID, subject: SERVICES_ID, audience: 'https://appleid.apple.com', maxTokenAge: '180 days', requiredClaims: ['iat', 'exp'] });
      if (protectedHeader.kid !== KEY_ID) throw new Error('unknown kid');
      secrets.push({ header: protectedHeader, claims: payload });
      return REGISTERED;
    },
  });
});
afterAll(() => apple?.close());

const world = useWorld(() => ({
  port: foyerPort,
  portal: true,
  env: { APPLE_PRIVATE_KEY: PRIVATE_PEM },
  connectorOverrides: { apple: { issuerUrlOverride: apple.issuer } },
  customize: (config) => {
    config.emailPasscode = { enabled: false };
    config.identityProviders = [{ type: 'apple', clientId: SERVICES_ID, teamId: TEAM_ID, keyId: KEY_ID, privateKey: '${APPLE_PRIVATE_KEY}' }];
  },
}));

const acs = () => `${world.issuer}/federation/apple/acs`;

async function snapshot() {
  const db = world.foyer.foyer.db;
  return { identities: await db('identities').select('issuer', 'subject', 'user_id').orderBy('subject'), users: await db('users').select('id', 'mail', 'external_user_state').orderBy('mail') };
}

/** From the invitation link to Apple's form_post page (not yet submitted), signing in as `login` in `signer`. */
async function toApplesFormPost(redeemUrl: string, starter: Browser, signer: Browser, as: string) {
  const page = await starter.navigate(redeemUrl);
  const sent = await starter.submit(page, {}, { stopAt: [apple.issuer] });
  expect(sent.stoppedAt).toContain('response_mode=form_post');
  expect(new URL(sent.stoppedAt!).searchParams.get('scope')).toBe('openid email name');
  const login = await signer.navigate(sent.stoppedAt!);
  const answered = await signer.submit(login, { login: as }, { stopAt: [acs()] });
  const form = parseForms(answered.body)[0]!;
  expect(form.action).toBe(acs());
  expect(form.fields.code).toBeTruthy();
  return form.fields;
}

/** The IdP's page posts cross-site: the browser sends no SameSite=Lax cookie, so Foyer answers with its same-site hop. */
async function crossSitePost(fields: Record<string, string>): Promise<Page> {
  const res = await fetch(acs(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const body = await res.text();
  expect(res.status).toBe(200);
  expect(parseForms(body)[0]?.fields.foyer_hop).toBe('1');
  return { url: acs(), status: res.status, headers: res.headers, body, trail: [acs()] };
}

describe('Sign in with Apple (form_post, ES256 client secret)', () => {
  it('redeems an invitation: the cross-site POST is bounced through the same-site page and the client secret is a valid ES256 JWT', async () => {
    const { redeemUrl, userId } = await world.invite('dana@icloud.example');
    const guest = new Browser();
    const fields = await toApplesFormPost(redeemUrl, guest, guest, 'dana');
    const hop = await crossSitePost(fields);
    const landed = await guest.submit(hop, {}, { stopAt: [APP_URL] });
    expect(landed.stoppedAt, `${landed.status} ${landed.url}`).toContain(APP_URL);

    const db = world.foyer.foyer.db;
    expect(await db('identities').where({ user_id: userId }).select('idp_id', 'subject')).toEqual([{ idp_id: 'apple', subject: '001234.abcdef.0042' }]);
    expect((await db('users').where({ id: userId }).first()).external_user_state).toBe('Accepted');

    const sent = secrets.at(-1)!;
    expect(sent.header).toMatchObject({ alg: 'ES256', kid: KEY_ID });
    expect(sent.claims).toMatchObject({ iss: TEAM_ID, sub: SERVICES_ID, aud: 'https://appleid.apple.com' });
    expect(sent.claims.exp! - sent.claims.iat!).toBeLessThanOrEqual(300);
  });

  it('refuses the form_post delivered by another browser, and nothing is written', async () => {
    const { redeemUrl } = await world.invite('erin@icloud.example');
    const attacker = new Browser();
    const victim = new Browser();
    const fields = await toApplesFormPost(redeemUrl, attacker, victim, 'erin');
    const before = await snapshot();
    const tokenRequests = secrets.length;

    const hop = await crossSitePost(fields);
    const page = await victim.submit(hop, {}, { stopAt: [APP_URL] });
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('browser_mismatch');
    expect(leakedInternals(page.body)).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    // Refused before the code was exchanged.
    expect(secrets.length).toBe(tokenRequests);
  });

  it('accepts Apple answers only as the form_post it asked for: the same answer as a GET callback is refused', async () => {
    const { redeemUrl } = await world.invite('frank@icloud.example');
    const guest = new Browser();
    const fields = await toApplesFormPost(redeemUrl, guest, guest, 'frank');
    const before = await snapshot();
    const tokenRequests = secrets.length;
    const page = await guest.navigate(`${world.issuer}/federation/apple/callback?${new URLSearchParams(fields)}`, { stopAt: [APP_URL] });
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('invalid_response');
    expect(await snapshot()).toEqual(before);
    expect(secrets.length).toBe(tokenRequests);
  });
});
