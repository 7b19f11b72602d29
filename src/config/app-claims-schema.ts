import { z } from 'zod';

/**
 * What an app's tokens say about the person beyond who they are (Entra's app registration fields):
 * its app roles, the groups claim, and optional claims. The names Foyer issues itself, the ones a
 * guest's IdP may supply, and the ones nobody may set live here, so the config check and the token
 * code (src/claims/) agree on them.
 */

/** Graph's id of the default access role: "assigned, with no particular role". */
export const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** Claims Foyer holds itself and an app may ask for: from the directory, never from an upstream IdP. */
export const FOYER_CLAIMS = ['email', 'name', 'preferred_username', 'user_type', 'home_tenant_id', 'home_tenant_name'] as const;

/**
 * Standard OIDC claims Foyer does not hold: they come from the guest's IdP. Without `from`, each
 * OIDC IdP's claim of the same name; `from` names them per IdP (a SAML attribute, another claim).
 */
export const UPSTREAM_STANDARD_CLAIMS = ['given_name', 'family_name', 'middle_name', 'nickname', 'locale', 'zoneinfo', 'picture', 'website', 'profile'] as const;

/**
 * Names no optional claim may use: the protocol's own, and the ones that carry Foyer's decisions
 * (who the subject is, whether the address was proven, what kind of user, which roles and groups).
 * A claim from a guest's IdP under one of these names could speak for Foyer.
 */
export const RESERVED_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'nonce', 'auth_time', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'c_hash', 's_hash',
  'client_id', 'scope', 'cnf', 'idtyp', 'gid', 'email_verified', 'phone_number_verified', 'roles', 'groups', 'hasgroups',
  '_claim_names', '_claim_sources', 'updated_at',
]);

const claimName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be a claim name: a letter, then up to 63 letters, digits, dots, dashes or underscores');

export const appRoleSchema = z.strictObject({
  /** Graph's appRole.id: what assignments name (appRoleId). */
  id: z.guid('must be a UUID (the appRoleId assignments use)').refine((id) => id !== DEFAULT_APP_ROLE_ID, `${DEFAULT_APP_ROLE_ID} is the default access role; give the role its own UUID`),
  /** What the `roles` claim carries. */
  value: z.string().regex(/^[^\s]{1,120}$/, 'must be 1-120 characters without spaces (it is what the roles claim carries)'),
  displayName: z.string().min(1).max(120),
  description: z.string().max(500).optional(),
  /** Foyer assigns roles to users and groups (Entra's `User`); app permissions are `permissions`. */
  allowedMemberTypes: z
    .array(z.enum(['User'], { message: 'Foyer assigns app roles to users and groups only ("User"); an app\'s own permissions are `permissions`' }))
    .min(1)
    .default(['User']),
});

export const optionalClaimSchema = z.strictObject({
  name: claimName,
  /** Per identity provider id: the claim (OIDC) or attribute (SAML) it is read from. */
  from: z.record(z.string(), z.string().min(1).max(256)).optional(),
});

const optionalClaimList = z.array(optionalClaimSchema).default([]);

/** The fields an app entry gains (spread into apps-schema.ts). */
export const appClaimsFields = {
  appRoles: z.array(appRoleSchema).default([]),
  /** Entra's values; Foyer's groups are all security groups, so `All` would say the same as SecurityGroup. */
  groupMembershipClaims: z.enum(['None', 'SecurityGroup', 'ApplicationGroup']).default('None'),
  /** Over this many groups the token names none and points to the API instead (Entra's overage, 200 in a JWT). */
  groupsClaimLimit: z.number().int().min(1).max(1000).default(200),
  optionalClaims: z.strictObject({ idToken: optionalClaimList, accessToken: optionalClaimList }).prefault({}),
};

export type AppRole = z.infer<typeof appRoleSchema>;
export type OptionalClaim = z.infer<typeof optionalClaimSchema>;

interface AppClaimsFields {
  appRoles: AppRole[];
  optionalClaims: { idToken: OptionalClaim[]; accessToken: OptionalClaim[] };
}

/** Within one app: duplicate role ids and values, and optional claims Foyer cannot fill or may not let anyone set. */
export function checkAppClaims(app: AppClaimsFields, ctx: z.RefinementCtx): void {
  const ids = new Map<string, number>();
  const values = new Map<string, number>();
  app.appRoles.forEach((role, i) => {
    const sameId = ids.get(role.id.toLowerCase());
    if (sameId !== undefined) ctx.addIssue({ code: 'custom', path: ['appRoles', i, 'id'], message: `duplicate app role id ${role.id} (appRoles[${sameId}] already uses it)` });
    else ids.set(role.id.toLowerCase(), i);
    const sameValue = values.get(role.value);
    if (sameValue !== undefined) ctx.addIssue({ code: 'custom', path: ['appRoles', i, 'value'], message: `duplicate app role value "${role.value}" (appRoles[${sameValue}] already uses it); the roles claim could not tell them apart` });
    else values.set(role.value, i);
  });
  for (const token of ['idToken', 'accessToken'] as const) {
    const seen = new Set<string>();
    app.optionalClaims[token].forEach((claim, i) => {
      const at = ['optionalClaims', token, i];
      const problem = optionalClaimProblem(claim);
      if (problem) ctx.addIssue({ code: 'custom', path: [...at, problem.key], message: problem.message });
      if (seen.has(claim.name)) ctx.addIssue({ code: 'custom', path: [...at, 'name'], message: `"${claim.name}" is listed twice for the ${token}` });
      seen.add(claim.name);
    });
  }
}

function optionalClaimProblem(claim: OptionalClaim): { key: 'name' | 'from'; message: string } | undefined {
  const { name } = claim;
  if (RESERVED_CLAIMS.has(name)) {
    return { key: 'name', message: `"${name}" is a claim Foyer sets itself (protocol, subject, proof of address, user type, roles or groups); no optional claim may use that name` };
  }
  if ((FOYER_CLAIMS as readonly string[]).includes(name)) {
    return claim.from ? { key: 'from', message: `"${name}" comes from Foyer's directory, not from an identity provider; remove from, or give the IdP's value another name` } : undefined;
  }
  if ((UPSTREAM_STANDARD_CLAIMS as readonly string[]).includes(name)) return undefined;
  if (!claim.from || Object.keys(claim.from).length === 0) {
    return {
      key: 'name',
      message: `unknown claim "${name}": Foyer's own are ${FOYER_CLAIMS.join(', ')}; standard ones from the guest's IdP are ${UPSTREAM_STANDARD_CLAIMS.join(', ')}; any other name needs from: { <identity provider id>: <its claim or attribute> }`,
    };
  }
  return undefined;
}

/** Across the config: every `from` names a configured identity provider. */
export function checkClaimSources(config: { apps: AppClaimsFields[]; identityProviders: { id: string }[] }, ctx: z.RefinementCtx): void {
  const idps = new Set(config.identityProviders.map((i) => i.id));
  config.apps.forEach((app, a) => {
    for (const token of ['idToken', 'accessToken'] as const) {
      app.optionalClaims[token].forEach((claim, i) => {
        for (const idpId of Object.keys(claim.from ?? {})) {
          if (!idps.has(idpId)) {
            ctx.addIssue({ code: 'custom', path: ['apps', a, 'optionalClaims', token, i, 'from', idpId], message: `unknown identity provider "${idpId}" (known: ${[...idps].join(', ') || 'none configured'})` });
          }
        }
      });
    }
  });
}
