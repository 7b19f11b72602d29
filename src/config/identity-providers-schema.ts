import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { upstreamMethodRulesSchema } from './strengths-schema.js';

const requireHere = createRequire(import.meta.url);

/**
 * Upstream identity providers guests sign in with (DESIGN.md steps 3-5). One entry per IdP,
 * discriminated on `type`. Presets (google, microsoft, github) need only a client id and secret;
 * everything else about them is fixed in src/federation/presets.ts so a config file cannot point
 * a "Google" button at some other server.
 */

/** Loopback http is accepted for local partner IdPs and tests; everything else must use TLS. */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

const secureUrl = z
  .url()
  .refine((u) => u.startsWith('https://') || (u.startsWith('http://') && isLoopbackUrl(u)), 'must be https:// (http:// only on localhost)');

/** The id appears in callback URLs and in every linked identity, so it must stay stable. */
const idpId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2-40 lowercase letters, digits or dashes (it appears in URLs)')
  .refine((id) => id !== 'email-otp', '"email-otp" is reserved for the email one-time passcode');

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{3,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a domain name like contoso.com');

/** Settings every kind shares: home-realm discovery and how far Foyer trusts what the IdP says. */
const trustFields = {
  /** Email domains whose users are sent to this IdP (home-realm discovery). */
  domains: z.array(domain).default([]),
  /**
   * The IdP is authoritative for `domains`: a verified email of one of those domains may link an
   * existing user who has no identity from this IdP yet. Off by default, so only invitations link.
   */
  trustedForDomains: z.boolean().default(false),
  /** MFA done at the guest's home IdP satisfies Foyer's MFA requirement (Entra's cross-tenant MFA trust). */
  trustMfa: z.boolean().default(false),
  /** `acr` values (SAML: AuthnContextClassRef) that count as MFA besides an `amr` containing "mfa". */
  mfaAcrValues: z.array(z.string().min(1)).default([]),
  /** Which of the IdP's assertions count as which methods for authentication strengths (needs trustMfa). */
  authenticationMethods: upstreamMethodRulesSchema.optional(),
};

const jwkObject = z.looseObject(
  {
    kty: z.enum(['EC', 'RSA', 'OKP']),
    d: z.string().min(1, 'must be a private key (it has no "d")'),
    kid: z.string().optional(),
    alg: z.string().optional(),
    crv: z.string().optional(),
  },
  { error: 'must be a private JSON Web Key (JSON text or a YAML object)' },
);

/** A JWK object in YAML, or JSON text, which is what `${ENV}` substitution yields. */
const privateKeyJwk = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}, jwkObject);

export const oidcIdpSchema = z
  .strictObject({
    type: z.literal('oidc'),
    id: idpId,
    displayName: z.string().min(1).max(80),
    /** The issuer identifier; metadata comes from `<issuer>/.well-known/openid-configuration`. */
    issuer: secureUrl,
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
    /** Needed for private_key_jwt; register the public half with the IdP. */
    privateKeyJwk: privateKeyJwk.optional(),
    scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
    ...trustFields,
  })
  .superRefine((idp, ctx) => {
    if (idp.clientAuth === 'private_key_jwt' && !idp.privateKeyJwk) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyJwk'], message: 'private_key_jwt needs privateKeyJwk' });
    }
    if (idp.clientAuth !== 'private_key_jwt' && !idp.clientSecret) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: `${idp.clientAuth} needs clientSecret` });
    }
    if (!idp.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include "openid"' });
  });

const presetFields = {
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  ...trustFields,
};

export const googleIdpSchema = z.strictObject({
  type: z.literal('google'),
  id: idpId.default('google'),
  displayName: z.string().min(1).max(80).default('Google'),
  ...presetFields,
  // Consumer Google accounts live at these domains; Workspace domains are added by the admin.
  domains: z.array(domain).default(['gmail.com', 'googlemail.com']),
});

/** Entra's tenant-independent endpoints, a tenant GUID, or a tenant's verified domain. */
const microsoftTenant = z
  .string()
  .regex(
    /^(common|organizations|consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|([a-z0-9-]+\.)+[a-z]{2,})$/,
    'must be common, organizations, consumers, a tenant id or a tenant domain',
  );

export const microsoftIdpSchema = z.strictObject({
  type: z.literal('microsoft'),
  id: idpId.default('microsoft'),
  displayName: z.string().min(1).max(80).default('Microsoft'),
  tenant: microsoftTenant.default('common'),
  /** With a multi-tenant `tenant`, only these tenant ids (`tid`) may sign in; empty allows any. */
  allowedTenants: z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must be a tenant id (GUID)')).default([]),
  ...presetFields,
}).superRefine((idp, ctx) => {
  // /common and /organizations accept every Entra tenant, and any tenant's admin can give a user any
  // email: listed `domains` would let all of them prove (and, with trustedForDomains, take over)
  // addresses of those domains. Only the tenants that own the domains may answer for them.
  if ((idp.tenant === 'common' || idp.tenant === 'organizations') && idp.domains.length > 0 && idp.allowedTenants.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['allowedTenants'],
      message: `is required when tenant is "${idp.tenant}" and domains are listed: otherwise any Entra tenant could sign in as an address of ${idp.domains.join(', ')}. List the tenant ids (GUIDs) that own those domains, or set tenant to that organisation's tenant id`,
    });
  }
});

export const githubIdpSchema = z.strictObject({
  type: z.literal('github'),
  id: idpId.default('github'),
  displayName: z.string().min(1).max(80).default('GitHub'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  domains: trustFields.domains,
  trustedForDomains: trustFields.trustedForDomains,
});

/** PEM, or the bare base64 body as copied out of an IdP's metadata XML. */
const certificate = z
  .string()
  .trim()
  .transform((text) => (text.includes('-----BEGIN') ? text : `-----BEGIN CERTIFICATE-----\n${text.replace(/\s+/g, '')}\n-----END CERTIFICATE-----`))
  .refine((pem) => {
    try {
      new X509Certificate(pem);
      return true;
    } catch {
      return false;
    }
  }, 'must be an X.509 certificate (PEM)');

const privateKeyPem = z.string().refine((pem) => {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}, 'must be a PEM private key (unencrypted)');

export const samlIdpSchema = z.strictObject({
  type: z.literal('saml'),
  id: idpId,
  displayName: z.string().min(1).max(80),
  /** Also picks this IdP's EntityDescriptor out of its metadata, so a metadata file cannot switch entity. */
  idpEntityId: z.string().min(1),
  /** The IdP's SingleSignOnService for the HTTP-Redirect binding (from the metadata with metadataUrl). */
  ssoUrl: secureUrl.optional(),
  /** Several during a certificate rollover (from the metadata with metadataUrl). */
  idpCertificates: z.array(certificate).min(1).optional(),
  /**
   * The IdP's metadata, fetched at start and every metadataRefreshMinutes: its signing certificates
   * and SSO URL replace ssoUrl and idpCertificates (which then only serve until the first fetch).
   * A failed refresh keeps the last good metadata.
   */
  metadataUrl: secureUrl.optional(),
  metadataRefreshMinutes: z.number().int().min(1).max(10_080).optional(),
  /**
   * The IdP's SingleLogoutService (HTTP-Redirect), where Foyer answers the IdP's logout requests with
   * a signed LogoutResponse and, when a guest signs out at Foyer, sends a signed LogoutRequest.
   * Foyer's own endpoint, `<issuer>/federation/<id>/slo`, is in the SP metadata.
   */
  sloUrl: secureUrl.optional(),
  /** Defaults to `<issuer>/federation/<id>/metadata`, which is also where the SP metadata is served. */
  spEntityId: z.string().min(1).optional(),
  /** Signs AuthnRequests; usually `${SAML_SP_KEY}` and `${SAML_SP_CERT}` from the environment. */
  spPrivateKey: privateKeyPem,
  spCertificate: certificate,
  /**
   * Decrypts EncryptedAssertion (AD FS and Shibboleth often encrypt). Its certificate is published in
   * the SP metadata as the encryption key, so the IdP encrypts to it. Usually `${SAML_SP_DECRYPTION_KEY}`.
   * Encryption hides the assertion from the browser; it proves nothing: the signature is still required.
   */
  spDecryptionKey: privateKeyPem.optional(),
  spDecryptionCertificate: certificate.optional(),
  /** Persistent by default: the NameID becomes the identity's subject, so it must not change per sign-in. */
  nameIdFormat: z
    .string()
    .refine(
      (format) => format !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      'a transient NameID changes at every sign-in, so a guest could never sign in again: keep the default (persistent) and ask the IdP to release a persistent NameID (docs/federation.md)',
    )
    .default('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'),
  /** Attribute names tried in order; the defaults cover Entra/ADFS claim URIs, OIDs and plain names. */
  attributes: z
    .strictObject({
      email: z
        .array(z.string().min(1))
        .min(1)
        .default(['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3', 'email', 'mail']),
      name: z
        .array(z.string().min(1))
        .min(1)
        .default(['http://schemas.microsoft.com/identity/claims/displayname', 'urn:oid:2.16.840.1.113730.3.1.241', 'displayName', 'name']),
    })
    .prefault({}),
  wantAssertionsSigned: z.boolean().default(true),
  /** Also require a signature over the whole Response; most IdPs (Entra, ADFS, Okta) sign only the assertion by default. */
  wantResponseSigned: z.boolean().default(false),
  /**
   * Opt-in IdP-initiated sign-in (an unsolicited Response, no InResponseTo): absent, such a response is
   * refused. When set, a verified unsolicited assertion is single-use, kept bound to the browser that
   * posted it, and the guest is sent to `app`'s sign-in start and must confirm the account there
   * (docs/security.md: login CSRF, replay, no request binding).
   */
  allowIdpInitiated: z.strictObject({ app: z.string().min(1) }).optional(),
  ...trustFields,
}).superRefine((idp, ctx) => {
  if (!idp.spDecryptionKey !== !idp.spDecryptionCertificate) {
    ctx.addIssue({ code: 'custom', path: [idp.spDecryptionKey ? 'spDecryptionCertificate' : 'spDecryptionKey'], message: 'spDecryptionKey and spDecryptionCertificate go together (the IdP encrypts to the certificate, Foyer decrypts with the key)' });
  }
  if (idp.metadataUrl) return;
  if (!idp.ssoUrl) ctx.addIssue({ code: 'custom', path: ['ssoUrl'], message: 'is required unless metadataUrl is given' });
  if (!idp.idpCertificates) ctx.addIssue({ code: 'custom', path: ['idpCertificates'], message: 'is required unless metadataUrl is given' });
  if (idp.metadataRefreshMinutes !== undefined) ctx.addIssue({ code: 'custom', path: ['metadataRefreshMinutes'], message: 'has no effect without metadataUrl' });
});

/** An npm package name (scoped or not): never a path, so a config file cannot load a file of its choosing. */
const packageName = z
  .string()
  .regex(/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, 'must be an npm package name, like passport-oauth2')
  .refine((name) => {
    try {
      requireHere.resolve(name);
      return true;
    } catch {
      return false;
    }
  }, 'is not installed next to Foyer (npm install it first)');

/** A dotted path into a strategy's profile object, e.g. `emails.0.value` or `_json.email_verified`. */
const profilePath = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted path into the profile, like emails.0.value');

/** How a Passport profile maps to a guest; the defaults follow Passport's normalised profile. */
const profileMapping = z
  .strictObject({
    subject: profilePath.default('id'),
    email: profilePath.default('emails.0.value'),
    name: profilePath.default('displayName'),
    /**
     * Unverified unless the admin says the provider verifies: `true` (every email it hands out) or a
     * path whose value must be true. Even then the address proves itself only within `domains`.
     */
    emailVerified: z.union([z.boolean(), profilePath]).default(false),
  })
  .prefault({});

/** Options Foyer sets itself: the callback, the state kept in the interaction, the verify signature. */
const FOYER_OWNED_OPTIONS = ['callbackURL', 'callbackUrl', 'state', 'store', 'passReqToCallback', 'sessionKey'];

/**
 * Any installed Passport strategy as an IdP (LinkedIn, Slack, a partner's plain OAuth 2.0 server).
 * Its users are named by `issuer` (choose the provider's URL and never change it: identities are
 * linked by issuer and subject).
 */
export const passportIdpSchema = z
  .strictObject({
    type: z.literal('passport'),
    id: idpId,
    displayName: z.string().min(1).max(80),
    package: packageName,
    /** The package's export that is the Strategy class; the module itself when it has no such export. */
    export: z.string().min(1).default('Strategy'),
    issuer: z.string().min(1),
    /** The strategy's own options (clientID, clientSecret: ${ENV}, URLs, scope, ...), passed as they are. */
    options: z.record(z.string(), z.unknown()).default({}),
    /**
     * For strategies that load no profile (passport-oauth2 itself): a URL Foyer GETs with the access
     * token as a Bearer token; its JSON is the profile the mapping reads.
     */
    profileUrl: secureUrl.optional(),
    profile: profileMapping,
    /** `social` (default): after the organisations' own IdPs in home-realm discovery. */
    category: z.enum(['federated', 'social']).default('social'),
    domains: trustFields.domains,
    trustedForDomains: trustFields.trustedForDomains,
  })
  .superRefine((idp, ctx) => {
    for (const key of FOYER_OWNED_OPTIONS) {
      if (Object.hasOwn(idp.options, key)) ctx.addIssue({ code: 'custom', path: ['options', key], message: 'is set by Foyer (the callback and the sign-in state belong to the interaction); remove it' });
    }
  });

/** Facebook through passport-facebook (Entra offers Facebook as a social IdP too). */
export const facebookIdpSchema = z.strictObject({
  type: z.literal('facebook'),
  id: idpId.default('facebook'),
  displayName: z.string().min(1).max(80).default('Facebook'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /**
   * Facebook returns an address only when it has a valid one but does not say it verified it, so
   * the default is false. Set true to trust it; the address still proves itself only within `domains`.
   */
  emailVerified: z.boolean().default(false),
  domains: trustFields.domains,
  trustedForDomains: trustFields.trustedForDomains,
});

/**
 * Sign in with Apple (OIDC, answered with a cross-site form POST). Apple's "client secret" is an
 * ES256 JWT Foyer mints from the Sign in with Apple key: `privateKey` is its PEM (PKCS#8, P-256),
 * given as ${ENV}, never in the file.
 */
export const appleIdpSchema = z.strictObject({
  type: z.literal('apple'),
  id: idpId.default('apple'),
  displayName: z.string().min(1).max(80).default('Apple'),
  /** The Services ID (Apple's client_id for the web). */
  clientId: z.string().min(1),
  teamId: z.string().regex(/^[A-Z0-9]{10}$/, 'is the 10-character Apple Developer Team ID'),
  keyId: z.string().regex(/^[A-Z0-9]{10}$/, 'is the 10-character Key ID of the Sign in with Apple key'),
  privateKey: z.string().refine(isP256PrivateKey, 'is not a PEM P-256 private key (the .p8 file Apple gives, e.g. ${APPLE_PRIVATE_KEY})'),
  domains: trustFields.domains,
  trustedForDomains: trustFields.trustedForDomains,
});

function isP256PrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

/** How often a SAML IdP's metadata is fetched again when metadataRefreshMinutes is not set. */
export const DEFAULT_METADATA_REFRESH_MINUTES = 60;

export const identityProviderSchema = z.discriminatedUnion('type', [
  oidcIdpSchema,
  googleIdpSchema,
  microsoftIdpSchema,
  githubIdpSchema,
  samlIdpSchema,
  passportIdpSchema,
  facebookIdpSchema,
  appleIdpSchema,
]);

/**
 * Issuers Foyer's own connectors give their identities (the passcode, GitHub, Google, Microsoft, Facebook, Apple):
 * a SAML IdP may name itself with any string, and must not name itself with one of these. The
 * connectors' constants are checked against this list by test/config/identity-provider-issuers.test.ts.
 */
export const RESERVED_ISSUERS = ['urn:foyer:email-otp', 'https://github.com', 'https://accounts.google.com', 'https://www.facebook.com', 'https://appleid.apple.com'] as const;
const MICROSOFT_ISSUERS = 'https://login.microsoftonline.com/';

/** The issuer an IdP's identities carry (multi-tenant Microsoft: the template every tenant's issuer fills in). */
function issuerOf(idp: z.infer<typeof identityProviderSchema>): string {
  switch (idp.type) {
    case 'oidc':
      return idp.issuer;
    case 'saml':
      return idp.idpEntityId;
    case 'github':
      return RESERVED_ISSUERS[1];
    case 'google':
      return RESERVED_ISSUERS[2];
    case 'microsoft':
      return `${MICROSOFT_ISSUERS}${idp.tenant}/v2.0`;
    case 'passport':
      return idp.issuer;
    case 'facebook':
      return RESERVED_ISSUERS[3];
    case 'apple':
      return RESERVED_ISSUERS[4];
  }
}

export const identityProvidersSchema = z.array(identityProviderSchema).superRefine((idps, ctx) => {
  const seen = new Map<string, number>();
  const duplicates = new Set<number>();
  idps.forEach((idp, i) => {
    const first = seen.get(idp.id);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate identity provider id "${idp.id}" (identityProviders[${first}] already uses it)` });
      duplicates.add(i);
    } else seen.set(idp.id, i);
  });
  // Identities are named by (issuer, subject): an IdP naming itself with another's issuer would claim
  // that IdP's users (sign-in refuses it too: IdentitiesRepository.findLinked). SAML entity IDs are free text.
  const issuers = new Map<string, number>();
  idps.forEach((idp, i) => {
    // An entry already reported as a duplicate id is one mistake, reported once.
    if (duplicates.has(i)) return;
    const issuer = issuerOf(idp);
    const path = [i, idp.type === 'saml' ? 'idpEntityId' : idp.type === 'oidc' || idp.type === 'passport' ? 'issuer' : 'type'];
    const first = issuers.get(issuer);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path, message: `"${issuer}" is already the issuer of identityProviders[${first}]; two identity providers may not share an issuer (each names its users within it)` });
    } else issuers.set(issuer, i);
    if ((idp.type === 'saml' || idp.type === 'passport') && ((RESERVED_ISSUERS as readonly string[]).includes(issuer) || issuer.startsWith(MICROSOFT_ISSUERS))) {
      const own = idp.type === 'saml' ? 'a SAML IdP must name itself with its own entity ID' : 'a Passport IdP must name its users with its own issuer';
      ctx.addIssue({ code: 'custom', path, message: `"${issuer}" is the issuer of Foyer's ${issuer.startsWith('urn:') ? 'email passcode' : 'built-in'} sign-in; ${own}` });
    }
  });
});

export const emailPasscodeSchema = z
  .strictObject({
    /** The fallback for guests whose domain has no IdP (Entra's email one-time passcode). */
    enabled: z.boolean().default(true),
    codeLength: z.number().int().min(6).max(8).default(6),
    ttlSeconds: z.number().int().min(60).max(3600).default(600),
    /** Wrong entries allowed per code before it is locked. */
    maxAttempts: z.number().int().min(1).max(10).default(5),
    /** Codes sent to one address per hour (stops mail bombing; bounds guesses to this × maxAttempts). */
    perAddressPerHour: z.number().int().min(1).default(5),
    /** Codes requested plus wrong codes entered from one IP per hour. */
    perIpPerHour: z.number().int().min(1).default(20),
    /**
     * Wrong codes entered for one address in a day, from anywhere; then no code for it is mailed or
     * accepted until the day has passed. Without it, an attacker rotating addresses had
     * perAddressPerHour × maxAttempts guesses an hour, every hour, at a guest's account.
     */
    wrongCodesPerAddressPerDay: z.number().int().min(1).default(20),
  })
  .prefault({});

export type IdentityProviderConfig = z.infer<typeof identityProviderSchema>;
export type OidcIdpConfig = z.infer<typeof oidcIdpSchema>;
export type GoogleIdpConfig = z.infer<typeof googleIdpSchema>;
export type MicrosoftIdpConfig = z.infer<typeof microsoftIdpSchema>;
export type GithubIdpConfig = z.infer<typeof githubIdpSchema>;
export type SamlIdpConfig = z.infer<typeof samlIdpSchema>;
export type PassportIdpConfig = z.infer<typeof passportIdpSchema>;
export type FacebookIdpConfig = z.infer<typeof facebookIdpSchema>;
export type AppleIdpConfig = z.infer<typeof appleIdpSchema>;
export type EmailPasscodeConfig = z.infer<typeof emailPasscodeSchema>;
