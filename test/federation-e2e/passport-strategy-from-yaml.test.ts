/**
 * A Passport strategy Foyer has no code for (passport-oauth2), configured only in the YAML file
 * (`type: passport`, its options with a `${ENV}` secret, a profile mapping), against a loopback
 * OAuth 2.0 server standing in for the provider. Proves the strategy carries the sign-in (state
 * and PKCE S256 kept in the interaction), that the answer is bound to the browser that started
 * it, and that an email the admin did not declare verified cannot redeem an invitation: the guest
 * must prove the address by passcode. (The domain rule for declared-verified emails:
 * test/federation/passport-connector.test.ts.)
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { startOAuth2Server, type OAuth2Server } from '../support/oauth2-server.js';
import { useWorld } from '../support/world.js';

let provider: OAuth2Server;
beforeAll(async () => {
  provider = await startOAuth2Server();
});
afterAll(() => provider.close());

/** Two IdPs on the one provider: one whose emails the admin does not vouch for, one whose `email_verified` it trusts. */
const entry = (id: string, issuer: string, domains: string[], emailVerified: boolean | string) => ({
  type: 'passport',
  id,
  displayName: `Provider ${id}`,
  package: 'passport-oauth2',
  issuer,
  options: {
    authorizationURL: `${provider.baseUrl}/authorize`,
    tokenURL: `${provider.baseUrl}/token`,
    clientID: provider.clientId,
    clientSecret: '${OAUTH2_CLIENT_SECRET}',
  },
  profileUrl: `${provider.baseUrl}/me`,
  profile: { subject: 'id', email: 'email', name: 'name', emailVerified },
  domains,
});

const world = useWorld(() => ({
  portal: true,
  env: { OAUTH2_CLIENT_SECRET: provider.clientSecret },
  customize: (config) => {
    config.identityProviders = [
      entry('acme', 'https://login.acme.example', ['acme.example'], false),
      entry('trusting', 'https://login.trusting.example', ['trusting.example'], 'email_verified'),
    ];
  },
}));

const user = (login: string, domain: string, verified = true) => ({ id: `${login}-${domain}-id`, email: `${login}@${domain}`, email_verified: verified, name: `${login} of ${domain}` });

async function snapshot() {
  const db = world.foyer.foyer.db;
  return { identities: await db('identities').select('issuer', 'subject', 'user_id').orderBy('subject'), users: await db('users').select('id', 'mail', 'external_user_state').orderBy('mail') };
}

/** Opens the invitation's link and follows the redirects through the provider; stops at the app or a page. */
async function redeem(redeemUrl: string, browser = new Browser()) {
  const page = await browser.navigate(redeemUrl);
  return browser.submit(page, {}, { stopAt: ['http://127.0.0.1:9999/'] });
}

describe('a Passport strategy configured only in YAML', () => {
  it('redeems an invitation when the admin said the provider verifies and the address is in its domains; the identity is named by the configured issuer', async () => {
    const { redeemUrl, userId } = await world.invite('carol@trusting.example');
    provider.signInAs(user('carol', 'trusting.example'));
    const landed = await redeem(redeemUrl);
    expect(landed.stoppedAt).toContain('http://127.0.0.1:9999/');

    // The strategy, not Foyer's own code, spoke to the provider: state and PKCE S256 both sent.
    const sent = provider.authorizeRequests.at(-1)!;
    expect(sent.get('state')).toBeTruthy();
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('redirect_uri')).toBe(`${world.issuer}/federation/trusting/callback`);

    const db = world.foyer.foyer.db;
    expect(await db('identities').where({ user_id: userId }).select('idp_id', 'issuer', 'subject')).toEqual([{ idp_id: 'trusting', issuer: 'https://login.trusting.example', subject: 'carol-trusting.example-id' }]);
    expect((await db('users').where({ id: userId }).first()).external_user_state).toBe('Accepted');
  });

  it('does not let an unverified email redeem an invitation: the guest is asked for a passcode and nothing is linked', async () => {
    const { redeemUrl, userId } = await world.invite('dave@acme.example');
    // The provider even says email_verified: true, but the admin did not declare that it verifies.
    provider.signInAs(user('dave', 'acme.example', true));
    const before = await snapshot();
    const page = await redeem(redeemUrl);
    expect(page.stoppedAt).toBeUndefined();
    expect(page.body).toContain('did not confirm the invited address');
    expect(await snapshot()).toEqual(before);
    expect((await world.foyer.foyer.db('users').where({ id: userId }).first()).external_user_state).toBe('PendingAcceptance');
  });

  it('refuses the provider answer in a browser other than the one that started the sign-in, and nothing changes', async () => {
    const { redeemUrl } = await world.invite('frank@trusting.example');
    provider.signInAs(user('frank', 'trusting.example'));
    const starter = new Browser();
    const page = await starter.navigate(redeemUrl);
    const sent = await starter.submit(page, {}, { stopAt: [`${world.issuer}/federation/trusting/callback`] });
    expect(sent.stoppedAt).toContain('/federation/trusting/callback?');
    const before = await snapshot();
    const victim = await new Browser().navigate(sent.stoppedAt!);
    expect(victim.status).toBe(400);
    expect(errorCodeOf(victim.body)).toBe('browser_mismatch');
    expect(await snapshot()).toEqual(before);
  });

  it('ends a refusal at the provider on a clear page', async () => {
    const { redeemUrl } = await world.invite('gina@trusting.example');
    provider.signInAs('deny');
    const page = await redeem(redeemUrl);
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('upstream_error');
  });
});
