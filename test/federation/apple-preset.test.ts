/**
 * The `type: apple` config and preset: a key that is not PEM P-256 is refused when the config
 * loads, with the key path; the preset fixes Apple's issuer, form_post, scopes and email rule; the
 * client secret Foyer mints is an ES256 JWT with Apple's claims, valid five minutes.
 * (The whole sign-in against a loopback Apple-like IdP: test/federation-e2e/apple-form-post.test.ts.)
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { identityProvidersSchema } from '../../src/config/identity-providers-schema.js';
import { mintAppleClientSecret } from '../../src/federation/apple-client-secret.js';
import { appleSettings } from '../../src/federation/presets.js';

const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
const pem = (k: ReturnType<typeof ec>) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const p256 = ec('P-256');
const entry = (privateKey: string) => ({ type: 'apple', clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey });
const issuesOf = (input: unknown) => {
  const result = identityProvidersSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('type: apple', () => {
  it('refuses a private key that is not PEM P-256, naming the key path', () => {
    expect(issuesOf([entry('not a key')])).toEqual([expect.stringMatching(/^0\.privateKey: is not a PEM P-256 private key/)]);
    expect(issuesOf([entry(pem(ec('P-384')))])).toEqual([expect.stringMatching(/^0\.privateKey: is not a PEM P-256/)]);
    expect(issuesOf([{ ...entry(pem(p256)), teamId: 'short' }])).toEqual([expect.stringMatching(/^0\.teamId: is the 10-character Apple Developer Team ID/)]);
  });

  it('expands into Apple OIDC settings: fixed issuer, form_post, openid email name, email_verified as string or boolean', () => {
    const [idp] = identityProvidersSchema.parse([entry(pem(p256))]);
    if (idp?.type !== 'apple') throw new Error('expected an apple entry');
    const settings = appleSettings(idp);
    expect(settings).toMatchObject({ id: 'apple', displayName: 'Apple', issuer: 'https://appleid.apple.com', responseMode: 'form_post', scopes: ['openid', 'email', 'name'], category: 'social' });
    expect(settings.emailVerified({ email_verified: 'true' })).toBe(true);
    expect(settings.emailVerified({ email_verified: true })).toBe(true);
    expect(settings.emailVerified({ email_verified: 'false' })).toBe(false);
    expect(settings.emailVerified({})).toBe(false);
  });

  it('mints an ES256 client secret with Apple claims, valid five minutes', async () => {
    const now = 1_800_000_000;
    const jwt = await mintAppleClientSecret({ teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: pem(p256) }, 'com.example.web', now);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'KEY1234567' });
    const key = await importSPKI(p256.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ES256');
    const { payload } = await jwtVerify(jwt, key, { currentDate: new Date(now * 1000), issuer: 'TEAM123456', subject: 'com.example.web', audience: 'https://appleid.apple.com' });
    expect(payload).toEqual({ iss: 'TEAM123456', sub: 'com.example.web', aud: 'https://appleid.apple.com', iat: now, exp: now + 300 });
  });
});
