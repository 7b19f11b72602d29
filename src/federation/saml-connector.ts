import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { CacheProvider, Profile, SAML } from '@node-saml/node-saml';
import type { SamlIdpConfig } from '../config/identity-providers-schema.js';
import { pendingFor, safeEqual, type Connector, type PendingSaml, type SamlLogoutRequest, type SamlSessionRef, type UnsolicitedSignIn } from './connector.js';
import { lazyModule } from '../lib/lazy-module.js';
import { FederationError, type FederationErrorCode } from './federation-error.js';
import { amrFromSaml } from './saml-authn-context.js';
import { requireBearerConfirmation } from './saml-subject-confirmation.js';
import { all, attr, text, type XmlNode } from './saml-xml-tree.js';
import { requireFreshAuthentication } from './upstream-freshness.js';
import { pickAssertions, type UpstreamIdentity } from './upstream-identity.js';

export interface SamlConnectorOptions {
  /** Foyer's issuer; the SP entity id and ACS URL derive from it. */
  issuer: string;
  /** How long an AuthnRequest may wait for its response (the Interaction lives an hour). */
  requestTtlMs?: number;
  /** Attributes to keep on the identity (UpstreamIdentity.assertions). */
  assertedClaims?: readonly string[];
  /** Where the IdP's SSO URL and signing certificates come from now (its metadata); default: the config. */
  trust?: SamlIdpTrust;
}

/** The IdP's side of the trust as it stands: from config, or from metadata refreshed on a schedule. */
export interface SamlIdpTrust {
  /** What to use for this sign-in; throws a FederationError when nothing usable was ever loaded. */
  current(): Promise<{ ssoUrl: string; certificates: string[] }>;
}

/** The trust written in config (ssoUrl, idpCertificates). */
export function configuredTrust(idp: SamlIdpConfig): SamlIdpTrust {
  return {
    async current() {
      if (!idp.ssoUrl || !idp.idpCertificates) throw new FederationError('upstream_unreachable', `${idp.displayName} is not fully configured (no SSO URL or certificate). Tell the host's administrator.`, { idpId: idp.id });
      return { ssoUrl: idp.ssoUrl, certificates: idp.idpCertificates };
    },
  };
}

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const METHOD_REFS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';
export const CLOCK_SKEW_MS = 60_000;
// SAML messages are defined by XML Schema and never need a DTD: one in a response can only be an entity attack.
const DTD = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;
/** node-saml and its XML signature stack cost a few hundred ms to load: loaded at the first SAML message, only where a SAML IdP is configured. */
const nodeSaml = lazyModule(() => import('@node-saml/node-saml'));

/**
 * SAML 2.0 IdP federation (Entra's "SAML/WS-Fed IdP federation") with @node-saml/node-saml:
 * signed AuthnRequest over HTTP-Redirect (with ForceAuthn when the app asked for a fresh sign-in),
 * Response over HTTP-POST. node-saml checks the signature (IdP certificates from config; it reads only
 * what the signature covers), Audience, Conditions' NotBefore/NotOnOrAfter and the Response's
 * InResponseTo; Foyer adds the refusal of DTDs, the Issuer, the bearer SubjectConfirmation
 * (Recipient, NotOnOrAfter, InResponseTo: saml-subject-confirmation.ts) and the AuthnInstant.
 *
 * node-saml keeps request ids in a cache provider; Foyer keeps them in the pending record
 * instead (stored in the Interaction), so a one-request cache is built around it per call and
 * any node can finish the sign-in.
 *
 * emailVerified: SAML has no such claim. The email counts as verified only when its domain is one
 * of this IdP's `domains`, i.e. the admin declared the IdP authoritative for it.
 */
export function createSamlConnector(idp: SamlIdpConfig, opts: SamlConnectorOptions): Connector {
  const base = `${opts.issuer}/federation/${idp.id}`;
  const spEntityId = idp.spEntityId ?? `${base}/metadata`;
  const acsUrl = `${base}/acs`;
  const ref = { idpId: idp.id };
  const trust = opts.trust ?? configuredTrust(idp);

  // `idp` is what this sign-in trusts (read per sign-in, so a certificate rollover from metadata applies at once).
  const saml = async (callbackUrl: string, current: { ssoUrl: string; certificates: string[] }, cacheProvider?: CacheProvider, forceAuthn = false, unsolicited = false): Promise<SAML> => {
    const { SAML, ValidateInResponseTo } = await nodeSaml();
    return new SAML({
      entryPoint: current.ssoUrl,
      issuer: spEntityId,
      callbackUrl,
      idpCert: current.certificates,
      privateKey: idp.spPrivateKey,
      publicCert: idp.spCertificate,
      // EncryptedAssertion: decrypted first, then its signature checked like a plain assertion's.
      ...(idp.spDecryptionKey ? { decryptionPvk: idp.spDecryptionKey } : {}),
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      audience: spEntityId,
      // Whatever these say, node-saml never accepts an assertion covered by no valid signature.
      wantAssertionsSigned: idp.wantAssertionsSigned,
      wantAuthnResponseSigned: idp.wantResponseSigned,
      identifierFormat: idp.nameIdFormat,
      // Asking for a specific context (node-saml's default is PasswordProtectedTransport, exact)
      // would stop the IdP from doing MFA; Foyer reads what the IdP did instead.
      disableRequestedAuthnContext: true,
      forceAuthn,
      // Unsolicited: node-saml then checks nothing about InResponseTo; requireBearerConfirmation refuses any.
      validateInResponseTo: unsolicited ? ValidateInResponseTo.never : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: opts.requestTtlMs ?? 3600_000,
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      generateUniqueId: () => `_${randomBytes(20).toString('hex')}`,
      // Single logout: Foyer's endpoint (in the metadata) and the IdP's, where LogoutResponses go.
      logoutCallbackUrl: `${base}/slo`,
      ...(idp.sloUrl ? { logoutUrl: idp.sloUrl } : {}),
      idpIssuer: idp.idpEntityId,
      ...(cacheProvider ? { cacheProvider } : {}),
    });
  };

  /** Signed (HTTP-Redirect signature over the query) because the SP has a private key; names the IdP's own session. */
  async function startLogout(session: SamlSessionRef, relayState: string) {
    const capture = captureIssuedId();
    const user = { issuer: idp.idpEntityId, nameID: session.nameId, nameIDFormat: session.nameIdFormat ?? idp.nameIdFormat ?? PERSISTENT, ...(session.sessionIndex ? { sessionIndex: session.sessionIndex } : {}) } as Profile;
    const redirectTo = await (await saml(acsUrl, await trust.current(), capture.cache)).getLogoutUrlAsync(user, relayState, {});
    const issued = capture.issued('LogoutRequest');
    return { redirectTo, requestId: issued.id, issuedAt: Date.parse(issued.instant) };
  }

  return {
    id: idp.id,
    type: 'saml',
    displayName: idp.displayName,
    category: 'federated',
    domains: idp.domains,
    trustedForDomains: idp.trustedForDomains,
    trustMfa: idp.trustMfa,
    mfaAcrValues: idp.mfaAcrValues,
    responseMode: 'form_post',

    // The SP metadata says nothing of the IdP: node-saml only insists on being given some certificate.
    // With a decryption key its certificate is published with use="encryption", which is what IdPs encrypt to.
    // node-saml announces its SingleLogoutService with the POST binding; Foyer's takes HTTP-Redirect (saml-logout.ts).
    metadata: async () =>
      (await saml(acsUrl, { ssoUrl: acsUrl, certificates: [idp.spCertificate] }))
        .generateServiceProviderMetadata(idp.spDecryptionCertificate ?? null, idp.spCertificate)
        .replace(/(<SingleLogoutService Binding=")urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-POST(")/, '$1urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect$2'),

    async start({ callbackUrl, reauthenticate, state }) {
      const capture = captureIssuedId();
      const relayState = state ?? randomBytes(24).toString('base64url');
      // SAML has no max_age: any freshness request becomes ForceAuthn, and AuthnInstant is checked on the way back.
      const redirectTo = await (await saml(callbackUrl, await trust.current(), capture.cache, !!reauthenticate)).getAuthorizeUrlAsync(relayState, undefined, {});
      const issued = capture.issued('AuthnRequest');
      const pending: PendingSaml = { kind: 'saml', idpId: idp.id, requestId: issued.id, relayState, createdAt: Date.parse(issued.instant), ...(reauthenticate ? { reauthenticate } : {}) };
      return { redirectTo, pending };
    },

    async logoutRequest({ query, rawQuery }) {
      return verifyLogoutRequest(idp, query, rawQuery, (current) => saml(acsUrl, current), await trust.current());
    },

    ...(idp.sloUrl ? { startLogout } : {}),

    async logoutResponse({ query, rawQuery, isPending }) {
      const current = await trust.current();
      return verifyLogoutResponse(idp, query, rawQuery, (cache) => saml(acsUrl, current, cache), isPending);
    },

    ...(idp.allowIdpInitiated
      ? {
          idpInitiatedApp: idp.allowIdpInitiated.app,
          /** Everything `finish` checks except the request it answers: there is none, and the confirmation must name none. */
          async finishUnsolicited(params: Record<string, string>): Promise<UnsolicitedSignIn> {
            if (!params.SAMLResponse) throw new FederationError('invalid_response', `${idp.displayName} sent no SAML response.`, ref);
            if (DTD.test(Buffer.from(params.SAMLResponse, 'base64').toString('utf8'))) {
              throw new FederationError('invalid_response', `${idp.displayName} sent a SAML response with a document type declaration (DTD), which SAML never needs, so Foyer rejected it.`, ref);
            }
            let profile: Profile | null;
            try {
              const sp = await saml(acsUrl, await trust.current(), undefined, false, true);
              ({ profile } = await sp.validatePostResponseAsync({ SAMLResponse: params.SAMLResponse }));
            } catch (err) {
              throw await toFederationError(err, idp);
            }
            if (!profile) throw new FederationError('invalid_response', `${idp.displayName} sent no sign-in.`, ref);
            const out: { notOnOrAfter?: number; assertionId?: string } = {};
            const identity = identityFrom(idp, profile, { acsUrl, requestId: null, clockSkewMs: CLOCK_SKEW_MS }, opts.assertedClaims, out);
            if (!out.assertionId || !out.notOnOrAfter) throw new FederationError('invalid_response', `${idp.displayName} sent an assertion without an ID.`, ref);
            return { identity, assertionId: out.assertionId, notOnOrAfter: out.notOnOrAfter };
          },
        }
      : {}),

    async finish({ pending, callbackUrl, params }): Promise<UpstreamIdentity> {
      const p = pendingFor(pending, 'saml', idp.id);
      if (!safeEqual(params.RelayState, p.relayState)) {
        throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.', ref);
      }
      if (!params.SAMLResponse) throw new FederationError('invalid_response', `${idp.displayName} sent no SAML response.`, ref);
      // node-saml decodes exactly like this; its XML parsers resolve no external entity today, but
      // refusing the DTD here keeps that true whatever parser version sits below.
      if (DTD.test(Buffer.from(params.SAMLResponse, 'base64').toString('utf8'))) {
        throw new FederationError('invalid_response', `${idp.displayName} sent a SAML response with a document type declaration (DTD), which SAML never needs, so Foyer rejected it. If this keeps happening, tell the host's administrator.`, ref);
      }
      const onlyThisRequest: CacheProvider = {
        saveAsync: async () => null,
        getAsync: async (id) => (id === p.requestId ? new Date(p.createdAt).toISOString() : null),
        removeAsync: async () => null,
      };
      const current = await trust.current();
      const sp = await saml(callbackUrl, current, onlyThisRequest);
      let profile: Profile | null;
      try {
        ({ profile } = await sp.validatePostResponseAsync({ SAMLResponse: params.SAMLResponse }));
      } catch (err) {
        throw await toFederationError(err, idp);
      }
      if (!profile) throw new FederationError('upstream_error', `${idp.displayName} could not sign you in without asking you.`, { ...ref, upstreamError: 'NoPassive' });
      const identity = identityFrom(idp, profile, { acsUrl: callbackUrl, requestId: p.requestId, clockSkewMs: CLOCK_SKEW_MS }, opts.assertedClaims);
      requireFreshAuthentication(p.reauthenticate, identity.authTime, idp);
      return identity;
    },
  };
}

/** Redirect-binding signature algorithms accepted on a LogoutRequest (no SHA-1). */
const LOGOUT_SIG_ALGS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);

/**
 * node-saml reports the id of a request it builds only through its cache; this cache keeps that id
 * (and its instant) for the caller, who stores it with the pending sign-in or sign-out.
 */
function captureIssuedId() {
  let issued: { id: string; instant: string } | undefined;
  const cache: CacheProvider = {
    saveAsync: async (id, instant) => {
      issued = { id, instant };
      return { value: instant, createdAt: Date.now() };
    },
    getAsync: async () => null,
    removeAsync: async () => null,
  };
  return {
    cache,
    issued(what: string): { id: string; instant: string } {
      if (!issued) throw new Error(`node-saml did not report the ${what} id`);
      return issued;
    },
  };
}

/**
 * What a logout request and a logout response over HTTP-Redirect must both pass before node-saml
 * reads them: present, signed with an accepted algorithm (node-saml would take an unsigned one),
 * inflatable within a size cap, and without a DTD.
 */
function checkRedirectMessage(idp: SamlIdpConfig, query: Record<string, string>, field: 'SAMLRequest' | 'SAMLResponse'): void {
  const ref = { idpId: idp.id };
  const what = field === 'SAMLRequest' ? 'logout request' : 'logout response';
  const message = query[field];
  if (!message) throw new FederationError('invalid_response', `${idp.displayName} sent no ${what}.`, ref);
  if (!query.Signature || !query.SigAlg) {
    throw new FederationError('invalid_signature', `This ${what} is not signed by ${idp.displayName}, so Foyer ignored it.`, ref);
  }
  if (!LOGOUT_SIG_ALGS.has(query.SigAlg)) {
    throw new FederationError('invalid_signature', `This ${what} is signed with an algorithm Foyer does not accept (${query.SigAlg}).`, ref);
  }
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(message, 'base64'), { maxOutputLength: 256 * 1024 }).toString('utf8');
  } catch (err) {
    throw new FederationError('invalid_response', `${idp.displayName} sent a ${what} Foyer cannot read.`, ref, { cause: err });
  }
  if (DTD.test(xml)) throw new FederationError('invalid_response', `${idp.displayName} sent a ${what} with a document type declaration (DTD), which SAML never needs.`, ref);
}

/**
 * The IdP's LogoutRequest (HTTP-Redirect binding). node-saml checks the query signature only when
 * there is one, so Foyer first refuses an unsigned request: anyone could otherwise sign any guest
 * out by sending their browser a link. Then node-saml verifies the signature against the IdP's
 * certificates, the Issuer and NotOnOrAfter; the caller makes the request's ID single-use.
 */
async function verifyLogoutRequest(
  idp: SamlIdpConfig,
  query: Record<string, string>,
  rawQuery: string,
  saml: (current: { ssoUrl: string; certificates: string[] }) => Promise<SAML>,
  current: { ssoUrl: string; certificates: string[] },
): Promise<SamlLogoutRequest> {
  const ref = { idpId: idp.id };
  checkRedirectMessage(idp, query, 'SAMLRequest');
  const sp = await saml(current);
  let profile: Profile | null;
  try {
    ({ profile } = await sp.validateRedirectAsync(query, rawQuery));
  } catch (err) {
    throw await toFederationError(err, idp);
  }
  if (!profile?.nameID || !profile.ID) throw new FederationError('invalid_response', `${idp.displayName} sent a logout request without a NameID.`, ref);
  if (profile.issuer !== idp.idpEntityId) throw new FederationError('wrong_issuer', `The logout request did not come from ${idp.displayName}.`, ref);
  const respondTo = idp.sloUrl ? await sp.getLogoutResponseUrlAsync(profile, query.RelayState ?? '', {}, true) : undefined;
  return { issuer: idp.idpEntityId, subject: profile.nameID, requestId: profile.ID, ...(respondTo ? { respondTo } : {}) };
}

/**
 * The IdP's LogoutResponse to Foyer's LogoutRequest (HTTP-Redirect). Unsigned is refused, as for a
 * request: otherwise anyone could forge the IdP's "you are signed out there" and the guest would
 * believe their organisation account was signed out. It must answer a LogoutRequest Foyer sent
 * (InResponseTo, which node-saml checks only when present, so Foyer requires it) and say Success.
 */
async function verifyLogoutResponse(
  idp: SamlIdpConfig,
  query: Record<string, string>,
  rawQuery: string,
  saml: (cache: CacheProvider) => Promise<SAML>,
  isPending: (requestId: string) => Promise<boolean>,
): Promise<{ inResponseTo: string }> {
  const ref = { idpId: idp.id };
  checkRedirectMessage(idp, query, 'SAMLResponse');
  let answered: string | undefined;
  const pendingOnly: CacheProvider = {
    saveAsync: async () => null,
    getAsync: async (id) => {
      if (!(await isPending(id))) return null;
      answered = id;
      return new Date().toISOString();
    },
    removeAsync: async () => null,
  };
  const sp = await saml(pendingOnly);
  try {
    await sp.validateRedirectAsync(query, rawQuery);
  } catch (err) {
    throw await toFederationError(err, idp);
  }
  if (!answered) throw new FederationError('in_response_to_mismatch', `This logout response from ${idp.displayName} answers no logout Foyer started.`, ref);
  return { inResponseTo: answered };
}

function identityFrom(
  idp: SamlIdpConfig,
  profile: Profile,
  expect: Parameters<typeof requireBearerConfirmation>[2],
  assertedClaims?: readonly string[],
  out?: { notOnOrAfter?: number; assertionId?: string },
): UpstreamIdentity {
  const ref = { idpId: idp.id };
  // node-saml checks the signature, not who signed for whom: the certificate could be shared.
  if (profile.issuer !== idp.idpEntityId) {
    throw new FederationError('wrong_issuer', `The sign-in did not come from ${idp.displayName}. Contact the host's administrator.`, ref);
  }
  const assertion = (profile.getAssertion?.() ?? {}) as XmlNode;
  const { notOnOrAfter } = requireBearerConfirmation(assertion, idp, expect);
  if (out) Object.assign(out, { notOnOrAfter, assertionId: attr(all(assertion, 'Assertion')[0], 'ID') ?? '' });
  if (!profile.nameID) throw new FederationError('invalid_response', `${idp.displayName} did not say who you are (no NameID).`, ref);
  if (profile.nameIDFormat === TRANSIENT) {
    throw new FederationError('invalid_response', `${idp.displayName} sends a transient NameID, which changes at every sign-in. Its administrator must release a persistent NameID.`, ref);
  }

  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const named = (n: string) => (Object.hasOwn(attributes, n) ? attributes[n] : undefined);
  const email = firstValue(idp.attributes.email.map(named)) ?? (profile.nameIDFormat === EMAIL_FORMAT ? profile.nameID : undefined);
  const name = firstValue(idp.attributes.name.map(named));
  const authn = all(assertion, 'Assertion', 'AuthnStatement')[0];
  const classRef = text(all(authn ?? {}, 'AuthnContext', 'AuthnContextClassRef')[0]);
  const instant = Date.parse(attr(authn, 'AuthnInstant') ?? '');
  const methodRefs = ([] as unknown[]).concat(named(METHOD_REFS) ?? []).map(text).filter((v): v is string => !!v);
  // The last '@', as email-authority.ts reads it: `victim@contoso.example@evil.example` is not at contoso.example.
  const at = email?.lastIndexOf('@') ?? -1;
  const domain = email && at > 0 ? email.slice(at + 1).toLowerCase() : undefined;
  return {
    idpId: idp.id,
    issuer: idp.idpEntityId,
    subject: profile.nameID,
    ...(email ? { email } : {}),
    emailVerified: !!domain && idp.domains.includes(domain),
    ...(name ? { name } : {}),
    amr: amrFromSaml(classRef, methodRefs),
    ...(classRef ? { acr: classRef } : {}),
    ...(Number.isFinite(instant) ? { authTime: Math.floor(instant / 1000) } : {}),
    ...withAssertions(pickAssertions(named, assertedClaims)),
    samlSession: { ...(profile.nameIDFormat ? { nameIdFormat: profile.nameIDFormat } : {}), ...(profile.sessionIndex ? { sessionIndex: profile.sessionIndex } : {}) },
  };
}

function withAssertions(assertions: Record<string, string[]> | undefined): { assertions?: Record<string, string[]> } {
  return assertions ? { assertions } : {};
}

/** node-saml reports failures only as messages; these patterns name them. */
async function toFederationError(err: unknown, idp: SamlIdpConfig): Promise<FederationError> {
  const ref = { idpId: idp.id };
  // Already loaded: the error came from node-saml.
  const { SamlStatusError } = await nodeSaml();
  if (err instanceof SamlStatusError) {
    const status = /returned (\w+) error: (.*)$/.exec(err.message);
    return new FederationError('upstream_error', `${idp.displayName} could not sign you in (${status?.[2] ?? 'error'}).`, { ...ref, upstreamError: status?.[1], upstreamErrorDescription: status?.[2] }, { cause: err });
  }
  const message = (err as Error)?.message ?? '';
  const rules: [RegExp, FederationErrorCode, string][] = [
    [/InResponseTo/i, 'in_response_to_mismatch', `The answer from ${idp.displayName} does not belong to this sign-in. Start signing in again.`],
    [/signature/i, 'invalid_signature', `The sign-in from ${idp.displayName} is not signed with its certificate, so Foyer rejected it.`],
    // node-saml's words for a bearer confirmation or Conditions without NotOnOrAfter (or a malformed instant).
    [/^Error parsing \w+/, 'invalid_response', `${idp.displayName} sent a sign-in with a missing or malformed validity time (NotOnOrAfter, NotBefore or IssueInstant). Ask its administrator to send assertions whose Conditions and bearer SubjectConfirmationData carry NotOnOrAfter.`],
    [/expired|not yet valid|subject confirmation/i, 'expired_assertion', `The sign-in from ${idp.displayName} has expired or is not valid yet. Check your device's clock, then start signing in again.`],
    [/audience/i, 'wrong_audience', `${idp.displayName} issued the sign-in for a different service. Contact the host's administrator.`],
  ];
  const [, code, text] = rules.find(([pattern]) => pattern.test(message)) ?? [null, 'invalid_response', `${idp.displayName} sent a SAML response Foyer cannot read.`];
  return new FederationError(code, text, ref, { cause: err });
}

function firstValue(values: unknown[]): string | undefined {
  for (const v of values) {
    const found = text(Array.isArray(v) ? v[0] : v);
    if (found) return found;
  }
  return undefined;
}
