/**
 * apps[].initiateLoginUri (OIDC third-party initiated login): https, or http on a loopback host for
 * local development; refused elsewhere with the key path. oidc-provider gets it as the client's
 * initiate_login_uri where its registration rules allow (https). After redemption Foyer builds the
 * app's link with iss, login_hint and target_link_uri.
 */
import { describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config/apps-schema.js';
import { landingAfterRedemption } from '../../src/invitations/initiate-login.js';
import { appToClient } from '../../src/provider/clients.js';

const app = (initiateLoginUri: string, extra: Record<string, unknown> = {}) => ({ id: 'web', displayName: 'Web', clientSecret: 'x'.repeat(32), redirectUris: ['https://web.example/callback'], initiateLoginUri, ...extra });
const problems = (input: unknown) => {
  const parsed = appSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('apps[].initiateLoginUri', () => {
  it('accepts https, and http on loopback hosts', () => {
    for (const uri of ['https://web.example/oidc/initiate?tenant=1', 'http://localhost:3001/initiate-login', 'http://127.0.0.1:9/x', 'http://[::1]:8080/']) {
      expect(problems(app(uri)), uri).toEqual([]);
    }
  });

  it('refuses http elsewhere, other schemes, fragments, and an app that does not sign people in', () => {
    // Hosts that only look like loopback are elsewhere.
    const lookalikes = ['http://localhost.evil.example/i', 'http://127.0.0.1.nip.io/i', 'http://evil.example/localhost', 'http://0.0.0.0:3001/i', 'http://[::2]/i', 'http://127.0.0.2/i', 'http://user@evil.example/127.0.0.1'];
    for (const uri of ['http://web.example/initiate', 'javascript:alert(1)', 'https://web.example/initiate#x', 'ftp://web.example/', ...lookalikes]) {
      expect(problems(app(uri)), uri).toEqual([expect.stringMatching(/^initiateLoginUri: must be an https URL/)]);
    }
    expect(problems(app('https://web.example/i', { grantTypes: ['client_credentials'], redirectUris: [] }))).toEqual(['initiateLoginUri: only an app that signs people in (authorization_code) can start a sign-in']);
  });

  it('is client metadata for oidc-provider when https, and Foyer’s own when on loopback http', () => {
    expect(appToClient(appSchema.parse(app('https://web.example/initiate'))).initiate_login_uri).toBe('https://web.example/initiate');
    expect(appToClient(appSchema.parse(app('HTTPS://web.example/initiate'))).initiate_login_uri).toBe('HTTPS://web.example/initiate');
    // oidc-provider would refuse the whole client over an http one, so it stays out of the metadata ...
    expect(appToClient(appSchema.parse(app('http://localhost:3001/initiate-login')))).not.toHaveProperty('initiate_login_uri');
  });

  it('on a loopback host, http is used after redemption like https (localhost, 127.0.0.1, [::1])', () => {
    // ... and is not dropped: Foyer itself sends the guest there.
    for (const uri of ['http://localhost:3001/initiate-login', 'http://127.0.0.1:3001/initiate-login', 'http://[::1]:3001/initiate-login']) {
      const url = new URL(landingAfterRedemption({ issuer: 'http://127.0.0.1:3000', redirectUrl: 'http://127.0.0.1:3001/', app: appSchema.parse(app(uri)), invitedEmail: 'ann@partner.example' }));
      expect(`${url.origin}${url.pathname}`, uri).toBe(uri.replace('/initiate-login', '') + '/initiate-login');
      expect(Object.fromEntries(url.searchParams)).toEqual({ iss: 'http://127.0.0.1:3000', login_hint: 'ann@partner.example', target_link_uri: 'http://127.0.0.1:3001/' });
    }
  });

  it('after redemption: the app’s link with iss, login_hint and target_link_uri, keeping its own query; other apps get the redirect URL', () => {
    const web = appSchema.parse(app('https://web.example/initiate?tenant=1'));
    const url = new URL(landingAfterRedemption({ issuer: 'https://id.contoso.example', redirectUrl: 'https://web.example/projects?id=7', app: web, invitedEmail: 'ann@partner.example' }));
    expect(url.origin + url.pathname).toBe('https://web.example/initiate');
    expect(Object.fromEntries(url.searchParams)).toEqual({ tenant: '1', iss: 'https://id.contoso.example', login_hint: 'ann@partner.example', target_link_uri: 'https://web.example/projects?id=7' });
    const plain = appSchema.parse({ ...app('https://web.example/i'), initiateLoginUri: undefined });
    expect(landingAfterRedemption({ issuer: 'https://id.contoso.example', redirectUrl: 'https://web.example/', app: plain, invitedEmail: 'ann@partner.example' })).toBe('https://web.example/');
    expect(landingAfterRedemption({ issuer: 'https://id.contoso.example', redirectUrl: 'https://id.contoso.example/myapps', app: undefined, invitedEmail: 'ann@partner.example' })).toBe('https://id.contoso.example/myapps');
  });
});
