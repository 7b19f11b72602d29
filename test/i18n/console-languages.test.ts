/**
 * The admin console, the start page and the 404 speak the reader's language (Accept-Language):
 * French for a French browser, with <html lang="fr">, and English by default and for a language
 * Foyer has no catalog for. Notices, confirmations and form errors too; machine-readable things
 * (error codes, the CSV export's columns) stay as they are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser} from '../support/browserless.js';
import { headingOf } from '../support/browserless.js';
import { BrowserIn, langOf } from './language-browser.js';
import { PASSWORD, useWorld } from '../support/world.js';
import { idsIn, postForm } from '../console/console-helpers.js';
import { SignInLog } from '../../src/audit/sign-in-log.js';

const ADMIN = 'ada@contoso.example';
const GUEST = 'gaston@partner.example';

const world = useWorld({
  oidc: true,
  portal: true,
  members: [{ email: ADMIN, admin: true, name: 'Ada Admin' }],
  // Policies whose explanations the console translates: one for guests at the SPA, one report-only for members (the admin's own sign-ins).
  customize: (config) => {
    config.conditionalAccess = [
      { id: 'guests-spa-mfa', displayName: 'Guests need MFA for the SPA', state: 'enabled', conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['spa-app'] } }, grantControls: { builtInControls: ['mfa'] } },
      { id: 'members-report', displayName: 'Members MFA (report-only)', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeUsers: ['Members'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } },
    ];
  },
});

/** The stable error code a page shows, in any language (errorCodeOf reads the English label). */
const errorCodeOf = (html: string) => /(?:Error code|Code d’erreur)\s*:\s*<code>([^<]+)<\/code>/.exec(html)?.[1];
const url = (path: string) => `${world.issuer}/myapps/admin${path}`;
/** Each policy's "Why" on a what-if or sign-in page, in order. */
const reasonsOf = (html: string) => [...html.matchAll(/class="reason">([^<]*)</g)].map((m) => m[1]);

/** The admin signed in to My Apps with a password, in a browser that reads `language`. */
async function adminIn(language?: string): Promise<Browser> {
  const browser = new BrowserIn(language);
  const identify = await browser.navigate(`${world.issuer}/myapps`);
  const password = await browser.submit(identify, { email: ADMIN });
  const page = await browser.submit(password, { email: ADMIN, password: PASSWORD });
  expect(page.url).toBe(`${world.issuer}/myapps`);
  return browser;
}

let french: Browser;
let english: Browser;
let guestId = '';
let appId = '';

beforeAll(async () => {
  [french, english] = await Promise.all([adminIn('fr-FR,fr;q=0.9,en;q=0.5'), adminIn()]);
  guestId = (await world.invite(GUEST, { sendInvitationMessage: false, invitedUserDisplayName: 'Gaston' })).userId;
  appId = /data-app-id="([^"]+)"/.exec((await english.navigate(url('/apps'))).body)![1]!;
});

describe('the console in French (Accept-Language: fr)', () => {
  // Each page: its heading and a few words only the French catalog has (labels, buttons, column headers).
  const pages: [string, () => string, string, string[]][] = [
    ['guests', () => '/guests', 'Invités', ['<th scope="col">Partenaire</th>', 'Afficher les invités', 'Envoyer l’invitation', 'Sections de la console d’administration']],
    ['guest detail', () => `/guests/${guestId}`, 'Gaston', ['Retour à tous les invités', 'Renvoyer l’invitation', 'Invitation en attente', 'Aucune session active.']],
    ['groups', () => '/groups', 'Groupes', ['Créer un groupe', 'Le nom contient']],
    ['apps', () => '/apps', 'Applications', ['Ouverte à tous les utilisateurs']],
    ['one app', () => `/apps/${appId}`, '', ['Utilisateurs et groupes attribués', 'Identifiant client', 'Accès par défaut']],
    ['sign-in log', () => '/sign-ins', 'Journal des connexions', ['Afficher les connexions', 'Du (date, UTC)', 'Mes applications']],
    ['audit log', () => '/audit', 'Journal d’audit', ['Afficher les entrées', 'Entrées, les plus récentes d’abord']],
    ['what-if', () => '/what-if', 'Simulation', ['Évaluer', 'Adresse IP (facultative)']],
    ['configuration', () => '/config', 'Configuration', ['Fournisseurs d’identité', 'Organisations partenaires']],
    ['one part of the configuration', () => '/config/policies', 'Stratégies d’accès conditionnel', ['Toute la configuration']],
    ['bulk invite', () => '/invite', 'Invitations en masse', ['Vérifier le fichier', 'Ou collez les lignes']],
  ];

  for (const [name, path, heading, words] of pages) {
    it(`${name}: French words, lang="fr", and English for a browser with no French`, async () => {
      const page = await french.navigate(url(path()));
      expect([page.status, langOf(page.body)]).toEqual([200, 'fr']);
      if (heading) expect(headingOf(page.body)).toContain(heading);
      for (const w of words) expect(page.body, w).toContain(w);
      const en = await english.navigate(url(path()));
      expect([en.status, langOf(en.body)]).toEqual([200, 'en']);
      for (const w of words) expect(en.body, w).not.toContain(w);
    });
  }

  it('says the count, the sort and the states in French; the CSV export keeps its columns and values', async () => {
    const page = await french.navigate(url('/guests'));
    expect(page.body).toMatch(/<strong>1<\/strong> invité correspond\./);
    expect(page.body).toContain('Invités, triés par Invité le (ordre décroissant)');
    const csv = await (await french.request(url('/guests/export.csv'))).text();
    expect(csv.split('\r\n')[0]).toBe('id,displayName,mail,state,partner,identityProviders,lastSignInDateTime,invitedDateTime,invitedBy');
    expect(csv).toContain('Invitation pending');
  });

  it('asks before a destructive action, and says what changed, in French', async () => {
    const ask = await postForm(french, url(`/guests/${guestId}/disable`));
    expect([ask.status, langOf(ask.body), headingOf(ask.body)]).toEqual([200, 'fr', 'Désactiver Gaston ?']);
    expect(ask.body).toContain('Cette personne ne peut plus se connecter, et ses sessions sont fermées');
    const done = await postForm(french, url(`/guests/${guestId}/disable`), { confirm: 'yes' });
    expect(done.status).toBe(303);
    const after = await french.navigate(`${world.issuer}${done.location!}`);
    // The activity keeps the audit log's (Graph's) name; the rest is French.
    expect(after.body).toContain(`Ada Admin (${ADMIN}) : Disable account : Gaston (${GUEST}). Cette personne ne peut plus se connecter.`);
    expect(after.body).toContain('Désactivé');
    await postForm(french, url(`/guests/${guestId}/enable`), { confirm: 'yes' });
  });

  it('creates a group with a French notice, and shows a form error in French with its code unchanged', async () => {
    const created = await postForm(french, url('/groups'), { displayName: 'Équipe Lyon' });
    expect(created.status).toBe(303);
    const group = await french.navigate(`${world.issuer}${created.location!}`);
    expect(group.body).toContain('Groupe Équipe Lyon créé.');
    expect(group.body).toContain('Ajouter un membre par adresse e-mail');
    const empty = await postForm(french, url('/groups'), { displayName: '' });
    expect([empty.status, langOf(empty.body)]).toEqual([400, 'fr']);
    expect(empty.body).toContain('Donnez un nom au groupe.');
    const unknown = await postForm(french, `${world.issuer}${created.location!.split('?')[0]}/members`, { email: 'nobody@contoso.example' });
    expect(langOf(unknown.body)).toBe('fr');
    expect(errorCodeOf(unknown.body)).toBeTruthy();
  });

  it('an unknown guest is a 404 page in French, with the same stable code', async () => {
    const page = await french.navigate(url(`/guests/not-a-guest`));
    expect([page.status, langOf(page.body), errorCodeOf(page.body)]).toEqual([404, 'fr', 'guestNotFound']);
    expect(page.body).toContain('Cet invité n’existe pas.');
    const en = await english.navigate(url(`/guests/not-a-guest`));
    expect([en.status, langOf(en.body), errorCodeOf(en.body)]).toEqual([404, 'en', 'guestNotFound']);
    expect(en.body).toContain('There is no such guest.');
  });
});

describe('the start page and the 404 in French', () => {
  it('the start page follows Accept-Language, English by default and for a language with no catalog', async () => {
    const page = await new BrowserIn('fr-CA').navigate(`${world.issuer}/`);
    expect([page.status, langOf(page.body), headingOf(page.body)]).toEqual([200, 'fr', 'Connexion à Contoso Test']);
    expect(page.body).toContain('Se connecter à Mes applications');
    expect(page.body).not.toContain('Admin console');
    for (const other of [undefined, 'de-DE']) {
      const en = await new BrowserIn(other).navigate(`${world.issuer}/`);
      expect([en.status, langOf(en.body), headingOf(en.body)]).toEqual([200, 'en', 'Contoso Test sign-in']);
      expect(en.body).toContain('Sign in to My Apps');
    }
  });

  it('the signed-in admin’s start page links to the console in French', async () => {
    const page = await french.navigate(`${world.issuer}/`);
    expect(page.body).toContain('Ouvrir Mes applications');
    expect(page.body).toContain('Console d’administration');
  });

  it('an unknown path is the branded 404 in French, with its code', async () => {
    const page = await new BrowserIn('fr').navigate(`${world.issuer}/nowhere/at-all`);
    expect([page.status, langOf(page.body), headingOf(page.body), errorCodeOf(page.body)]).toEqual([404, 'fr', 'Introuvable', 'notFound']);
    expect(page.body).toContain('Il n’y a rien à cette adresse.');
    expect(page.body).toContain('Aller à la page d’accueil');
    const en = await new BrowserIn().navigate(`${world.issuer}/nowhere/at-all`);
    expect([en.status, langOf(en.body), errorCodeOf(en.body)]).toEqual([404, 'en', 'notFound']);
    expect(en.body).toContain('There is no page at this address.');
  });
});

describe('the policy explanations (the Why of what-if and of the sign-in log) in French', () => {
  const GUEST_REASONS = {
    fr: ['s’applique : utilisateur inclus : GuestsOrExternalUsers (l’utilisateur est un invité); application incluse : spa-app; n’importe quel fournisseur d’identité; n’importe quel emplacement', 'utilisateur non inclus'],
    en: ['applies: user included: GuestsOrExternalUsers (the user is a guest); app included: spa-app; any identity provider; any location', 'user not included'],
  };

  it('what-if says each policy’s reason and the decision in French, in English by default', async () => {
    const query = `/what-if?user=${encodeURIComponent(GUEST)}&app=spa-app`;
    const page = await french.navigate(url(query));
    expect([page.status, langOf(page.body)]).toEqual([200, 'fr']);
    expect(page.body).toContain('Décision : EXIGER l’authentification multifacteur (MFA)');
    expect(reasonsOf(page.body)).toEqual(GUEST_REASONS.fr);
    const en = await english.navigate(url(query));
    expect([en.status, langOf(en.body)]).toEqual([200, 'en']);
    expect(en.body).toContain('Decision: REQUIRE MFA');
    expect(reasonsOf(en.body)).toEqual(GUEST_REASONS.en);
    const allowed = await french.navigate(url(`${query}&mfa=yes`));
    expect(allowed.body).toContain('Décision : AUTORISER');
  });

  it('a sign-in’s detail says why in French; Graph’s sign-in keeps the English reason alone', async () => {
    const list = await english.navigate(url(`/sign-ins?user=${encodeURIComponent(ADMIN)}&status=success`));
    const [id] = idsIn(list.body, 'sign-in');
    expect(id).toBeDefined();
    const englishReasons = ['user not included', 'applies: user included: Members (the user is a member); app included: All; any identity provider; any location'];
    const page = await french.navigate(url(`/sign-ins/${id}`));
    expect([page.status, langOf(page.body)]).toEqual([200, 'fr']);
    expect(reasonsOf(page.body)).toEqual(['utilisateur non inclus', 's’applique : utilisateur inclus : Members (l’utilisateur est un membre); application incluse : toutes (All); n’importe quel fournisseur d’identité; n’importe quel emplacement']);
    expect(reasonsOf((await english.navigate(url(`/sign-ins/${id}`))).body)).toEqual(englishReasons);
    // What the API and the SIEM stream read: the reasons as before, without the codes kept for the console.
    const log = new SignInLog(world.foyer.foyer.db);
    const graph = await log.get(id!);
    expect(graph!.appliedConditionalAccessPolicies.map((p) => [p.reason, 'why' in p])).toEqual(englishReasons.map((r) => [r, false]));
    expect((await log.get(id!, { reasonCodes: true }))!.appliedConditionalAccessPolicies.map((p) => p.why?.code)).toEqual(['userNotIncluded', 'applies']);
  });

  it('a sign-in logged before reasons had codes shows its stored English reason, in every language', async () => {
    const id = await new SignInLog(world.foyer.foyer.db).record({
      userPrincipalName: ADMIN,
      appId: 'spa-app',
      isInteractive: true,
      result: 'success',
      conditionalAccessStatus: 'notApplied',
      appliedConditionalAccessPolicies: [{ id: 'guests-spa-mfa', displayName: 'Guests need MFA for the SPA', enforcedGrantControls: ['mfa'], enforcedSessionControls: [], result: 'notApplied', reason: 'user not included' }],
    });
    for (const browser of [french, english]) expect(reasonsOf((await browser.navigate(url(`/sign-ins/${id}`))).body)).toEqual(['user not included']);
  });
});
