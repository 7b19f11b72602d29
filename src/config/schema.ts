import { z } from 'zod';
import { tenantSchema, type TenantConfig } from './tenant-schema.js';
import { appsSchema } from './apps-schema.js';
import { checkClaimSources } from './app-claims-schema.js';
import { resourceServerSchema } from './resource-servers-schema.js';
import { keysSchema } from './keys-schema.js';
import { limitsSchema, serverSchema, storageSchema } from './server-schema.js';
import { mailSchema } from './mail-schema.js';
import { invitationsSchema } from './invitations-schema.js';
import { emailPasscodeSchema, identityProvidersSchema } from './identity-providers-schema.js';
import { delegationSchema } from './delegation-schema.js';
import { directoryRolesSchema } from './directory-roles-schema.js';
import { lifecycleSchema } from './lifecycle-schema.js';
import { auditSchema } from './audit-schema.js';
import { accessReviewSchema, checkAccessReviews } from './access-reviews-schema.js';
import { checkAccessReferences, conditionalAccessSchema, namedLocationsSchema, termsOfUseListSchema } from './policies-schema.js';
import { checkMfaKey, mfaSchema } from './mfa-schema.js';
import { passwordResetSchema } from './password-reset-schema.js';
import { checkScimClients, scimSchema } from './scim-schema.js';
import { checkPartnerReferences, partnerDefaultsSchema, partnersSchema } from './partners-schema.js';
import { authenticationStrengthsSchema } from './strengths-schema.js';

export const configSchema = z
  .strictObject({
    /** The issuer URL apps see; defaults to http://localhost:PORT. */
    issuer: z.url().refine((u) => !u.endsWith('/'), 'must not end with a slash').optional(),
    tenant: tenantSchema,
    server: serverSchema,
    storage: storageSchema,
    keys: keysSchema,
    limits: limitsSchema,
    mail: mailSchema,
    invitations: invitationsSchema,
    delegatedManagement: delegationSchema,
    directoryRoles: directoryRolesSchema,
    identityProviders: identityProvidersSchema.default([]),
    emailPasscode: emailPasscodeSchema,
    apps: appsSchema.default([]),
    resourceServers: z.array(resourceServerSchema).default([]),
    conditionalAccess: conditionalAccessSchema.default([]),
    namedLocations: namedLocationsSchema.default([]),
    termsOfUse: termsOfUseListSchema.default([]),
    /** Custom authentication strengths (Graph authenticationStrengthPolicy) beside the built-ins. */
    authenticationStrengths: authenticationStrengthsSchema.default([]),
    mfa: mfaSchema,
    passwordReset: passwordResetSchema,
    scim: scimSchema,
    partners: partnersSchema.default([]),
    partnerDefaults: partnerDefaultsSchema,
    lifecycle: lifecycleSchema,
    audit: auditSchema,
    accessReviews: z.array(accessReviewSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const ids = new Set(config.resourceServers.map((r) => r.identifier));
    if (ids.size !== config.resourceServers.length) {
      ctx.addIssue({ code: 'custom', path: ['resourceServers'], message: 'resource server identifiers must be unique' });
    }
    checkAccessReferences(config, ctx);
    checkMfaKey(config, ctx);
    checkPartnerReferences(config, ctx);
    checkAccessReviews(config, ctx);
    checkMemberDomains(config, ctx);
    checkClaimSources(config, ctx);
    checkScimClients(config, ctx);
    checkIdpInitiatedApps(config, ctx);
  });

/** allowIdpInitiated sends the browser to the app's launchUrl: the app must exist and have one. */
function checkIdpInitiatedApps(config: { apps: { id: string; launchUrl?: string }[]; identityProviders: { type: string }[] }, ctx: z.RefinementCtx): void {
  config.identityProviders.forEach((idp, i) => {
    const app = 'allowIdpInitiated' in idp ? (idp.allowIdpInitiated as { app: string } | undefined)?.app : undefined;
    if (app === undefined) return;
    const found = config.apps.find((a) => a.id === app);
    if (!found) ctx.addIssue({ code: 'custom', path: ['identityProviders', i, 'allowIdpInitiated', 'app'], message: `unknown app "${app}" (known: ${config.apps.map((a) => a.id).join(', ') || 'none'})` });
    else if (!found.launchUrl) ctx.addIssue({ code: 'custom', path: ['identityProviders', i, 'allowIdpInitiated', 'app'], message: `app "${app}" has no launchUrl, where an IdP-initiated sign-in sends the browser to start the app's own sign-in` });
  });
}

/**
 * Members of the host sign in with their password here; an upstream IdP listed for their domain
 * would be authoritative for their addresses, and with trustedForDomains would link its own users to
 * members' accounts, administrators included (Entra likewise refuses to federate a verified domain).
 */
function checkMemberDomains(config: { tenant: TenantConfig; identityProviders: { id: string; type: string; domains: readonly string[] }[] }, ctx: z.RefinementCtx): void {
  const members = new Set(config.tenant.memberDomains);
  const memberIdp = config.tenant.memberIdentityProvider;
  if (memberIdp) {
    const idp = config.identityProviders.find((i) => i.id === memberIdp.idp);
    if (!idp) ctx.addIssue({ code: 'custom', path: ['tenant', 'memberIdentityProvider', 'idp'], message: `unknown identity provider "${memberIdp.idp}" (known: ${config.identityProviders.map((i) => i.id).join(', ') || 'none'})` });
    else if (idp.type !== 'oidc' && idp.type !== 'saml') ctx.addIssue({ code: 'custom', path: ['tenant', 'memberIdentityProvider', 'idp'], message: `"${idp.id}" is a ${idp.type} IdP: the members' IdP must be the organisation's own OIDC or SAML IdP` });
    memberIdp.breakGlassAdmins.forEach((mail, i) => {
      if (!members.has(mail.slice(mail.lastIndexOf('@') + 1))) ctx.addIssue({ code: 'custom', path: ['tenant', 'memberIdentityProvider', 'breakGlassAdmins', i], message: `${mail} is not at a member domain (tenant.memberDomains)` });
    });
  }
  // The members' own IdP (tenant.memberIdentityProvider) is the one explicit exception.
  config.identityProviders.forEach((idp, i) =>
    idp.id === memberIdp?.idp ||
    idp.domains.forEach((domain, j) => {
      if (members.has(domain)) {
        ctx.addIssue({
          code: 'custom',
          path: ['identityProviders', i, 'domains', j],
          message: `"${domain}" is a member domain (tenant.memberDomains): its people are members who sign in with their password, and an identity provider listed for it could sign in as them (only tenant.memberIdentityProvider may be)`,
        });
      }
    }),
  );
}

export type RawConfig = z.infer<typeof configSchema>;
/** Config after defaults that depend on each other (issuer from port) are filled in. */
export type FoyerConfig = RawConfig & {
  issuer: string;
  sourceFiles: string[];
  /** The file or directory it was read from: a reload reads it again (new files in a directory included). */
  source: string;
  /**
   * The first 12 hex digits of a SHA-256 over the files' names and contents (not the environment,
   * which a running process cannot change): the same files give the same version on every node.
   */
  version: string;
};
