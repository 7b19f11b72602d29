import type { ClientMetadata } from 'oidc-provider';
import type { AppConfig } from '../config/apps-schema.js';

/** Maps an app from config to oidc-provider client metadata. Apps are static: config is the source. */
export function appToClient(app: AppConfig): ClientMetadata {
  const usesCode = app.grantTypes.includes('authorization_code');
  const customScheme = app.redirectUris.some((u) => !/^https?:/.test(u));
  return {
    client_id: app.id,
    client_name: app.displayName,
    ...(app.clientSecret
      ? { client_secret: app.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: app.grantTypes,
    response_types: usesCode ? ['code'] : [],
    application_type: customScheme ? 'native' : 'web',
    ...(app.idTokenSigningAlg ? { id_token_signed_response_alg: app.idTokenSigningAlg } : {}),
    // oidc-provider refuses any initiate_login_uri but https (as registration requires), and with it the
    // whole client: a loopback http one (allowed by apps-schema.ts for local development) is kept out of
    // the metadata and used by Foyer alone, after redemption (initiate-login.ts). The scheme is compared
    // as parsed, so `HTTPS://…` is https too.
    ...(app.initiateLoginUri && new URL(app.initiateLoginUri).protocol === 'https:' ? { initiate_login_uri: app.initiateLoginUri } : {}),
    ...(app.backchannelLogoutUri ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: app.backchannelLogoutSessionRequired } : {}),
  };
}
