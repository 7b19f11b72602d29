/**
 * The authentication-strength pages speak the sign-in's language (the app's ui_locales, else
 * Accept-Language): the page that asks for a passkey to meet phishing-resistant MFA and the page
 * for a strength that cannot be met here, in French with <html lang="fr">, in English by default.
 * The built-in strength's name is translated; a custom one is shown as the admin wrote it, and the
 * error code and the method names stay as they are.
 */
import { describe, expect, it } from 'vitest';
import { appEntries, start, STRICT, WEB } from '../e2e-access/access-support.js';
import { Browser, headingOf } from '../support/browserless.js';
import { langOf } from './language-browser.js';
import type { PartnerUser } from '../support/partner-idp.js';
import { useWorld } from '../support/world.js';

const fabrikamUser = (login: string, amr: string[]): PartnerUser => ({ sub: `${login}-sub`, email: `${login}@fabrikam.example`, emailVerified: true, name: login, amr });
const USERS = { pat: fabrikamUser('pat', ['pwd', 'mfa']), pia: fabrikamUser('pia', ['pwd', 'mfa']), ida: fabrikamUser('ida', ['hwk', 'mfa']), ines: fabrikamUser('ines', ['hwk', 'mfa']) };
const PARTNERS = [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 10 }, automaticUserConsentSettings: { inboundAllowed: true } }];
const STRENGTHS = [{ id: 'partnerPasskey', displayName: 'Passkey at the home organisation', allowedCombinations: ['federated,upstreamPasskey'] }];

const world = useWorld({
  oidc: [{ id: 'fabrikam', displayName: 'Fabrikam', users: USERS, requireAuthTime: true }],
  portal: true,
  apps: appEntries([STRICT]),
  customize: (c) => {
    c.partners = PARTNERS;
    c.authenticationStrengths = STRENGTHS;
    c.conditionalAccess = [
      {
        id: 'strict-phishing-resistant',
        displayName: 'Strict app needs phishing-resistant MFA',
        state: 'enabled',
        conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: [STRICT.id] } },
        grantControls: { authenticationStrength: 'phishingResistantMfa' },
      },
    ];
  },
});

/** The stable error code a page shows, in any language (errorCodeOf reads the English label). */
const errorCodeOf = (html: string) => /(?:Error code|Code d’erreur)\s*:\s*<code>([^<]+)<\/code>/.exec(html)?.[1];

/** Invites `login`, then signs in to `app` through Fabrikam; returns the page where Foyer stopped. */
async function signIn(login: keyof typeof USERS, app = STRICT, params: Record<string, string> = {}) {
  await world.invite(`${login}@fabrikam.example`);
  const auth = await start(new Browser(), world.issuer, app, { login_hint: `${login}@fabrikam.example`, ...params });
  return auth.submit(auth.page, { login });
}

/** Fabrikam's ID tokens say the person authenticated half an hour earlier than they did. */
async function withOlderAuthentication<T>(run: () => Promise<T>): Promise<T> {
  world.oidc.fabrikam!.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Number(c.auth_time) - 30 * 60 }) });
  try {
    return await run();
  } finally {
    world.oidc.fabrikam!.tamperIdTokens(undefined);
  }
}

describe('the strength pages in the sign-in’s language', () => {
  it('asks for a passkey in French (ui_locales=fr), naming the built-in strength in French', async () => {
    const page = await signIn('pat', STRICT, { ui_locales: 'fr' });
    expect([langOf(page.body), headingOf(page.body)]).toEqual(['fr', 'Créer une clé d’accès']);
    expect(page.body).toContain('<strong>MFA résistante à l’hameçonnage</strong>');
    expect(page.body).toContain('Annuler et revenir à l’application');
    expect(page.body).not.toContain('Phishing-resistant MFA');
  });

  it('asks in English by default', async () => {
    const page = await signIn('pia');
    expect([langOf(page.body), headingOf(page.body)]).toEqual(['en', 'Create a passkey']);
    expect(page.body).toContain('<strong>Phishing-resistant MFA</strong>');
  });

  it('says in French that a strength cannot be met here; the custom strength’s name, the methods and the code stay as written', async () => {
    const page = await withOlderAuthentication(() => signIn('ida', WEB, { acr_values: 'urn:foyer:strength:partnerPasskey', ui_locales: 'fr-FR' }));
    expect([page.status, langOf(page.body), headingOf(page.body), errorCodeOf(page.body)]).toEqual([403, 'fr', 'Une connexion plus forte est requise', 'authenticationStrengthUnavailable']);
    expect(page.body).toContain('exige <strong>Passkey at the home organisation</strong>');
    expect(page.body).toContain('<code>federated + upstreamPasskey</code>');
    expect(page.body).toContain('Elle accepte ces façons de se connecter');
    const en = await withOlderAuthentication(() => signIn('ines', WEB, { acr_values: 'urn:foyer:strength:partnerPasskey' }));
    expect([en.status, langOf(en.body), headingOf(en.body)]).toEqual([403, 'en', 'A stronger sign-in is required']);
  });
});
