import { z } from 'zod';
import { appClaimsFields, checkAppClaims } from './app-claims-schema.js';

/** Permissions an app may be granted for client-credentials tokens (Graph application permissions). */
export const appPermissions = [
  'User.Read.All',
  'User.ReadWrite.All',
  'User.Invite.All',
  'Group.ReadWrite.All',
  'AuditLog.Read.All',
  'Policy.Read.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
] as const;

const redirectUri = z.url().refine((u) => !u.includes('#'), 'must not contain a fragment');

/** Loopback hosts, where plain http is accepted for an app running on the admin's own machine. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * OIDC Core §4 (third-party initiated login): https, as Dynamic Client Registration requires, or
 * http on a loopback host for local development; no fragment.
 */
const initiateLoginUri = z.url().refine((u) => {
  const url = new URL(u);
  return !u.includes('#') && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
}, 'must be an https URL (http only on localhost, 127.0.0.1 or [::1]) without a fragment');

export const appSchema = z
  .strictObject({
    /** The OIDC client_id and the app id used in policies and assignments. */
    id: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores'),
    displayName: z.string().min(1).max(120),
    description: z.string().max(500).optional(),
    /** Absent: a public client (browser or native app), which must use PKCE S256. */
    clientSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    redirectUris: z.array(redirectUri).default([]),
    postLogoutRedirectUris: z.array(redirectUri).default([]),
    grantTypes: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
      .min(1)
      .default(['authorization_code', 'refresh_token']),
    /** First-party apps skip the consent screen. */
    firstParty: z.boolean().default(false),
    /** Emails of users who may manage this app's guests. */
    owners: z.array(z.email().toLowerCase()).default([]),
    /** When true only users assigned (directly or by group) may sign in. */
    assignmentRequired: z.boolean().default(false),
    /** Shown on My Apps. */
    launchUrl: z.url().optional(),
    /**
     * OIDC third-party initiated login: the app's endpoint that starts a sign-in with Foyer when
     * given `iss`, `login_hint` and `target_link_uri`. After redeeming an invitation to this app,
     * Foyer sends the guest there, so they arrive signed in instead of at a sign-in button.
     */
    initiateLoginUri: initiateLoginUri.optional(),
    logoUrl: z.url().optional(),
    /** ID token signing algorithm for clients that cannot verify ES256. */
    idTokenSigningAlg: z.enum(['ES256', 'RS256']).optional(),
    /**
     * OIDC back-channel logout: Foyer POSTs a signed logout token here when a session the app has
     * ends (sign-out, the user disabled, deleted, leaving, sessions revoked), retrying while the app is down.
     */
    backchannelLogoutUri: z.url().refine((u) => /^https?:/.test(u) && !u.includes('#'), 'must be an http(s) URL without a fragment').optional(),
    /** The logout token carries `sid` (the session the app saw in its ID token), and ID tokens carry `sid`. */
    backchannelLogoutSessionRequired: z.boolean().default(true),
    /** Application permissions granted to this app's client-credentials tokens. */
    permissions: z.array(z.enum(appPermissions)).default([]),
    /** App roles, the groups claim and optional claims (app-claims-schema.ts). */
    ...appClaimsFields,
  })
  .superRefine((app, ctx) => {
    const usesCode = app.grantTypes.includes('authorization_code');
    if (usesCode && app.redirectUris.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'an app using authorization_code needs at least one redirect URI' });
    }
    if (app.grantTypes.includes('client_credentials') && !app.clientSecret) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'client_credentials needs a clientSecret (public clients cannot use it)' });
    }
    if (app.grantTypes.includes('refresh_token') && !usesCode) {
      ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'refresh_token only makes sense together with authorization_code' });
    }
    if (app.initiateLoginUri && !usesCode) {
      ctx.addIssue({ code: 'custom', path: ['initiateLoginUri'], message: 'only an app that signs people in (authorization_code) can start a sign-in' });
    }
    checkAppClaims(app, ctx);
  });

export const appsSchema = z.array(appSchema).superRefine((apps, ctx) => {
  const seen = new Map<string, number>();
  apps.forEach((app, i) => {
    const first = seen.get(app.id);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate app id "${app.id}" (apps[${first}] already uses it)` });
    else seen.set(app.id, i);
  });
});

export type AppConfig = z.infer<typeof appSchema>;
