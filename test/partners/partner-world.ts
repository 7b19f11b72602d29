/**
 * Two partner organisations with their own real OpenID providers, federated into a real Foyer:
 * Fabrikam (fabrikam.example, trusted for MFA up to an hour old, automatic redemption) and
 * Northwind (northwind.example, limited to app A). Foyer's SQLite file and port survive `restart`,
 * which starts Foyer again with changed partner settings, as an operator changes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, headingOf, type Page } from '../support/browserless.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp, type PartnerUser } from '../support/partner-idp.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

export const SECRET = 'partner-client-secret-0123456789abcdef';
export const APP_A = { id: 'app-a', redirectUri: 'http://127.0.0.1:9981/callback', launchUrl: 'http://127.0.0.1:9981/' };
export const APP_B = { id: 'app-b', redirectUri: 'http://127.0.0.1:9982/callback', launchUrl: 'http://127.0.0.1:9982/' };

const user = (sub: string, email: string, amr: string[] = ['pwd'], extra: Partial<PartnerUser> = {}): PartnerUser => ({ sub, email, emailVerified: true, name: sub, amr, ...extra });

export const FABRIKAM_USERS: Record<string, PartnerUser> = {
  alice: user('alice', 'alice@fabrikam.example'),
  bob: user('bob', 'bob@fabrikam.example', ['pwd', 'mfa'], { acr: 'urn:partner:acr:mfa' }),
  fay: user('fay', 'fay@fabrikam.example', ['pwd', 'mfa']),
  gil: user('gil', 'gil@fabrikam.example'),
  // Signs in at Fabrikam, but with an address at Northwind (another organisation's domain).
  mallory: user('mallory', 'mallory@northwind.example'),
  // Fabrikam's directory says more about Dora, some of it in names that are Foyer's decisions to make.
  dora: user('dora', 'dora@fabrikam.example', ['pwd'], { claims: { given_name: 'Dora', department: 'Finance', roles: ['admin'], user_type: 'Member' } }),
};
export const NORTHWIND_USERS: Record<string, PartnerUser> = {
  nina: user('nina', 'nina@northwind.example'),
  noel: user('noel', 'noel@northwind.example'),
  owen: user('owen', 'owen@northwind.example', ['pwd'], { groups: ['contoso-project'] }),
  pia: user('pia', 'pia@northwind.example', ['pwd'], { groups: ['sales'] }),
};

export type Customize = (config: Record<string, unknown>) => void;

export interface PartnerWorld {
  foyer: RunningFoyer;
  issuer: string;
  fabrikam: PartnerIdp;
  northwind: PartnerIdp;
  /** An app token with User.Invite.All and User.Read.All. */
  token(): Promise<string>;
  /** Stops Foyer and starts it again on the same port and database with the settings changed. */
  restart(change: Customize): Promise<void>;
  stop(): Promise<void>;
}

/** Fabrikam and Northwind as partners; `customize` edits the whole config after them. */
export function partnerConfig(fabrikam: PartnerIdp, northwind: PartnerIdp, customize: Customize = () => {}): Customize {
  return (config) => {
    const apps = config.apps as Record<string, unknown>[];
    apps[0]!.launchUrl = 'http://127.0.0.1:9999/';
    for (const app of [APP_A, APP_B]) {
      apps.push({ id: app.id, displayName: `App ${app.id.slice(-1).toUpperCase()}`, clientSecret: DEMO_SECRET, redirectUris: [app.redirectUri], launchUrl: app.launchUrl, grantTypes: ['authorization_code', 'refresh_token'], firstParty: true });
    }
    apps.push({ id: 'inviter-app', displayName: 'Inviter', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All', 'Policy.Read.All', 'AuditLog.Read.All'] });
    config.identityProviders = [
      { id: 'fabrikam', type: 'oidc', displayName: 'Fabrikam', issuer: fabrikam.issuer, clientId: 'foyer', clientSecret: SECRET, domains: ['fabrikam.example'] },
      { id: 'northwind', type: 'oidc', displayName: 'Northwind', issuer: northwind.issuer, clientId: 'foyer', clientSecret: SECRET, domains: ['northwind.example'] },
    ];
    config.partners = [
      {
        id: 'fabrikam',
        displayName: 'Fabrikam',
        domains: ['fabrikam.example'],
        identityProviders: ['fabrikam'],
        inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 60 },
        automaticUserConsentSettings: { inboundAllowed: true },
      },
      {
        id: 'northwind',
        displayName: 'Northwind',
        domains: ['northwind.example'],
        identityProviders: ['northwind'],
        b2bCollaborationInbound: { applications: { accessType: 'allowed', targets: ['app-a'] } },
      },
    ];
    customize(config);
  };
}

/** `storage`: PostgreSQL and Redis instead of a SQLite file (the production storage). */
export async function startPartnerWorld(customize: Customize = () => {}, storage: { databaseUrl?: string; redisUrl?: string } = {}): Promise<PartnerWorld> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'foyer-partners-'));
  const databaseUrl = storage.databaseUrl ?? `sqlite:${join(dir, 'foyer.sqlite')}`;
  const redisUrl = storage.redisUrl;
  const client = (id: string) => [{ clientId: 'foyer', clientSecret: SECRET, authMethod: 'client_secret_basic' as const, requireAuthTime: true, redirectUris: [`http://127.0.0.1:${port}/federation/${id}/callback`] }];
  const fabrikam = await startPartnerIdp({ users: FABRIKAM_USERS, clients: client('fabrikam') });
  const northwind = await startPartnerIdp({ users: NORTHWIND_USERS, clients: client('northwind') });
  let current = partnerConfig(fabrikam, northwind, customize);
  const world: PartnerWorld = {
    foyer: await startFoyer(current, { port, databaseUrl, redisUrl }),
    get issuer() {
      return world.foyer.issuer;
    },
    fabrikam,
    northwind,
    token: () => appToken(world.foyer.issuer, 'inviter-app'),
    async restart(change) {
      await world.foyer.stop();
      const before = current;
      current = (config) => {
        before(config);
        change(config);
      };
      world.foyer = await startFoyer(current, { port, databaseUrl, redisUrl });
    },
    async stop() {
      await world.foyer.stop();
      await fabrikam.close();
      await northwind.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Invites `email` to `redirect` through the API, mailed; returns the new user's id and the redeem link. */
export async function invite(world: PartnerWorld, email: string, redirect = APP_A.launchUrl): Promise<{ userId: string; redeemUrl: string }> {
  const res = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: redirect, sendInvitationMessage: true });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { userId: (res.body.invitedUser as { id: string }).id, redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

/**
 * Redeems in a fresh browser as `login` at the partner `idp`: the review page when there is one
 * (accepted), then the partner's login form. Returns the browser and where it landed.
 */
export async function redeem(world: PartnerWorld, redeemUrl: string, idp: 'fabrikam' | 'northwind', login: string, browser = new Browser()) {
  const stopAt = [APP_A.launchUrl, APP_B.launchUrl, 'http://127.0.0.1:9999/'];
  const first = await browser.navigate(redeemUrl, { stopAt });
  const review = headingOf(first.body) === 'Review permissions';
  const partnerForm = review ? await browser.submit(first, {}, { stopAt }) : first;
  if (headingOf(partnerForm.body) !== 'Partner IdP sign-in') return { browser, review, landed: partnerForm as Page & { stoppedAt?: string } };
  const callback = `${world.issuer}/federation/${idp}/callback`;
  const params = await signInAtPartner(browser, partnerForm.url, login, callback);
  const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt });
  return { browser, review, landed };
}
