import { z } from 'zod';

/**
 * SCIM 2.0 provisioning clients (`/scim/v2`): the host's HR system or IdP provisioning members, or
 * a partner organisation pushing its own people in as guests (cross-tenant synchronization).
 * Each client has a bearer token of which only the SHA-256 is configured (`npx foyer scim new-token`).
 */
const scimClientSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  displayName: z.string().min(1).max(120).optional(),
  /** SHA-256 of the bearer token, hex: the token itself is never in config. */
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64 hex digits `npx foyer scim new-token` prints'),
  /** `members`: the host's own people (addresses of tenant.memberDomains); `guests`: the people of `partner`, as guests. */
  provisions: z.enum(['members', 'guests']),
  /** For `guests`: the partner (partners[].id) whose domains this client may provision. */
  partner: z.string().optional(),
});

export const scimSchema = z
  .strictObject({
    clients: z.array(scimClientSchema).default([]),
  })
  .prefault({});

export type ScimClientConfig = z.infer<typeof scimClientSchema>;

/** A guests client names an existing partner with domains; a members client names none; ids and tokens are unique. */
export function checkScimClients(config: { scim: { clients: ScimClientConfig[] }; partners: { id: string; domains: string[] }[] }, ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  const tokens = new Set<string>();
  config.scim.clients.forEach((c, i) => {
    const at = (key: string) => ['scim', 'clients', i, key];
    if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate SCIM client id "${c.id}"` });
    ids.add(c.id);
    if (tokens.has(c.tokenSha256)) ctx.addIssue({ code: 'custom', path: at('tokenSha256'), message: 'two SCIM clients share a token: give each its own (npx foyer scim new-token)' });
    tokens.add(c.tokenSha256);
    if (c.provisions === 'members' && c.partner) ctx.addIssue({ code: 'custom', path: at('partner'), message: 'a client that provisions members names no partner' });
    if (c.provisions === 'guests') {
      const partner = config.partners.find((p) => p.id === c.partner);
      if (!c.partner) ctx.addIssue({ code: 'custom', path: at('partner'), message: 'a client that provisions guests must name its partner (partners[].id)' });
      else if (!partner) ctx.addIssue({ code: 'custom', path: at('partner'), message: `unknown partner "${c.partner}" (known: ${config.partners.map((p) => p.id).join(', ') || 'none'})` });
      else if (!partner.domains.length) ctx.addIssue({ code: 'custom', path: at('partner'), message: `partner "${c.partner}" lists no domains, so its client could provision no one` });
    }
  });
}
