import { z } from 'zod';

/**
 * Directory roles (src/roles/). Guests come from other organisations and their home IdP, not the
 * host, vouches for who they are: by default none may hold a role that acts on the directory.
 */
export const directoryRolesSchema = z
  .strictObject({
    /** Let a guest be granted a directory role (Entra allows it; off here unless an admin decides). */
    allowGuests: z.boolean().default(false),
  })
  .prefault({});

export type DirectoryRolesConfig = z.infer<typeof directoryRolesSchema>;
