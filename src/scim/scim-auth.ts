import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { ScimClientConfig } from '../config/scim-schema.js';
import { ScimError } from './scim-error.js';

/** A provisioning client as the SCIM routes see it: who it is and which addresses it may provision. */
export interface ScimClient {
  id: string;
  provisions: 'members' | 'guests';
  /** The domains its users' addresses must be at (member domains, or its partner's domains). */
  domains: string[];
  partnerId?: string;
}

export const TOKEN_PREFIX = 'foyer_scim_';

/** A new client token (256 random bits) and the hash that goes into config. */
export function newScimToken(): { token: string; sha256: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, sha256: sha256(token) };
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Finds the client whose token hash matches the bearer token, comparing every hash in constant time. */
export function scimAuthenticator(clients: ScimClientConfig[], domainsOf: (client: ScimClientConfig) => string[]) {
  const known = clients.map((c) => ({ hash: Buffer.from(c.tokenSha256, 'hex'), client: { id: c.id, provisions: c.provisions, partnerId: c.partner, domains: domainsOf(c) } satisfies ScimClient }));
  return (ctx: Context): ScimClient => {
    const header = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer realm="scim"');
      throw new ScimError(401, 'A SCIM client sends its bearer token: Authorization: Bearer <token>.');
    }
    const presented = Buffer.from(sha256(match[1]!), 'hex');
    let found: ScimClient | undefined;
    for (const k of known) if (timingSafeEqual(k.hash, presented)) found = k.client;
    if (!found) {
      ctx.set('WWW-Authenticate', 'Bearer realm="scim", error="invalid_token"');
      throw new ScimError(401, 'The bearer token is not one of a configured SCIM client.');
    }
    return found;
  };
}
