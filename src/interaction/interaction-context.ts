import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { offerOnward } from '../http/error-onward.js';
import { HttpError } from '../http/http-error.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { keepForJourney } from './interaction-lifetime.js';
import { askForLanguage } from '../i18n/request-language.js';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Loads the interaction bound to this browser (oidc-provider checks the interaction cookie
 * against the uid in the URL), turning "expired or from another browser" into a page that says so.
 */
export async function loadInteraction(provider: Provider, ctx: Context): Promise<InteractionDetails> {
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction uid mismatch');
    // The app's ui_locales is kept in the interaction's parameters: every page of this sign-in speaks it.
    askForLanguage(ctx, details.params.ui_locales);
    offerReturnToApp(ctx, provider, details.uid, details.params.client_id);
    return details;
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      throw new HttpError(
        400,
        'interactionExpired',
        'This sign-in page has expired or was opened in a different browser. Go back to the app and start signing in again.',
      );
    }
    throw err;
  }
}

/**
 * From here on an error page of this sign-in links back to the app: /abort answers it with
 * access_denied (the interaction cookie still decides whose sign-in that is), and the app shows
 * its sign-in button again instead of leaving the person on Foyer's error page.
 */
export function offerReturnToApp(ctx: Context, provider: Provider, uid: string, clientId: unknown): void {
  // My Apps answers a refused sign-in with an error page of its own: opening it starts afresh instead.
  if (clientId === PORTAL_CLIENT_ID) return offerOnward(ctx, { url: '/myapps', label: async () => 'My Apps' });
  offerOnward(ctx, { url: `/interaction/${encodeURIComponent(uid)}/abort`, label: async () => (await provider.Client.find(String(clientId)))?.clientName ?? 'the app' });
}

export function requirePrompt(details: InteractionDetails, name: string): void {
  if (details.prompt.name !== name) {
    throw new HttpError(400, 'unexpectedInteractionStep', 'This step of the sign-in is not expected now. Go back to the app and start signing in again.');
  }
}

/**
 * Hands the result back to oidc-provider and follows its redirect (303, so the browser GETs).
 * What `provider.interactionResult(…, { mergeWithLastSubmission: false })` does, on the interaction
 * this request already loaded and checked against its cookie, instead of loading it once more.
 */
export async function finishInteraction(details: InteractionDetails, ctx: Context, result: InteractionDetails['result']): Promise<void> {
  details.result = result;
  keepForJourney(details);
  await details.persist();
  ctx.status = 303;
  ctx.redirect(details.returnTo);
}

export function clientName(provider: Provider, details: InteractionDetails): Promise<string> {
  return provider.Client.find(String(details.params.client_id)).then((c) => c?.clientName ?? String(details.params.client_id));
}
