/**
 * The sign-in log middleware (src/access/sign-in-outcomes.ts) runs only on the authorization
 * endpoint's paths. A single sign-on through a variant of that path (`/AUTH`, `/Auth/`), which
 * oidc-provider's router serves like `/auth`, must be logged like one through `/auth`: otherwise
 * anyone holding a session could get codes that leave no trace in the sign-in log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInRows } from '../e2e-access/access-support.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { partnerUser, startWorld, type World } from '../support/world.js';

let world: World;
const issuer = () => world.foyer.issuer;
beforeAll(async () => {
  world = await startWorld({ oidc: [{ users: { gus: partnerUser('gus') } }], portal: true, smtp: true });
});
afterAll(() => world?.stop());

describe('single sign-on through a variant of /auth', () => {
  it('is logged in the sign-in log like one through /auth', async () => {
    const invited = await world.invite('gus@partner.example', { inviteRedirectUrl: `${issuer()}/myapps` });
    const browser = new Browser();
    await redeemLink(world, browser, invited.redeemUrl, 'gus', 'http://never.example/');
    const config = await webAppClient(issuer());
    const successes = async () => (await signInRows(world.foyer, { user_id: invited.userId, result: 'success' })).length;

    for (const path of ['/auth', '/AUTH', '/Auth/']) {
      const before = await successes();
      const pending = await startAuthorization(config);
      pending.url.pathname = path;
      const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      // Single sign-on: the browser's session gives the app a code at once, whichever path it used.
      const tokens = await finishAuthorization(config, page.stoppedAt!, pending);
      expect(tokens.id_token).toBeTruthy();
      expect({ path, logged: (await successes()) - before }).toEqual({ path, logged: 1 });
    }
  });
});
