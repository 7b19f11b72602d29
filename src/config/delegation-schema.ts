import { z } from 'zod';

/**
 * Entra's self-service app and group management, switched on by the admin. Owners are named in
 * config (apps[].owners) or in the directory (group owners); these switches decide whether being
 * an owner lets someone invite guests into, and manage the guests of, what they own. Off by
 * default: naming an owner alone grants no powers until an admin turns delegation on.
 */
export const delegationSchema = z
  .strictObject({
    /** App owners may invite guests into their app and see, resend, revoke and remove them. */
    appOwnersCanInvite: z.boolean().default(false),
    /** Group owners may invite guests into their group and manage its members. */
    groupOwnersCanInvite: z.boolean().default(false),
  })
  .prefault({});

export type DelegationConfig = z.infer<typeof delegationSchema>;
