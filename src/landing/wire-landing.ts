/**
 * The start page (src/landing/): `GET /` names the host organisation, says what Foyer is for, and
 * leads on to My Apps (and the admin console, for admins), so the first address a person tries is
 * never a dead end. Unknown paths get the branded 404 of src/http/not-found.ts.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import { myAppsUrl } from '../portal/portal-client.js';
import { landingPage } from './landing-page.js';

export function wireLanding(shared: SharedServices, deps: { provider: Provider }): Feature {
  const { config, users, renderer } = shared;
  return { middleware: [landingPage({ provider: deps.provider, users, renderer, myAppsUrl: myAppsUrl(config.issuer) })] };
}
