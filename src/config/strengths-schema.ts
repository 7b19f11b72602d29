import { z } from 'zod';
import { AUTH_METHODS, isAuthMethod, type AuthMethod } from '../strengths/authentication-methods.js';
import { BUILT_IN_ORDER } from '../strengths/built-in-strengths.js';

/**
 * Custom authentication strengths (Graph `authenticationStrengthPolicy`), beside the built-ins
 * mfa, passwordlessMfa and phishingResistantMfa (src/strengths/built-in-strengths.ts). Each allowed
 * combination is written as Graph writes it, methods joined by commas ("password,totp"); a YAML
 * list of methods is accepted too. A combination is met when a sign-in used all of its methods.
 */
const combination = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((m) => m.trim()).filter(Boolean))
  .superRefine((methods, ctx) => {
    if (methods.length === 0) ctx.addIssue({ code: 'custom', message: `name at least one method (${AUTH_METHODS.join(', ')})` });
    for (const m of methods) {
      if (!isAuthMethod(m)) ctx.addIssue({ code: 'custom', message: `"${m}" is not an authentication method Foyer knows (use ${AUTH_METHODS.join(', ')})` });
    }
    if (new Set(methods).size !== methods.length) ctx.addIssue({ code: 'custom', message: 'lists a method twice' });
  })
  .transform((methods) => methods as AuthMethod[]);

export const authenticationStrengthSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, dashes or underscores, starting with a letter (policies and acr_values urn:foyer:strength:<id> name it)')
    .refine((id) => !BUILT_IN_ORDER.includes(id), `is the id of a built-in strength (${BUILT_IN_ORDER.join(', ')}): use the built-in as it is, or choose another id`),
  displayName: z.string().trim().min(1).max(256),
  description: z.string().max(1024).optional(),
  allowedCombinations: z.array(combination).min(1, 'list at least one allowed combination, like "password,totp" or "passkey"'),
});

export const authenticationStrengthsSchema = z.array(authenticationStrengthSchema).superRefine((items, ctx) => {
  const seen = new Set<string>();
  items.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate authentication strength id "${s.id}"` });
    seen.add(s.id);
  });
});

export type AuthenticationStrengthConfig = z.infer<typeof authenticationStrengthSchema>;

/**
 * How a home IdP's assertion counts as Foyer methods (partners[].inboundTrust and identityProviders
 * entries): when the upstream's `amr` holds all of `amr`, or its `acr` (SAML AuthnContextClassRef)
 * is one of `acr`, the sign-in gets `method`, if the upstream authentication is at most
 * `maxAgeMinutes` old (default: the trust's mfaMaxAgeMinutes; none: any age).
 */
export const upstreamMethodRuleSchema = z
  .strictObject({
    method: z.enum(['upstreamMfa', 'upstreamPasskey']),
    amr: z.array(z.string().trim().min(1).max(64)).min(1).optional(),
    acr: z.array(z.string().trim().min(1).max(256)).min(1).optional(),
    maxAgeMinutes: z.number().int().min(1).max(525_600).optional(),
  })
  .refine((r) => r.amr || r.acr, { message: 'say what the home IdP asserts for it: amr (all of these values) or acr (any of these values, or SAML AuthnContextClassRef)', path: ['amr'] });

export type UpstreamMethodRule = z.infer<typeof upstreamMethodRuleSchema>;
export const upstreamMethodRulesSchema = z.array(upstreamMethodRuleSchema);
