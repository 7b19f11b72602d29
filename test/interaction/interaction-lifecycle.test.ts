import type * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, csrfTokenOf, errorCodeOf } from '../support/browserless.js';
import { callbackError, finishAuthorization, oauthErrorOf, openSignIn, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { useFoyer } from '../support/world.js';

const EMAIL = 'olivia@contoso.example';
const PASSWORD = 'lifecycle password 3';

describe('interaction lifecycle: unknown, expired, foreign and aborted interactions', () => {
  const foyer = useFoyer({ members: [{ email: EMAIL, password: PASSWORD }] });
  let config: client.Configuration;

  beforeAll(async () => {
    config = await webAppClient(foyer.issuer);
  });

  it('answers an unknown interaction uid with a 400 interactionExpired page', async () => {
    const page = await new Browser().navigate(`${foyer.issuer}/interaction/does-not-exist`);
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('interactionExpired');
    expect(page.body).toContain('Go back to the app and start signing in again.');
  });

  it('answers an expired interaction with interactionExpired, on the page and on the form post', async () => {
    const browser = new Browser();
    const { page, uid } = await openSignIn(browser, config);
    // Expire it the way storage does: oidc-provider's adapter stops returning it after expires_at.
    const expired = await foyer.foyer.db('oidc_payloads').where({ model: 'Interaction', id: uid }).update({ expires_at: Date.now() - 1000 });
    expect(expired).toBe(1);

    const reload = await browser.navigate(page.url);
    expect(reload.status).toBe(400);
    expect(errorCodeOf(reload.body)).toBe('interactionExpired');

    const post = await browser.submit(page, { email: EMAIL, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
    expect(post.stoppedAt).toBeUndefined();
    expect(post.status).toBe(400);
    expect(errorCodeOf(post.body)).toBe('interactionExpired');
  });

  it('does not let another browser use an interaction (the uid alone is not enough)', async () => {
    const { page } = await openSignIn(new Browser(), config);
    const other = await new Browser().navigate(page.url);
    expect(other.status).toBe(400);
    expect(errorCodeOf(other.body)).toBe('interactionExpired');
  });

  it('returns access_denied to the app when the user cancels, and issues no code', async () => {
    const browser = new Browser();
    const { uid, pending } = await openSignIn(browser, config);
    const back = await browser.navigate(`${foyer.issuer}/interaction/${uid}/abort`, { stopAt: [WEB_APP.redirectUri] });
    expect(back.stoppedAt).toBeDefined();
    expect(callbackError(back.stoppedAt!)).toMatchObject({ error: 'access_denied', state: pending.state });
    expect(new URL(back.stoppedAt!).searchParams.has('code')).toBe(false);
    const refused = await oauthErrorOf(finishAuthorization(config, back.stoppedAt!, pending));
    expect(refused.error).toBe('access_denied');

    // The interaction is over: its pages now say so.
    const after = await browser.navigate(`${foyer.issuer}/interaction/${uid}`);
    expect(after.status).toBe(400);
    expect(errorCodeOf(after.body)).toBe('interactionExpired');
  });

  it('refuses a consent post while the login step is pending', async () => {
    const browser = new Browser();
    const { page, uid } = await openSignIn(browser, config);
    const res = await browser.request(`${foyer.issuer}/interaction/${uid}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfTokenOf(page.body) }).toString(),
    });
    expect(res.status).toBe(400);
    expect(errorCodeOf(await res.text())).toBe('unexpectedInteractionStep');
  });
});
