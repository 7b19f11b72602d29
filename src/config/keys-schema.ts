import { z } from 'zod';

export const keysSchema = z
  .strictObject({
    /** Default algorithm for ID tokens and JWT access tokens. */
    algorithm: z.enum(['ES256', 'RS256']).default('ES256'),
    /**
     * How long a rotated-out key stays published in JWKS: at least the longest token lifetime, so
     * tokens signed before a rotation still verify.
     */
    retiredKeyTtlSeconds: z.number().int().min(3600).default(14 * 24 * 3600),
  })
  .prefault({});

export type KeysConfig = z.infer<typeof keysSchema>;
