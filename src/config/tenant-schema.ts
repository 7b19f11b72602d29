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
  });

export type TenantConfig = z.infer<typeof tenantSchema>;
