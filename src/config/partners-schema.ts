import { z } from 'zod';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { upstreamMethodRulesSchema } from './strengths-schema.js';

/**
 * Partner organisations (Entra's cross-tenant access settings, Graph `crossTenantAccessPolicy`):
 * `partners` lists the organisations the host works with, each with its domains, the IdPs its people
 * sign in with, and its inbound settings; `partnerDefaults` holds the settings for every other
 * organisation. A partner's section that is left out inherits `partnerDefaults`, as in Entra. The
 * section names are Graph's; targets may be written as Graph's `{target, targetType}` or as the
 * short forms below. docs/decisions.md lists the deviations.
 */

const EMAIL = z.email();

const partnerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2-40 lowercase letters, digits or dashes (policies and the API refer to it)')
  .refine((id) => id !== 'default', '"default" is reserved: the API serves partnerDefaults as /crossTenantAccessPolicy/default');

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{3,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a domain name like fabrikam.com');

/** Graph's target, as Foyer keeps it. `claim` (Foyer's) names the upstream claim a group target is read from. */
export interface PartnerTarget {
  target: string;
  targetType: 'user' | 'group' | 'application';
  claim?: string;
}

const claimName = z.string().regex(/^[A-Za-z0-9_:./-]{1,256}$/, 'must be a claim or SAML attribute name');

/**
 * Who: `AllUsers`, an email address, or a group the partner's IdP asserts: `{target: <value>,
 * targetType: group}` matches when the claim `claim` (default `groups`; a SAML attribute name for
 * SAML IdPs) holds that value in the guest's sign-in.
 */
const userTarget = z.preprocess(
  // The short form: `AllUsers` or an address is a user target.
  (v) => (typeof v === 'string' ? { target: v, targetType: 'user' } : v),
  z
    .strictObject({
      target: z.string().trim().min(1).max(256),
      targetType: z.enum(['user', 'group']),
      claim: claimName.optional(),
    })
    .superRefine((t, ctx) => {
      if (t.targetType === 'user' && t.target !== 'AllUsers' && !EMAIL.safeParse(t.target).success) {
        ctx.addIssue({ code: 'custom', path: ['target'], message: 'a user target is AllUsers or an email address (a group is written {target: <group>, targetType: group})' });
      }
      if (t.targetType === 'user' && t.claim) ctx.addIssue({ code: 'custom', path: ['claim'], message: 'claim belongs to group targets' });
    })
    .transform((t): PartnerTarget =>
      t.targetType === 'group' ? { target: t.target, targetType: 'group', claim: t.claim ?? 'groups' } : { target: t.target === 'AllUsers' ? t.target : t.target.toLowerCase(), targetType: 'user' },
    ),
);

/** Which apps: `AllApplications` or an app id (Graph's application targets). */
const appTarget = z.preprocess(
  (v) => (typeof v === 'string' ? { target: v, targetType: 'application' } : v),
  z.strictObject({ target: z.string().trim().min(1), targetType: z.literal('application') }).transform((t): PartnerTarget => ({ target: t.target, targetType: 'application' })),
);

function targetConfiguration(target: typeof userTarget | typeof appTarget, all: string, what: string) {
  return z
    .strictObject({
      /** `allowed`: only the targets may; `blocked`: everyone but the targets may (Graph's accessType). */
      accessType: z.enum(['allowed', 'blocked']),
      targets: z.array(target).min(1, `name at least one target (${all} for all ${what})`),
    })
    .superRefine((c, ctx) => {
      const i = c.targets.findIndex((t) => t.target === all);
      if (i !== -1 && c.targets.length > 1) ctx.addIssue({ code: 'custom', path: ['targets', i], message: `${all} stands alone: it already covers every other target` });
    });
}

const usersAndGroups = targetConfiguration(userTarget, 'AllUsers', 'users');
const applications = targetConfiguration(appTarget, 'AllApplications', 'apps');

export type TargetConfiguration = z.infer<typeof usersAndGroups>;

const inboundTrust = z
  .strictObject({
    /** MFA done at the partner's IdP satisfies Foyer's MFA control. */
    isMfaAccepted: z.boolean(),
    /** Foyer addition: the upstream MFA must be at most this old when the guest signs in here. */
    mfaMaxAgeMinutes: z.number().int().min(1).max(525_600).optional(),
    /** Foyer addition: upstream `amr` values that count as MFA (default: mfa). SAML class refs are mapped first. */
    mfaAmrValues: z.array(z.string().trim().min(1).max(256)).min(1).optional(),
    /** Foyer addition: upstream `acr` values (SAML AuthnContextClassRef) that count as MFA. */
    mfaAcrValues: z.array(z.string().trim().min(1).max(256)).optional(),
    /** Foyer addition: which upstream assertions count as which methods for authentication strengths (src/strengths/upstream-methods.ts). */
    authenticationMethods: upstreamMethodRulesSchema.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.isMfaAccepted) return;
    for (const key of ['mfaMaxAgeMinutes', 'mfaAmrValues', 'mfaAcrValues', 'authenticationMethods'] as const) {
      if (t[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'has no effect while isMfaAccepted is false' });
    }
  });

export type InboundTrustConfig = z.infer<typeof inboundTrust>;

const automaticUserConsentSettings = z.strictObject({
  /** Invited guests go straight to sign-in: the review page (who invites you, to what) is skipped. */
  inboundAllowed: z.boolean(),
});

/** Foyer addition: what an invitation to this partner's people defaults to. */
const invitationDefaults = z.strictObject({
  /** How long this partner's redemption links work (instead of invitations.ticketTtlDays). */
  ticketTtlDays: z.number().int().min(1).max(365).optional(),
  /** Whom the guest can turn to at the host: named in the invitation mail and on the review page. */
  sponsor: z.email().toLowerCase().optional(),
  /** The message the invitation mail carries when the inviter writes none. */
  message: z.string().trim().min(1).max(4000).optional(),
});

export const partnerSchema = z.strictObject({
  id: partnerId,
  displayName: z.string().trim().min(1).max(120),
  /** Email domains of the partner's people (exact domains; list subdomains one by one). */
  domains: z.array(domain).default([]),
  /** The IdPs its people sign in with, in the order home-realm discovery offers them; empty: any. */
  identityProviders: z.array(z.string().trim().min(1)).default([]),
  /** Left out (or a part of it): partnerDefaults' applies. */
  b2bCollaborationInbound: z.strictObject({ usersAndGroups: usersAndGroups.optional(), applications: applications.optional() }).optional(),
  inboundTrust: inboundTrust.optional(),
  automaticUserConsentSettings: automaticUserConsentSettings.optional(),
  invitations: invitationDefaults.optional(),
});

export const partnersSchema = z.array(partnerSchema);

export const partnerDefaultsSchema = z
  .strictObject({
    b2bCollaborationInbound: z
      .strictObject({
        usersAndGroups: usersAndGroups.default({ accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] }),
        applications: applications.default({ accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] }),
      })
      .prefault({}),
    inboundTrust: inboundTrust.default({ isMfaAccepted: false }),
    automaticUserConsentSettings: automaticUserConsentSettings.default({ inboundAllowed: false }),
  })
  .prefault({});

export type PartnerConfig = z.infer<typeof partnerSchema>;
export type PartnerDefaultsConfig = z.infer<typeof partnerDefaultsSchema>;

/** An IdP that belongs to one organisation: its people are that partner's whatever their address says. */
export function isDedicatedIdp(idp: { type: string; tenant?: string }): boolean {
  if (idp.type === 'oidc' || idp.type === 'saml') return true;
  return idp.type === 'microsoft' && !['common', 'organizations', 'consumers'].includes(idp.tenant ?? 'common');
}

/** What the cross-checks need from the whole config. */
interface PartnersConfigView {
  tenant: { memberDomains: string[] };
  apps: { id: string }[];
  identityProviders: { id: string; type: string; tenant?: string; domains: string[]; trustMfa?: boolean; mfaAcrValues?: string[]; authenticationMethods?: unknown[] }[];
  partners: PartnerConfig[];
  partnerDefaults: PartnerDefaultsConfig;
  conditionalAccess: { conditions: { users: { includeGuestsOrExternalUsers?: ExternalUsersView; excludeGuestsOrExternalUsers?: ExternalUsersView } } }[];
}
type ExternalUsersView = { externalTenants: { membershipKind: string; members: string[] } };

/**
 * The contradictions a reviewer would miss: a domain or an IdP claimed by two partners, an IdP
 * authoritative for another partner's domain, references to apps and IdPs that do not exist, MFA
 * trust set in two places, policies naming partners that do not exist.
 */
export function checkPartnerReferences(config: PartnersConfigView, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const idps = new Map(config.identityProviders.map((i, index) => [i.id, { ...i, index }]));
  const apps = new Set(config.apps.map((a) => a.id));
  const members = new Set(config.tenant.memberDomains.map((d) => d.toLowerCase()));
  const ids = new Map<string, number>();
  const domainOwner = new Map<string, number>();
  const idpOwner = new Map<string, number>();

  config.identityProviders.forEach((idp, i) => {
    if (idp.authenticationMethods && !idp.trustMfa) issue(['identityProviders', i, 'authenticationMethods'], 'has no effect while trustMfa is false: Foyer counts what an IdP says about how the person signed in only where it trusts that IdP');
  });

  config.partners.forEach((p, i) => {
    const at = (...rest: PropertyKey[]) => ['partners', i, ...rest];
    if (ids.has(p.id)) issue(at('id'), `duplicate partner id "${p.id}" (partners[${ids.get(p.id)}] already uses it)`);
    else ids.set(p.id, i);
    p.domains.forEach((d, j) => {
      if (members.has(d)) issue(at('domains', j), `${d} is a member domain (tenant.memberDomains): its people are members here, not a partner's guests`);
      const owner = domainOwner.get(d);
      if (owner !== undefined) issue(at('domains', j), `${d} is already a domain of partners[${owner}] (${config.partners[owner]!.id}); a domain belongs to one partner`);
      else domainOwner.set(d, i);
    });
    const seen = new Set<string>();
    p.identityProviders.forEach((id, j) => {
      if (seen.has(id)) return issue(at('identityProviders', j), `lists "${id}" twice`);
      seen.add(id);
      if (id === PASSCODE_IDP) return;
      const idp = idps.get(id);
      if (!idp) return issue(at('identityProviders', j), `unknown identity provider "${id}" (known: ${[...idps.keys(), PASSCODE_IDP].join(', ')})`);
      if (!isDedicatedIdp(idp)) return;
      const owner = idpOwner.get(id);
      if (owner !== undefined) issue(at('identityProviders', j), `"${id}" already belongs to partners[${owner}] (${config.partners[owner]!.id}); an organisation's own IdP belongs to one partner`);
      else idpOwner.set(id, i);
      if (idp.trustMfa || (idp.mfaAcrValues?.length ?? 0) > 0 || idp.authenticationMethods) {
        issue(
          ['identityProviders', idp.index, idp.trustMfa ? 'trustMfa' : idp.authenticationMethods ? 'authenticationMethods' : 'mfaAcrValues'],
          `"${id}" belongs to partner ${p.id}: set MFA trust there, in partners[${i}].inboundTrust (isMfaAccepted, mfaAcrValues, authenticationMethods), and remove it here`,
        );
      }
    });
    const dedicated = p.identityProviders.filter((id) => idps.has(id) && isDedicatedIdp(idps.get(id)!));
    if (p.domains.length === 0 && dedicated.length === 0) {
      issue(at('domains'), 'give the partner domains or its own identity provider (oidc or saml), or nobody can belong to it');
    }
    const targets = p.b2bCollaborationInbound?.usersAndGroups?.targets ?? [];
    targets.forEach((t, j) => {
      if (t.targetType === 'group' && dedicated.length === 0) {
        issue(at('b2bCollaborationInbound', 'usersAndGroups', 'targets', j), "a group is asserted by the partner's own IdP: list one (oidc or saml) in identityProviders");
      }
    });
    checkAppTargets(p.b2bCollaborationInbound?.applications?.targets ?? [], apps, (j, m) => issue(at('b2bCollaborationInbound', 'applications', 'targets', j), m));
  });

  // An IdP authoritative for a partner's domain must be that partner's (or nobody's).
  config.identityProviders.forEach((idp) => {
    const own = idpOwner.get(idp.id);
    idp.domains.forEach((d, j) => {
      const owner = domainOwner.get(d);
      if (owner === undefined) return;
      if (own !== undefined && own !== owner) {
        issue(['identityProviders', idps.get(idp.id)!.index, 'domains', j], `${d} belongs to partners[${owner}] (${config.partners[owner]!.id}), but this IdP belongs to partners[${own}] (${config.partners[own]!.id})`);
      }
    });
  });

  const defaults = config.partnerDefaults.b2bCollaborationInbound;
  defaults.usersAndGroups.targets.forEach((t, j) => {
    if (t.targetType === 'group') issue(['partnerDefaults', 'b2bCollaborationInbound', 'usersAndGroups', 'targets', j], 'groups are asserted by a partner\'s own IdP; partnerDefaults can name AllUsers or email addresses');
  });
  checkAppTargets(defaults.applications.targets, apps, (j, m) => issue(['partnerDefaults', 'b2bCollaborationInbound', 'applications', 'targets', j], m));

  config.conditionalAccess.forEach((policy, i) => {
    for (const key of ['includeGuestsOrExternalUsers', 'excludeGuestsOrExternalUsers'] as const) {
      const tenants = policy.conditions.users[key]?.externalTenants;
      tenants?.members.forEach((m, j) => {
        if (!ids.has(m)) {
          issue(['conditionalAccess', i, 'conditions', 'users', key, 'externalTenants', 'members', j], `unknown partner "${m}" (known: ${[...ids.keys()].join(', ') || 'no partners configured'})`);
        }
      });
    }
  });
}

function checkAppTargets(targets: PartnerTarget[], apps: Set<string>, issue: (index: number, message: string) => void): void {
  targets.forEach((t, j) => {
    if (t.target === 'AllApplications') return;
    if (t.target === PORTAL_CLIENT_ID) return issue(j, 'My Apps is open to every guest who may come in (it is where they see their apps and can leave); do not list it');
    if (!apps.has(t.target)) issue(j, `unknown app "${t.target}" (known: ${[...apps].slice(0, 12).join(', ') || 'none configured'})`);
  });
}
