import { z } from 'zod';

/** APIs that apps call with access tokens: client-credentials and resource-indicator tokens are JWTs for them. */
export const resourceServerSchema = z.strictObject({
  /** The `resource` (RFC 8707) value and the `aud` of tokens for this API. */
  identifier: z.url(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a valid OAuth scope token')).default([]),
  accessTokenTtlSeconds: z.number().int().min(60).max(86400).default(3600),
});

export type ResourceServerConfig = z.infer<typeof resourceServerSchema>;
