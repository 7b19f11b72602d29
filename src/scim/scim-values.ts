import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { ScimError } from './scim-error.js';

/** Entra sends booleans as "True"/"False" strings in PATCH; both spellings mean the boolean. */
export const scimBoolean = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']).transform((v) => v.toLowerCase() === 'true')]);

/** A weak ETag over the resource as served (meta.version): any change to what a client sees changes it. */
export function versionOf(resource: Record<string, unknown>): string {
  const { meta, ...rest } = resource;
  const { version: _version, ...metaRest } = (meta ?? {}) as Record<string, unknown>;
  return `W/"${createHash('sha256').update(JSON.stringify({ ...rest, meta: metaRest })).digest('hex').slice(0, 20)}"`;
}

/** If-Match (RFC 7644 §3.14): a client that names a version it read may change only that version. */
export function checkIfMatch(ctx: Context, current: string): void {
  const header = ctx.get('if-match');
  if (!header || header.trim() === '*') return;
  const wanted = header.split(',').map((v) => v.trim());
  if (!wanted.includes(current)) throw new ScimError(412, 'The resource changed since that version was read (If-Match). Read it again and retry.');
}

/** zod's first problem, said as SCIM's invalidValue. */
export function invalidValue(error: z.ZodError): ScimError {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return new ScimError(400, `${where}${issue?.message ?? 'invalid value'}`, 'invalidValue');
}

/** PATCH operations as Entra and Okta send them, made RFC-shaped for scim-patch. */
export const patchBody = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes('urn:ietf:params:scim:api:messages:2.0:PatchOp'), 'schemas must include urn:ietf:params:scim:api:messages:2.0:PatchOp'),
  Operations: z
    .array(
      z.object({
        // Entra writes "Add", "Replace", "Remove".
        op: z.string().transform((o) => o.toLowerCase()).pipe(z.enum(['add', 'replace', 'remove'])),
        path: z.string().max(512).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(1000),
});
