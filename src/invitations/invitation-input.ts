import { z } from 'zod';

const address = z.email('must be a valid email address').max(320);

/** POST /v1.0/invitations: Graph's invitation resource fields. Unknown fields are refused. */
export const createInvitationInput = z
  .strictObject({
    invitedUserEmailAddress: address,
    /** Required by Graph; Foyer sends the guest to My Apps when it is left out (a documented deviation). */
    inviteRedirectUrl: z.url('must be an absolute URL of a registered app').max(2048).optional(),
    invitedUserDisplayName: z.string().trim().min(1).max(256).optional(),
    sendInvitationMessage: z.boolean().default(false),
    invitedUserMessageInfo: z
      .strictObject({
        customizedMessageBody: z.string().max(4000).optional(),
        ccRecipients: z
          .array(z.strictObject({ emailAddress: z.strictObject({ address, name: z.string().max(256).optional() }) }))
          .max(1, 'Graph allows at most one cc recipient')
          .optional(),
        messageLanguage: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language tag such as en-US').optional(),
      })
      .optional(),
    invitedUserType: z.enum(['Guest', 'Member']).default('Guest'),
    resetRedemption: z.boolean().default(false),
    /**
     * Foyer addition: re-invite a guest who has already accepted (a new mail with a link that simply
     * opens the app; no ticket). Without it such a re-invitation is refused (guestAlreadyAccepted),
     * so an accepted guest is never mailed by accident.
     */
    sendAgain: z.boolean().optional(),
    invitedUser: z.strictObject({ id: z.uuid('must be a user id') }).optional(),
    /**
     * Foyer addition: the guest's access ends then (the account is disabled by the lifecycle sweep;
     * sponsors are asked first). Not `expirationDateTime`, which names when the link stops working.
     */
    accessExpirationDateTime: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date and time, e.g. 2027-06-30T00:00:00Z' })
      .transform((v) => new Date(v).toISOString())
      .refine((v) => v > new Date().toISOString(), 'must be in the future')
      .optional(),
    /** Graph's invitedUserSponsors: members who answer for the guest (default: the inviting member). */
    invitedUserSponsors: z
      .array(z.strictObject({ id: z.uuid('must be a user id') }))
      .min(1, 'name at least one sponsor, or leave invitedUserSponsors out')
      .max(5, 'a guest has at most 5 sponsors')
      .optional(),
  })
  .refine((v) => !v.resetRedemption || v.invitedUser, { message: 'resetRedemption needs invitedUser.id', path: ['invitedUser'] });

export type CreateInvitationInput = z.infer<typeof createInvitationInput>;
