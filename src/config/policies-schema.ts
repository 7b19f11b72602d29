import { z } from 'zod';
import { parseCidr } from '../access/ip-ranges.js';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { BUILT_IN_ORDER } from '../strengths/built-in-strengths.js';

/**
 * Conditional access in config (DESIGN.md step 7), in Microsoft Graph's conditionalAccessPolicy
 * shape so an Entra admin can read it at a glance. Top-level keys: `conditionalAccess` (the
 * policies), `namedLocations` (IP ranges policies refer to) and `termsOfUse` (documents a policy
 * can require). Deviations from Graph are listed in docs/decisions.md.
 */

/** The identity provider id policies use for members' local password sign-in. */
export const LOCAL_IDP_ID = 'local';

const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = z.email();

export const USER_KEYWORDS = ['All', 'None', 'GuestsOrExternalUsers', 'Members'] as const;
const EXCLUDABLE_KEYWORDS = ['GuestsOrExternalUsers', 'Members'];

/** A user reference: a keyword, a user id, or an email; ids and emails are compared in lower case. */
function userRef(keywords: readonly string[]) {
  const hint = `must be ${keywords.length ? `${keywords.join(', ')}, ` : ''}a user id (UUID) or an email address`;
  return z
    .string()
    .trim()
    .refine((v) => keywords.includes(v) || UUID.test(v) || EMAIL.safeParse(v).success, hint)
    .transform((v) => (keywords.includes(v) ? v : v.toLowerCase()));
}

const groupRef = z
  .string()
  .trim()
  .regex(UUID, 'must be a group id (a UUID, see npx foyer groups list)')
  .transform((v) => v.toLowerCase());

/** The kinds of external user Foyer has: B2B collaboration guests, and those invited as members. */
export const EXTERNAL_USER_TYPES = ['b2bCollaborationGuest', 'b2bCollaborationMember'] as const;
export type ExternalUserType = (typeof EXTERNAL_USER_TYPES)[number];
const OTHER_GRAPH_TYPES = ['none', 'internalGuest', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider'];

/**
 * Graph's conditionalAccessGuestsOrExternalUsers: which kinds of external user, from which partner
 * organisations (`externalTenants` names `partners` ids). Graph writes the kinds as one
 * comma-separated string; a YAML list is accepted too.
 */
const guestsOrExternalUsers = z
  .strictObject({
    guestOrExternalUserTypes: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((t) => t.trim()).filter(Boolean))
      .superRefine((types, ctx) => {
        if (types.length === 0) ctx.addIssue({ code: 'custom', message: `name at least one of ${EXTERNAL_USER_TYPES.join(', ')}` });
        for (const t of types) {
          if (EXTERNAL_USER_TYPES.includes(t as ExternalUserType)) continue;
          const why = OTHER_GRAPH_TYPES.includes(t) ? `Foyer has no ${t} users` : `"${t}" is not a kind of external user`;
          ctx.addIssue({ code: 'custom', message: `${why}; use ${EXTERNAL_USER_TYPES.join(' or ')}` });
        }
      })
      .transform((types) => [...new Set(types)] as ExternalUserType[]),
    externalTenants: z
      .strictObject({
        '@odata.type': z.enum(['#microsoft.graph.conditionalAccessAllExternalTenants', '#microsoft.graph.conditionalAccessEnumeratedExternalTenants']).optional(),
        membershipKind: z.enum(['all', 'enumerated']),
        /** Partner ids (partners[].id). */
        members: z.array(z.string().trim().min(1)).default([]),
      })
      .superRefine((t, ctx) => {
        if (t.membershipKind === 'enumerated' && t.members.length === 0) ctx.addIssue({ code: 'custom', path: ['members'], message: 'enumerated needs the partner ids in members' });
        if (t.membershipKind === 'all' && t.members.length > 0) ctx.addIssue({ code: 'custom', path: ['members'], message: 'membershipKind all covers every organisation: leave members out, or use enumerated' });
        const kind = t['@odata.type'];
        if (kind && (kind.endsWith('AllExternalTenants') ? 'all' : 'enumerated') !== t.membershipKind) ctx.addIssue({ code: 'custom', path: ['@odata.type'], message: 'contradicts membershipKind' });
      })
      .default({ membershipKind: 'all', members: [] }),
  })
  .transform((g) => ({ guestOrExternalUserTypes: g.guestOrExternalUserTypes, externalTenants: { membershipKind: g.externalTenants.membershipKind, members: g.externalTenants.members } }));

export type GuestsOrExternalUsers = z.infer<typeof guestsOrExternalUsers>;

const cidr = z
  .string()
  .trim()
  .refine((t) => parseCidr(t) !== undefined, 'must be an IPv4 or IPv6 range in CIDR notation, like 203.0.113.0/24 or 2001:db8::/32');

/** Graph writes `ipRanges: [{cidrAddress: …}]`; a plain list of CIDR strings is accepted too. */
const ipRange = z.preprocess((v) => (v && typeof v === 'object' && 'cidrAddress' in v ? (v as { cidrAddress: unknown }).cidrAddress : v), cidr);

export const namedLocationSchema = z.strictObject({
  id: slug.refine((id) => id !== 'All' && id !== 'AllTrusted', '"All" and "AllTrusted" are reserved location keywords'),
  displayName: z.string().min(1).max(256),
  ipRanges: z.array(ipRange).min(1),
  /** Counts for `AllTrusted` in a policy's locations. */
  isTrusted: z.boolean().default(false),
});

export const termsOfUseSchema = z
  .strictObject({
    id: slug,
    displayName: z.string().min(1).max(256),
    /** Accepting is per version: change it and everyone accepts again. */
    version: z.union([z.string().trim().min(1).max(64), z.number()]).transform(String),
    url: z.url().refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL').optional(),
    text: z.string().min(1).max(50_000).optional(),
  })
  .refine((t) => t.url || t.text, { message: 'give the terms as url or text (or both)', path: ['text'] });

const signInFrequencySchema = z
  .strictObject({
    value: z.number().int().min(1),
    type: z.enum(['hours', 'days']),
    isEnabled: z.boolean().default(true),
  })
  .refine((f) => (f.type === 'hours' ? f.value <= 23 : f.value <= 365), { message: 'must be 1-23 hours or 1-365 days (as in Entra)', path: ['value'] });

const policyObject = z
  .strictObject({
    /** Stable id for the sign-in log; defaults to the display name in lower case with dashes. */
    id: slug.optional(),
    displayName: z.string().trim().min(1).max(256),
    description: z.string().max(1024).optional(),
    state: z.enum(['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
    conditions: z.strictObject({
      users: z.strictObject({
        includeUsers: z.array(userRef(USER_KEYWORDS)).default([]),
        excludeUsers: z.array(userRef(EXCLUDABLE_KEYWORDS)).default([]),
        includeGroups: z.array(groupRef).default([]),
        excludeGroups: z.array(groupRef).default([]),
        /** Guests and external users by kind and partner organisation (Graph's shape). */
        includeGuestsOrExternalUsers: guestsOrExternalUsers.optional(),
        excludeGuestsOrExternalUsers: guestsOrExternalUsers.optional(),
      }),
      applications: z.strictObject({
        includeApplications: z.array(z.string().trim().min(1)).min(1, 'name at least one app id, or All'),
        excludeApplications: z.array(z.string().trim().min(1)).default([]),
      }),
      /** Foyer addition: the upstream IdP the user signed in with (config ids, "email-otp", "local"). */
      identityProviders: z
        .strictObject({
          includeIdentityProviders: z.array(z.string().trim().min(1)).min(1).default(['All']),
          excludeIdentityProviders: z.array(z.string().trim().min(1)).default([]),
        })
        .optional(),
      locations: z
        .strictObject({
          includeLocations: z.array(z.string().trim().min(1)).min(1).default(['All']),
          excludeLocations: z.array(z.string().trim().min(1)).default([]),
        })
        .optional(),
    }),
    grantControls: z
      .strictObject({
        operator: z.enum(['OR', 'AND']).default('OR'),
        builtInControls: z.array(z.enum(['block', 'mfa', 'termsOfUse'])).default([]),
        /** Ids of `termsOfUse` entries (Graph's agreement ids); `termsOfUse` in builtInControls alone means all of them. */
        termsOfUse: z.array(slug).default([]),
        /** An authentication strength id (built-in or authenticationStrengths); Graph writes `{id: …}`, which is accepted too. */
        authenticationStrength: z
          .preprocess((v) => (v && typeof v === 'object' && 'id' in v ? (v as { id: unknown }).id : v), z.string().trim().min(1).max(64))
          .optional(),
      })
      .optional(),
    sessionControls: z.strictObject({ signInFrequency: signInFrequencySchema.optional() }).optional(),
  })
  .superRefine((p, ctx) => {
    const users = p.conditions.users;
    if (users.includeUsers.length === 0 && users.includeGroups.length === 0 && !users.includeGuestsOrExternalUsers) {
      ctx.addIssue({ code: 'custom', path: ['conditions', 'users', 'includeUsers'], message: 'say whom the policy applies to: All, GuestsOrExternalUsers, Members, user ids or emails (or includeGroups, includeGuestsOrExternalUsers)' });
    }
    const controls = p.grantControls?.builtInControls ?? [];
    if (controls.includes('block') && (controls.length > 1 || (p.grantControls?.termsOfUse.length ?? 0) > 0)) {
      ctx.addIssue({ code: 'custom', path: ['grantControls', 'builtInControls'], message: 'block cannot be combined with other controls (it denies access whatever else is satisfied)' });
    }
    if (new Set(controls).size !== controls.length) {
      ctx.addIssue({ code: 'custom', path: ['grantControls', 'builtInControls'], message: 'lists a control twice' });
    }
    const strength = p.grantControls?.authenticationStrength;
    if (strength && controls.includes('mfa')) {
      ctx.addIssue({ code: 'custom', path: ['grantControls', 'authenticationStrength'], message: 'mfa and authenticationStrength cannot be combined (as in Entra): the strength already says which MFA counts; use authenticationStrength: mfa for any MFA' });
    }
    if (strength && controls.includes('block')) {
      ctx.addIssue({ code: 'custom', path: ['grantControls', 'authenticationStrength'], message: 'block cannot be combined with other controls (it denies access whatever else is satisfied)' });
    }
    const grants = controls.length + (p.grantControls?.termsOfUse.length ?? 0) + (strength ? 1 : 0);
    if (grants === 0 && !p.sessionControls?.signInFrequency) {
      ctx.addIssue({ code: 'custom', path: ['grantControls'], message: 'the policy has no grantControls (block, mfa, authenticationStrength, termsOfUse) and no sessionControls, so it would do nothing' });
    }
  });

export const conditionalAccessPolicySchema = policyObject.transform((p) => ({ ...p, id: p.id ?? slugify(p.displayName) }));

export const conditionalAccessSchema = z.array(conditionalAccessPolicySchema).superRefine((policies, ctx) => {
  const seen = new Map<string, number>();
  policies.forEach((p, i) => {
    const first = seen.get(p.id);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate policy id "${p.id}" (conditionalAccess[${first}] has it; set id to tell them apart)` });
    } else seen.set(p.id, i);
  });
});

export const namedLocationsSchema = z.array(namedLocationSchema).superRefine(uniqueIds('named location'));
export const termsOfUseListSchema = z.array(termsOfUseSchema).superRefine(uniqueIds('terms of use'));

export type ConditionalAccessPolicy = z.infer<typeof conditionalAccessPolicySchema>;
export type NamedLocation = z.infer<typeof namedLocationSchema>;
export type TermsOfUse = z.infer<typeof termsOfUseSchema>;

/** What the cross-checks need from the whole config. */
interface AccessConfigView {
  apps: { id: string }[];
  identityProviders: { id: string }[];
  namedLocations: NamedLocation[];
  termsOfUse: TermsOfUse[];
  conditionalAccess: ConditionalAccessPolicy[];
  authenticationStrengths: { id: string }[];
}

/**
 * References from policies to apps, IdPs, locations and terms must exist: a typo in
 * includeApplications would otherwise leave the app it meant to protect unprotected, silently.
 */
export function checkAccessReferences(config: AccessConfigView, ctx: z.RefinementCtx): void {
  const apps = new Set([...config.apps.map((a) => a.id), PORTAL_CLIENT_ID]);
  const idps = new Set([...config.identityProviders.map((i) => i.id), PASSCODE_IDP, LOCAL_IDP_ID]);
  const locations = new Set(config.namedLocations.map((l) => l.id));
  const terms = new Set(config.termsOfUse.map((t) => t.id));
  const strengths = new Set([...BUILT_IN_ORDER, ...config.authenticationStrengths.map((s) => s.id)]);
  config.identityProviders.forEach((idp, i) => {
    if (idp.id === LOCAL_IDP_ID) ctx.addIssue({ code: 'custom', path: ['identityProviders', i, 'id'], message: `"${LOCAL_IDP_ID}" is reserved: policies use it for members' password sign-in` });
  });
  const check = (path: PropertyKey[], values: string[], known: Set<string>, keywords: string[], what: string) =>
    values.forEach((v, j) => {
      if (!keywords.includes(v) && !known.has(v)) {
        const options = [...keywords, ...known].slice(0, 12).join(', ');
        ctx.addIssue({ code: 'custom', path: [...path, j], message: `unknown ${what} "${v}" (known: ${options || 'none configured'})` });
      }
    });
  config.conditionalAccess.forEach((p, i) => {
    const base = ['conditionalAccess', i];
    const { applications, identityProviders, locations: where } = p.conditions;
    check([...base, 'conditions', 'applications', 'includeApplications'], applications.includeApplications, apps, ['All', 'None'], 'app id');
    check([...base, 'conditions', 'applications', 'excludeApplications'], applications.excludeApplications, apps, [], 'app id');
    if (identityProviders) {
      check([...base, 'conditions', 'identityProviders', 'includeIdentityProviders'], identityProviders.includeIdentityProviders, idps, ['All'], 'identity provider');
      check([...base, 'conditions', 'identityProviders', 'excludeIdentityProviders'], identityProviders.excludeIdentityProviders, idps, [], 'identity provider');
    }
    if (where) {
      check([...base, 'conditions', 'locations', 'includeLocations'], where.includeLocations, locations, ['All', 'AllTrusted'], 'named location');
      check([...base, 'conditions', 'locations', 'excludeLocations'], where.excludeLocations, locations, ['AllTrusted'], 'named location');
    }
    if (p.grantControls) {
      check([...base, 'grantControls', 'termsOfUse'], p.grantControls.termsOfUse, terms, [], 'termsOfUse id');
      const strength = p.grantControls.authenticationStrength;
      if (strength && !strengths.has(strength)) {
        ctx.addIssue({ code: 'custom', path: [...base, 'grantControls', 'authenticationStrength'], message: `unknown authentication strength "${strength}" (known: ${[...strengths].join(', ')}; add custom ones under authenticationStrengths)` });
      }
      if (p.grantControls.builtInControls.includes('termsOfUse') && terms.size === 0) {
        ctx.addIssue({ code: 'custom', path: [...base, 'grantControls', 'builtInControls'], message: 'termsOfUse is required but no termsOfUse entries are configured (top-level termsOfUse)' });
      }
    }
  });
}

function uniqueIds(what: string) {
  return (items: { id: string }[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate ${what} id "${item.id}"` });
      seen.add(item.id);
    });
  };
}

export function slugify(displayName: string): string {
  const slugged = displayName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slugged || 'policy';
}
