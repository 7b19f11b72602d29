/**
 * A real Foyer with one or more real SAML partners (samlify IdPs on loopback, each signing with its
 * own keys; a preset of test/support/world.ts), for tests that play an attacker against the ACS.
 * The attacker is a user of a partner IdP (their own account, `mallory`) who wants to become
 * someone else at Foyer; every helper walks the browser the way a person's would, so the
 * SAMLResponse always arrives from the browser that started the sign-in, through whatever
 * redirects and auto-posting pages Foyer puts in between.
 */
import { expect } from 'vitest';
import { Browser, errorCodeOf, leakedInternals, parseForms, type Page } from '../../support/browserless.js';
import { WEB_APP, finishAuthorization, startAuthorization, webAppClient, type PendingAuthorization } from '../../support/oidc-client.js';
import type { SamlIdp, SamlIdpOptions, SamlUser } from '../../support/saml-idp.js';
import type { RunningFoyer } from '../../support/start-foyer.js';
import { APP_URL, startWorld } from '../../support/world.js';

const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';

/** The attacker's own, legitimate account at the Contoso IdP. */
export const MALLORY: SamlUser = { nameId: 'c0ffee-mallory-persistent', email: 'mallory@contoso.example', name: 'Mallory Contoso', classRef: `${AC}PasswordProtectedTransport` };
/** The victim, as the Contoso IdP knows her (SAML_USERS.alice). */
export const VICTIM = { nameId: 'c0ffee-alice-persistent', email: 'alice@contoso.example' };

export interface PartnerSpec {
  id: string;
  displayName: string;
  domain: string;
  idp?: SamlIdpOptions;
  /** Foyer's side of the trust (identityProviders[] fields). */
  foyer?: { wantAssertionsSigned?: boolean; wantResponseSigned?: boolean; allowIdpInitiated?: { app: string } };
}

export interface Partner {
  id: string;
  idp: SamlIdp;
  acs: string;
}

/** What an attack must leave untouched for a user: identities, invitation, guest state, sessions. */
export interface UserState {
  identities: string[];
  invitations: string[];
  externalUserState: string | null;
  lastSignInAt: string | null;
  sessions: number;
}

export interface AcsForm {
  action: string;
  fields: Record<string, string>;
}

export interface SamlAttackWorld {
  foyer: RunningFoyer;
  issuer: string;
  partners: Record<string, Partner>;
  /** A pending invitation (no mail sent): returns the guest's user id. */
  invite(email: string): Promise<string>;
  /** The app sends a new browser (or the given one) to Foyer with login_hint; Foyer sends it on to the partner's IdP. */
  startAppSignIn(email: string, browser?: Browser): Promise<{ browser: Browser; idpPage: Page; authorization: PendingAuthorization }>;
  /** Logs in at the IdP; returns the auto-posting form bound for Foyer's ACS, not yet posted. */
  loginAtIdp(browser: Browser, idpPage: Page, login: string): Promise<AcsForm>;
  /** Posts a form to the ACS from this browser and follows Foyer to wherever it ends (a page, or the app's redirect_uri). */
  deliver(browser: Browser, form: AcsForm): Promise<Page & { stoppedAt?: string }>;
  /** The app redeems the code it got: the positive control that the harness itself breaks nothing. */
  appTokens(landed: Page & { stoppedAt?: string }, authorization: PendingAuthorization): Promise<{ sub: string }>;
  stateOf(userId: string): Promise<UserState>;
  close(): Promise<void>;
}

export async function startSamlAttackWorld(specs: PartnerSpec[], customize?: (config: Record<string, unknown>) => void): Promise<SamlAttackWorld> {
  const world = await startWorld({
    saml: specs.map((s) => ({ id: s.id, displayName: s.displayName, domains: [s.domain], idp: s.idp, entry: s.foyer })),
    portal: true,
    customize: (config) => {
      config.tenant = { displayName: 'Northwind', memberDomains: ['northwind.example'] };
      customize?.(config);
    },
  });
  const { foyer } = world;
  const partners: Record<string, Partner> = {};
  for (const s of specs) partners[s.id] = { id: s.id, idp: world.saml[s.id]!, acs: world.callback(s.id) };
  const appConfig = await webAppClient(foyer.issuer);
  const db = foyer.foyer.db;
  const stopAt = [WEB_APP.redirectUri, APP_URL];

  return {
    foyer,
    issuer: foyer.issuer,
    partners,
    async invite(email) {
      return (await world.invite(email, { sendInvitationMessage: false })).userId;
    },
    async startAppSignIn(email, browser = new Browser()) {
      const authorization = await startAuthorization(appConfig, { login_hint: email });
      const idpPage = await browser.navigate(authorization.url.toString(), { stopAt });
      expect(idpPage.body, 'Foyer should send the browser to the IdP login form').toContain('<form method="post" action="/sso/login">');
      return { browser, idpPage, authorization };
    },
    async loginAtIdp(browser, idpPage, login) {
      const posted = await browser.submit(idpPage, { login }, { stopAt: [`${foyer.issuer}/federation/`] });
      const form = parseForms(posted.body)[0];
      expect(form?.action, posted.body).toMatch(new RegExp(`^${foyer.issuer}/federation/[^/]+/acs$`));
      expect(form!.fields.SAMLResponse).toBeTruthy();
      return { action: form!.action, fields: form!.fields };
    },
    deliver(browser, form) {
      return browser.navigate(form.action, {
        init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() },
        stopAt,
      });
    },
    async appTokens(landed, authorization) {
      expect(landed.stoppedAt, landed.body).toBeTruthy();
      const tokens = await finishAuthorization(appConfig, landed.stoppedAt!, authorization);
      return { sub: tokens.claims()!.sub };
    },
    async stateOf(userId) {
      const user = await db('users').where({ id: userId }).first();
      const identities = await db('identities').where({ user_id: userId }).orderBy('subject');
      const invitations = await db('invitations').where({ user_id: userId }).orderBy('created_at');
      const sessions = (await db('oidc_payloads').where({ model: 'Session' })).filter((row: { payload: string }) => (JSON.parse(row.payload) as { accountId?: string }).accountId === userId);
      return {
        identities: identities.map((r: { idp_id: string; subject: string }) => `${r.idp_id}:${r.subject}`),
        invitations: invitations.map((r: { status: string }) => r.status),
        externalUserState: user?.external_user_state ?? null,
        lastSignInAt: user?.last_sign_in_at ?? null,
        sessions: sessions.length,
      };
    },
    close: world.stop,
  };
}

/** A guest invited and not yet redeemed, as every attack must leave them. */
export const UNTOUCHED_INVITEE: UserState = { identities: [], invitations: ['PendingAcceptance'], externalUserState: 'PendingAcceptance', lastSignInAt: null, sessions: 0 };

/**
 * The attack ended on Foyer's error page with this status and stable code, without a stack trace
 * or path, and the browser never got back to the app with an authorization code.
 */
export function expectRefused(page: Page & { stoppedAt?: string }, status: number, code: string): void {
  expect({ status: page.status, code: errorCodeOf(page.body), stoppedAt: page.stoppedAt }, page.body.slice(0, 2000)).toEqual({ status, code, stoppedAt: undefined });
  expect(leakedInternals(page.body)).toBeUndefined();
}
