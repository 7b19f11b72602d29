import { createHmac } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { AppConfig } from '../config/apps-schema.js';

/** Foyer's own first-party app: My Apps, and where redemption lands when it has no app to go to. */
export const PORTAL_CLIENT_ID = 'foyer-myapps';

export function portalRedirectUri(issuer: string): string {
  return `${issuer}/myapps/callback`;
}

/**
 * The portal's client secret is derived from the cookie key, so every node computes the same one
 * and nothing extra has to be stored or configured.
 */
export function portalClient(issuer: string, cookieKey: string): ClientMetadata {
  return {
    client_id: PORTAL_CLIENT_ID,
    client_name: 'My Apps',
    client_secret: createHmac('sha256', cookieKey).update(PORTAL_CLIENT_ID).digest('base64url'),
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [portalRedirectUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/myapps`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

export function myAppsUrl(issuer: string): string {
  return `${issuer}/myapps`;
}

/**
 * My Apps described as an app, for the places that look apps up by redirect URL (an invitation
 * whose guest should land on My Apps, e.g. one into a group). Its launch URL is its only URL.
 */
export function portalAppConfig(issuer: string): AppConfig {
  return {
    id: PORTAL_CLIENT_ID,
    displayName: 'My Apps',
    redirectUris: [],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code'],
    firstParty: true,
    owners: [],
    assignmentRequired: false,
    launchUrl: myAppsUrl(issuer),
    permissions: [],
    backchannelLogoutSessionRequired: true,
    appRoles: [],
    groupMembershipClaims: 'None',
    groupsClaimLimit: 200,
    optionalClaims: { idToken: [], accessToken: [] },
  };
}
