/**
 * Helpers for the conditional access journeys: extra relying apps (openid-client against the real
 * Foyer), invitation + redemption through the real partner IdP, and the MFA pages driven the way a
 * person with an authenticator app would (codes computed with otplib from the key on the page).
 */
import * as client from 'openid-client';
import { generate } from 'otplib';
import { expect } from 'vitest';
import { api } from '../support/api-client.js';
import { Browser, headingOf, parseForms, type Page } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { DEMO_SECRET, type RunningFoyer } from '../support/start-foyer.js';

export interface TestApp {
  id: string;
  redirectUri: string;
}

export const WEB = { id: 'web-app', redirectUri: 'http://127.0.0.1:9999/callback' };
export const STRICT = { id: 'strict-app', redirectUri: 'http://127.0.0.1:9997/callback' };
export const BLOCKED = { id: 'blocked-app', redirectUri: 'http://127.0.0.1:9996/callback' };
export const REPORT = { id: 'report-app', redirectUri: 'http://127.0.0.1:9995/callback' };
export const TERMS = { id: 'terms-app', redirectUri: 'http://127.0.0.1:9994/callback' };
export const FREQUENT = { id: 'frequent-app', redirectUri: 'http://127.0.0.1:9993/callback' };

/** Config entries for the extra apps (first-party, confidential, like web-app). */
export function appEntries(apps: TestApp[]): Record<string, unknown>[] {
  return apps.map((a) => ({ id: a.id, displayName: `App ${a.id}`, clientSecret: DEMO_SECRET, redirectUris: [a.redirectUri], grantTypes: ['authorization_code', 'refresh_token'], firstParty: true }));
}

/** A conditional access policy (config's shape, Graph's names) asking these users for MFA on one app. */
export function requireMfaFor(appId: string, opts: { id?: string; displayName?: string; users?: string[] } = {}): Record<string, unknown> {
  return {
    id: opts.id ?? `${appId}-requires-mfa`,
    displayName: opts.displayName ?? `${appId} requires MFA`,
    state: 'enabled',
    conditions: { users: { includeUsers: opts.users ?? ['All'] }, applications: { includeApplications: [appId] } },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  };
}

export const PAGES = {
  enrol: 'Set up your authenticator app',
  verify: 'Enter the code from your authenticator app',
  codes: 'Save your recovery codes',
  terms: 'Accept the terms of use',
  blocked: 'Access blocked',
  identify: 'Sign in',
  partner: 'Partner IdP sign-in',
};

export const is = (page: Page, heading: string) => headingOf(page.body) === heading;

const execute = [client.allowInsecureRequests, client.enableNonRepudiationChecks];
const configs = new Map<string, Promise<client.Configuration>>();
export function appConfig(issuer: string, app: TestApp): Promise<client.Configuration> {
  const key = `${issuer}|${app.id}`;
  if (!configs.has(key)) configs.set(key, client.discovery(new URL(issuer), app.id, DEMO_SECRET, client.ClientSecretBasic(DEMO_SECRET), { execute }));
  return configs.get(key)!;
}

type Landed = Page & { stoppedAt?: string };

export interface Authorization {
  app: TestApp;
  browser: Browser;
  config: client.Configuration;
  pending: { codeVerifier: string; state: string; nonce: string };
  /** The first page Foyer showed, or where the browser stopped (the app's redirect_uri). */
  page: Landed;
  /** Submits a form on `page` in this browser, stopping at the app's redirect_uri. */
  submit(page: Page, fields: Record<string, string>, index?: number): Promise<Landed>;
  /** Opens a URL in this browser, stopping at the app's redirect_uri. */
  open(url: string): Promise<Landed>;
}

/**
 * The app sends the browser to /auth (PKCE, state, nonce); returns the first page shown, or where it
 * stopped. `path` replaces the authorization endpoint's path (a variant such as /AUTH).
 */
export async function start(browser: Browser, issuer: string, app: TestApp, params: Record<string, string> = {}, path?: string): Promise<Authorization> {
  const config = await appConfig(issuer, app);
  const codeVerifier = client.randomPKCECodeVerifier();
  const pending = { codeVerifier, state: client.randomState(), nonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: app.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...params,
  });
  if (path) url.pathname = path;
  const stop = { stopAt: [app.redirectUri] };
  const page = await browser.navigate(url.href, stop);
  return {
    app,
    browser,
    config,
    pending,
    page,
    submit: (p, fields, index) => browser.submit(p, fields, { ...stop, index }),
    open: (target) => browser.navigate(new URL(target, page.url).href, stop),
  };
}

/** The app's callback: code exchange with PKCE, state and nonce checks, ID token verified against JWKS. */
export async function finish(auth: Authorization, page: Landed = auth.page) {
  if (!page.stoppedAt) throw new Error(`the sign-in did not return to ${auth.app.id}: ${page.status} ${page.url} "${headingOf(page.body)}"\n${page.body.slice(0, 1500)}`);
  const tokens = await client.authorizationCodeGrant(auth.config, new URL(page.stoppedAt), {
    pkceCodeVerifier: auth.pending.codeVerifier,
    expectedState: auth.pending.state,
    expectedNonce: auth.pending.nonce,
    idTokenExpected: true,
  });
  return tokens.claims()!;
}

/** A guest invited by the API and redeemed through the partner IdP as `login`: the browser now has a Foyer session. */
export async function invitedGuest(foyer: RunningFoyer, token: string, email: string, login: string): Promise<{ userId: string; browser: Browser }> {
  const res = await api(foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(res.status).toBe(201);
  const userId = (res.body.invitedUser as { id: string }).id;
  const browser = new Browser();
  const page = await browser.navigate(redeemUrlIn(latestOutboxMail(foyer)));
  const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
  const callback = `${foyer.issuer}/federation/partner/callback`;
  const params = await signInAtPartner(browser, partnerForm.url, login, callback);
  const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
  expect(landed.stoppedAt).toBe(APP_URL);
  return { userId, browser };
}

/** From Foyer's email page, through the partner's login form as `login`, back to whatever Foyer shows next. */
export async function signInAsGuest(auth: Authorization, email: string, login: string): Promise<Landed> {
  if (!is(auth.page, PAGES.identify)) throw new Error(`expected the email page, got ${auth.page.status} ${auth.page.url} "${headingOf(auth.page.body)}"`);
  const partner = await auth.submit(auth.page, { email });
  if (!is(partner, PAGES.partner)) throw new Error(`expected the partner's login form, got ${partner.status} ${partner.url} "${headingOf(partner.body)}"`);
  return auth.submit(partner, { login });
}


/** The base32 key shown for typing by hand. */
export function totpKeyOn(page: Page): string {
  const key = /<code id="totp-key">([A-Z2-7 ]+)<\/code>/.exec(page.body)?.[1];
  if (!key) throw new Error(`no TOTP key on the page "${headingOf(page.body)}"`);
  return key.replace(/\s/g, '');
}

export const STEP_MS = 30_000;
export const currentStep = () => Math.floor(Date.now() / STEP_MS);
export const codeForStep = (secret: string, step: number) => generate({ secret, epoch: step * 30 });

/** Enrols on the enrolment page with a correct code; returns the secret, the recovery codes and the page after Continue. */
export async function enrolTotp(auth: Authorization, enrolPage: Page) {
  expect(is(enrolPage, PAGES.enrol)).toBe(true);
  const secret = totpKeyOn(enrolPage);
  const codesPage = await auth.submit(enrolPage, { code: await codeForStep(secret, currentStep()) });
  expect(is(codesPage, PAGES.codes)).toBe(true);
  const recoveryCodes = [...codesPage.body.matchAll(/<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  const after = await auth.submit(codesPage, {});
  return { secret, recoveryCodes, page: after };
}

/** The last TOTP step Foyer recorded as used for a user (replay protection). */
export async function lastUsedStep(foyer: RunningFoyer, userId: string): Promise<number> {
  const row = await foyer.foyer.db('mfa_totp').where({ user_id: userId }).first();
  return Number(row.last_used_step);
}

/** A fresh, never-used code for the user: the current step, or the next one if the current was used. */
export async function freshCode(foyer: RunningFoyer, userId: string, secret: string): Promise<string> {
  return codeForStep(secret, Math.max(currentStep(), (await lastUsedStep(foyer, userId)) + 1));
}

/** A sign_ins row as stored, JSON columns parsed. */
export interface SignInRow {
  id: string;
  created_at: string;
  user_id: string | null;
  user_principal_name: string | null;
  app_id: string | null;
  identity_provider: string | null;
  ip_address: string | null;
  correlation_id: string | null;
  is_interactive: number | boolean;
  result: string;
  error_code: string | null;
  failure_reason: string | null;
  conditional_access_status: string;
  authentication_requirement: string;
  mfa_method: string | null;
  applied_policies: { id: string; result: string; reason: string; enforcedGrantControls: string[] }[];
  amr: string[] | null;
}

/** Sign-in log rows matching `where`, oldest first. */
export async function signInRows(foyer: RunningFoyer, where: Record<string, unknown>): Promise<SignInRow[]> {
  const rows = (await foyer.foyer.db('sign_ins').where(where).orderBy([{ column: 'created_at' }, { column: 'id' }])) as Record<string, unknown>[];
  return rows.map((r) => ({
    ...(r as unknown as SignInRow),
    applied_policies: JSON.parse(String(r.applied_policies)) as SignInRow['applied_policies'],
    amr: r.amr ? (JSON.parse(String(r.amr)) as string[]) : null,
  }));
}

/** The form fields of the first form on a page whose action ends with `suffix`. */
export function formIndex(page: Page, suffix: string): number {
  const i = parseForms(page.body).findIndex((f) => f.action.endsWith(suffix));
  if (i < 0) throw new Error(`no form posting to …${suffix} on "${headingOf(page.body)}"`);
  return i;
}
