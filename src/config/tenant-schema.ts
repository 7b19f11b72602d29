import { z } from 'zod';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f6feb');

export const tenantSchema = z
  .strictObject({
    /** Shown to guests on every page: "You have been invited to Contoso". */
    displayName: z.string().min(1).max(120),
    branding: z
      .strictObject({
        logoUrl: z.url().optional(),
        primaryColor: colour.default('#1f4e9c'),
        backgroundColor: colour.default('#f5f6f8'),
        termsOfUseUrl: z.url().optional(),
        privacyUrl: z.url().optional(),
        supportEmail: z.email().optional(),
      })
      .prefault({}),
    /** Email domains whose users are members of the host organisation (they sign in with a password). */
    memberDomains: z.array(z.string().min(1).toLowerCase()).default([]),
    /**
     * The host's own IdP for members (Entra, Okta, Google Workspace…): addresses of memberDomains
     * are sent there; the one IdP allowed to list member domains (schema.ts checkMemberDomains).
     */
    memberIdentityProvider: z
      .strictObject({
        /** identityProviders[].id of an oidc or saml IdP. */
        idp: z.string().min(1),
        /** justInTime: the first sign-in creates the member; linkOnly: only members that already exist (CLI, API, SCIM) are linked. */
        provisioning: z.enum(['justInTime', 'linkOnly']).default('justInTime'),
        /** The upstream claim (SAML attribute) whose values groupMapping and roleMapping read. */
        groupsClaim: z.string().min(1).max(256).default('groups'),
        /** Upstream value → Foyer group (displayName): membership follows the claim at every sign-in. */
        groupMapping: z.record(z.string(), z.string().min(1).max(256)).default({}),
        /** Upstream value → Foyer role: the mapped roles follow the claim at every sign-in. */
        roleMapping: z.record(z.string(), z.enum(['admin', 'userAdministrator', 'groupsAdministrator', 'guestInviter'])).default({}),
        /** false: members cannot sign in with (or reset) a local password, except breakGlassAdmins. */
        localPasswords: z.boolean().default(true),
        /** Members who keep the password form (and a passkey/TOTP) when the IdP is down. */
        breakGlassAdmins: z.array(z.email().toLowerCase()).default([]),
      })
      .optional(),
  });

export type TenantConfig = z.infer<typeof tenantSchema>;
