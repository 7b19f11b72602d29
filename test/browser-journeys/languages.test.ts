/**
 * Languages in a real browser: Chromium set to French (its Accept-Language) gets the sign-in
 * pages and My Apps in French, with <html lang="fr">; an app's ui_locales=fr wins over an English
 * browser; a browser in a language Foyer has no catalog for gets English.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAppWorld, type AppWorld } from './support/app-world.js';
import { clickAndWait, describeInChromium, DESKTOP, HAS_CHROMIUM, launchChromium } from '../support/chromium.js';

const MEMBER = { email: 'mia@contoso.example', password: 'a long and correct password' };

let world: AppWorld;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([startAppWorld(), launchChromium()]);
  await world.foyer.createMember(MEMBER.email, MEMBER.password, { name: 'Mia Member' });
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

/** A page in a fresh context whose browser reads `locale` (Chromium's --lang: Accept-Language and navigator.language). */
async function pageIn(locale: string, ctx: { onTestFinished: (fn: () => Promise<void>) => void }): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, locale });
  context.setDefaultTimeout(20_000);
  ctx.onTestFinished(() => context.close());
  return context.newPage();
}

const facts = (page: Page) => page.evaluate(() => ({ lang: document.documentElement.lang, h1: document.querySelector('h1')?.textContent?.trim() }));

describeInChromium('Foyer in the browser’s language', () => {
  it('a French browser signs in and uses My Apps in French', async (ctx) => {
    const page = await pageIn('fr-FR', ctx);
    await page.goto(world.appUrl);
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in with Foyer' }).click(), /\/interaction\//);
    expect(await facts(page)).toEqual({ lang: 'fr', h1: 'Connexion' });
    await page.getByLabel('Adresse e-mail').fill(MEMBER.email);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByLabel('Mot de passe').fill('not the password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('ne correspondent à aucun compte');
    await page.getByLabel('Mot de passe').fill(MEMBER.password);
    await clickAndWait(page, () => page.getByRole('button', { name: 'Se connecter' }).click(), (u) => u.href.startsWith(world.appUrl));

    await page.goto(`${world.foyer.issuer}/myapps`);
    await page.waitForURL(`${world.foyer.issuer}/myapps`);
    expect(await facts(page)).toEqual({ lang: 'fr', h1: 'Mes applications' });
    expect(await page.getByRole('navigation').textContent()).toContain('Compte et sécurité');
    await page.getByRole('link', { name: 'Compte et sécurité' }).click();
    expect(await facts(page)).toEqual({ lang: 'fr', h1: 'Compte et sécurité' });
    expect(await page.locator('#profile').textContent()).toContain('Membre de Contoso');
  });

  it('an English browser sent with ui_locales=fr gets the sign-in in French; a browser in Japanese gets English', async (ctx) => {
    const english = await pageIn('en-GB', ctx);
    await english.goto(world.appUrl);
    await clickAndWait(english, () => english.getByRole('button', { name: 'Sign in with Foyer' }).click(), /\/interaction\//);
    expect(await facts(english)).toEqual({ lang: 'en', h1: 'Sign in' });
    // An app that knows its user's language sends ui_locales (here the public SPA's own authorization request).
    const again = await pageIn('en-GB', ctx);
    const auth = new URL(`${world.foyer.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: 'spa-app',
      response_type: 'code',
      scope: 'openid profile email',
      redirect_uri: 'http://127.0.0.1:9998/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'languages',
      ui_locales: 'fr',
    }).toString();
    await clickAndWait(again, () => again.goto(auth.href), /\/interaction\//);
    expect(await facts(again)).toEqual({ lang: 'fr', h1: 'Connexion' });
    expect(await again.getByLabel('Adresse e-mail').count()).toBe(1);

    const japanese = await pageIn('ja-JP', ctx);
    await japanese.goto(world.appUrl);
    await clickAndWait(japanese, () => japanese.getByRole('button', { name: 'Sign in with Foyer' }).click(), /\/interaction\//);
    expect(await facts(japanese)).toEqual({ lang: 'en', h1: 'Sign in' });
  });
});
