/**
 * Pages and mails speak the person's language: the app's ui_locales for the sign-in, the browser's
 * Accept-Language elsewhere, the inviter's messageLanguage for the invitation mail and its
 * redemption page. A language Foyer has no catalog for gets English. Error pages are translated
 * by their stable code; the API's JSON errors stay English.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import type { Browser} from '../support/browserless.js';
import { headingOf } from '../support/browserless.js';
import { BrowserIn, langOf } from './language-browser.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { APP_URL, redeemUrlIn, useWorld } from '../support/world.js';

const MEMBER = 'mia@contoso.example';

const world = useWorld({ oidc: true, smtp: true, portal: true, members: [MEMBER] });
let token: string;
beforeAll(async () => {
  token = await appToken(world.issuer, 'portal-app');
});

const errorCodeIn = (html: string) => /<code>([^<]+)<\/code>/.exec(html)?.[1];

async function signInPage(browser: Browser, params: Record<string, string> = {}) {
  const pending = await startAuthorization(await webAppClient(world.issuer), params);
  return browser.navigate(pending.url.href);
}

describe('the language of the sign-in pages', () => {
  it('follows Accept-Language, and falls back to English for a language without a catalog', async () => {
    const french = await signInPage(new BrowserIn('fr-FR,fr;q=0.9,en;q=0.5'));
    expect([french.status, langOf(french.body), headingOf(french.body)]).toEqual([200, 'fr', 'Connexion']);
    expect(french.body).toContain('<label for="email">Adresse e-mail</label>');
    expect(french.body).toContain('<button type="submit">Suivant</button>');
    // A shared cache must not serve this page to someone who reads another language.
    expect(french.headers.get('vary')).toMatch(/accept-language/i);

    for (const other of ['de-DE,de;q=0.9', 'xx', undefined]) {
      const page = await signInPage(new BrowserIn(other));
      expect([page.status, langOf(page.body), headingOf(page.body)], `Accept-Language ${other}`).toEqual([200, 'en', 'Sign in']);
    }
  });

  it('follows the app’s ui_locales over Accept-Language, on every page of that sign-in', async () => {
    const browser = new BrowserIn('en-GB,en;q=0.9');
    const page = await signInPage(browser, { ui_locales: 'fr-CA en' });
    expect([langOf(page.body), headingOf(page.body)]).toEqual(['fr', 'Connexion']);
    // The next page of the same interaction (a mistyped address) is French too: ui_locales is kept in the interaction.
    const again = await browser.submit(page, { email: 'not an address' });
    expect([again.status, langOf(again.body)]).toEqual([400, 'fr']);
    expect(again.body).toContain('Saisissez votre adresse e-mail, par exemple nom@exemple.fr.');
    // The member's password form, after the email step.
    const password = await browser.submit(page, { email: MEMBER });
    expect([langOf(password.body), headingOf(password.body)]).toEqual(['fr', 'Connexion']);
    expect(password.body).toContain('<label for="password">Mot de passe</label>');
  });

  it('ignores ui_locales no catalog speaks (the browser’s language is used), and ui_locales=en wins over a French browser', async () => {
    const unknown = await signInPage(new BrowserIn('fr'), { ui_locales: 'ja de' });
    expect(langOf(unknown.body)).toBe('fr');
    const english = await signInPage(new BrowserIn('fr'), { ui_locales: 'en' });
    expect([langOf(english.body), headingOf(english.body)]).toEqual(['en', 'Sign in']);
  });

  it('advertises the languages in the discovery document', async () => {
    const discovery = (await (await fetch(`${world.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.ui_locales_supported).toEqual(['en', 'fr']);
  });
});

describe('an invitation with a messageLanguage', () => {
  it('is mailed in French over SMTP for fr-FR; its redemption page and the sign-in it starts are French, whatever the browser reads', async () => {
    const res = await api(world.issuer, token, 'POST', '/invitations', {
      invitedUserEmailAddress: 'amelie@partner.example',
      invitedUserDisplayName: 'Amélie',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: true,
      invitedUserMessageInfo: { messageLanguage: 'fr-FR', customizedMessageBody: 'Bienvenue <b>Amélie</b> !' },
    });
    expect(res.status).toBe(201);
    const mail = await world.smtp.waitForMessage('amelie@partner.example');
    expect(mail.subject).toBe('Sign-up portal vous invite à accéder à Web App chez Contoso Test');
    expect(mail.html).toContain('<html lang="fr">');
    expect(mail.html).toContain('Accepter l’invitation');
    expect(mail.html).toContain('Bienvenue &lt;b&gt;Amélie&lt;/b&gt; !');
    // The expiry date is written the French way, by Intl (e.g. "le 21 décembre 2026").
    expect(mail.text).toMatch(/expire le \d{1,2} [a-zéû]+\.? \d{4}\./);
    expect(mail.text).not.toMatch(/You're invited|Accept the invitation/);

    const browser = new BrowserIn('en-US,en;q=0.9');
    const page = await browser.navigate(redeemUrlIn(mail.text));
    expect([page.status, langOf(page.body), headingOf(page.body)]).toEqual([200, 'fr', 'Examinez les autorisations']);
    expect(page.body).toContain('Accepter et se connecter');
    // Accepting starts the sign-in with ui_locales, so Foyer's sign-in pages stay in French.
    const started = await browser.submit(page, {}, { stopAt: [APP_URL, world.partner.issuer] });
    expect(started.trail.find((u) => u.includes('/auth?'))).toMatch(/[?&]ui_locales=fr-FR(&|$)/);
  });

  it('is mailed in English when no catalog speaks its language (de-DE), and so is its page', async () => {
    const res = await api(world.issuer, token, 'POST', '/invitations', {
      invitedUserEmailAddress: 'dieter@partner.example',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: true,
      invitedUserMessageInfo: { messageLanguage: 'de-DE' },
    });
    expect(res.status).toBe(201);
    const mail = await world.smtp.waitForMessage('dieter@partner.example');
    expect(mail.subject).toBe('Sign-up portal invited you to access Web App within Contoso Test');
    expect(mail.html).toContain('<html lang="en">');
    const page = await new BrowserIn('de-DE').navigate(redeemUrlIn(mail.text));
    expect([langOf(page.body), headingOf(page.body)]).toEqual(['en', 'Review permissions']);
  });
});

describe('mails a French page asks for', () => {
  it('mails the password reset link in the language of the page it was asked from', async () => {
    const browser = new BrowserIn('fr-FR');
    const form = await browser.navigate(`${world.issuer}/password/forgot`);
    expect([langOf(form.body), headingOf(form.body)]).toEqual(['fr', 'Réinitialiser votre mot de passe']);
    const sent = await browser.submit(form, { email: MEMBER });
    expect(headingOf(sent.body)).toBe('Consultez vos e-mails');
    await world.foyer.foyer.passwordReset.settled();
    const mail = await world.smtp.waitForMessage(MEMBER);
    expect(mail.subject).toBe('Réinitialisez votre mot de passe Contoso Test');
    expect(mail.html).toContain('<html lang="fr">');
    expect(mail.text).toContain('Choisir un nouveau mot de passe');
  });

  it('mails the sign-in code of a French sign-in in French', async () => {
    const invited = await world.invite('paul@nowhere.example');
    const browser = new BrowserIn('en');
    const offer = await signInPage(browser, { ui_locales: 'fr', login_hint: 'paul@nowhere.example' });
    expect([langOf(offer.body), headingOf(offer.body)]).toEqual(['fr', 'Confirmez votre adresse e-mail']);
    const codePage = await browser.submit(offer, {});
    expect([langOf(codePage.body), headingOf(codePage.body)]).toEqual(['fr', 'Saisissez le code reçu par e-mail']);
    // (world.invite already took the invitation mail, in English: it had no messageLanguage.)
    const mail = await world.smtp.waitForMessage('paul@nowhere.example');
    expect(mail.subject).toBe('Votre code de connexion');
    expect(mail.text).toContain('Saisissez ce code sur la page de connexion :');
    expect(mail.html).toContain('<html lang="fr">');
    expect(invited.redeemUrl).toContain('/redeem?t=');
  });
});

describe('error pages', () => {
  it('show a translated message by the stable code; the same error from the API stays English', async () => {
    const page = await new BrowserIn('fr-FR').navigate(`${world.issuer}/redeem?t=${'A'.repeat(43)}`);
    expect([page.status, langOf(page.body), errorCodeIn(page.body)]).toEqual([404, 'fr', 'invitationNotFound']);
    expect(page.body).toContain('Ce lien d’invitation n’est pas valide.');
    expect(headingOf(page.body)).toBe('Introuvable');

    const english = await new BrowserIn('en').navigate(`${world.issuer}/redeem?t=${'A'.repeat(43)}`);
    expect(english.body).toContain('This invitation link is not valid.');

    const json = await fetch(`${world.issuer}/v1.0/users/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${token}`, 'accept-language': 'fr-FR', accept: 'application/json' } });
    const body = (await json.json()) as { error: { message: string } };
    expect(json.status).toBe(404);
    expect(body.error.message).toMatch(/^[\x20-\x7e]+$/); // English, never the French catalog
  });
});
