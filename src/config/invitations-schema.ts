import { z } from 'zod';

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a domain such as partner.example or *.partner.example');

/** Who may invite, and whom: Entra's external collaboration settings. */
export const invitationsSchema = z
  .strictObject({
    /** Graph's authorizationPolicy.allowInvitesFrom values. */
    allowInvitesFrom: z.enum(['none', 'adminsAndGuestInviters', 'adminsGuestInvitersAndAllMembers', 'everyone']).default('adminsAndGuestInviters'),
    /** Only these domains may be invited (an allow list); mutually exclusive with blockedDomains. */
    allowedDomains: z.array(domain).default([]),
    /** These domains may not be invited (a block list). */
    blockedDomains: z.array(domain).default([]),
    /** How long a redemption link stays valid. */
    ticketTtlDays: z.number().int().min(1).max(365).default(30),
  })
  .refine((s) => !(s.allowedDomains.length && s.blockedDomains.length), {
    message: 'use either allowedDomains or blockedDomains, not both (like Entra, one list at a time)',
    path: ['blockedDomains'],
  })
  .prefault({});

export type InvitationsConfig = z.infer<typeof invitationsSchema>;
