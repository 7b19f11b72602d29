/**
 * A partner's SAML 2.0 IdP built with samlify (schema-validated by node-xmllint), on loopback:
 * GET /sso takes an HTTP-Redirect AuthnRequest and verifies its signature against the SP
 * metadata Foyer publishes (400 if it does not verify), shows a one-field login form, and
 * POST /sso/login answers with an auto-posting form carrying a signed Response for the ACS.
 * `setVariant` makes the next responses faulty in one specific way for the negative tests.
 * `setSession` gives the IdP a signed-in user (answering at once, from an earlier AuthnInstant,
 * unless a ForceAuthn it honours makes it ask again); `editBeforeSigning` lets a test play a user
 * of the IdP who controls their own attribute values: the edit is made before the IdP signs.
 */
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as validator from '@authenio/samlify-node-xmllint';
import * as samlify from 'samlify';
import { createKeyPair, type KeyPair } from './certs.js';

samlify.setSchemaValidator(validator);

const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';
export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const NAME_CLAIM = 'http://schemas.microsoft.com/identity/claims/displayname';
const METHODS_CLAIM = 'http://schemas.microsoft.com/claims/authnmethodsreferences';

export interface SamlUser {
  nameId: string;
  email: string;
  name: string;
  classRef: string;
  methodRefs?: string[];
}

export const SAML_USERS: Record<string, SamlUser> = {
  alice: { nameId: 'c0ffee-alice-persistent', email: 'alice@contoso.example', name: 'Alice Contoso', classRef: `${AC}PasswordProtectedTransport` },
  bob: { nameId: 'c0ffee-bob-persistent', email: 'bob@contoso.example', name: 'Bob Contoso', classRef: 'https://refeds.org/profile/mfa' },
  // Entra/ADFS style: password class ref, MFA stated in the method references attribute.
  dave: {
    nameId: 'c0ffee-dave-persistent',
    email: 'dave@contoso.example',
    name: 'Dave Contoso',
    classRef: `${AC}PasswordProtectedTransport`,
    methodRefs: ['http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password', 'http://schemas.microsoft.com/claims/multipleauthn'],
  },
};

export type SamlVariant =
  | 'valid'
  | 'expired'
  | 'wrong-audience'
  | 'wrong-in-response-to'
  | 'bad-signature'
  | 'wrong-recipient'
  | 'transient-nameid'
  | 'wrong-issuer'
  /** SubjectConfirmationData without Recipient. */
  | 'no-recipient'
  /** A Subject with a NameID and no SubjectConfirmation at all. */
  | 'no-subject-confirmation'
  /** The only SubjectConfirmation is holder-of-key, not bearer. */
  | 'holder-of-key'
  /** SubjectConfirmationData without NotOnOrAfter. */
  | 'no-confirmation-expiry'
  /** The Response answers the request, the signed SubjectConfirmationData carries no InResponseTo. */
  | 'no-subject-in-response-to'
  /** Unsolicited (IdP-initiated): no InResponseTo anywhere. */
  | 'unsolicited'
  /** No AuthnStatement, so no AuthnInstant. */
  | 'no-authn-statement';

/** The partner's user is already signed in at the IdP since `authenticatedAt` (epoch ms). */
export interface SamlIdpSession {
  login: string;
  authenticatedAt: number;
  /** Whether ForceAuthn="true" makes the IdP ask for the password again (false: a non-compliant IdP answers from the session). */
  honourForceAuthn: boolean;
}

export interface SamlIdpOptions {
  /** Users besides SAML_USERS (e.g. an attacker's own account, or another organisation's). */
  users?: Record<string, SamlUser>;
  /** The IdP's signing key pair (default: a fresh one); two IdPs given the same one share a signing key. */
  keys?: KeyPair;
  /** Also sign the whole Response (samlify signs only the assertion while the SP wants assertions signed). */
  signResponse?: boolean;
  /** The entity ID the IdP names itself with (default: its metadata URL); a SAML IdP may choose any string. */
  entityId?: string;
  /** Encrypts every assertion (EncryptedAssertion) to the encryption certificate in the SP metadata, as AD FS and Shibboleth often do. */
  encryptAssertions?: boolean;
}

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  certificate: string;
  /** Registers Foyer as a service provider from the metadata XML Foyer serves. */
  trustServiceProvider(spMetadataXml: string): void;
  setVariant(variant: SamlVariant): void;
  /** A signed-in user at the IdP, or none (the default: every AuthnRequest gets the login form). */
  setSession(session?: SamlIdpSession): void;
  /** Changes the Response XML (tags filled in, not yet signed) before the IdP signs it; none by default. */
  editBeforeSigning(edit?: (xml: string) => string): void;
  /** An unsolicited (IdP-initiated) Response for `login`, as the auto-posting form would send it to Foyer's ACS; no InResponseTo anywhere. */
  unsolicitedResponse(login: string, relayState?: string): Promise<{ action: string; fields: Record<string, string> }>;
  /** The last AuthnRequest the IdP accepted. */
  lastAuthnRequest(): { id: string; forceAuthn: boolean } | undefined;
  /** The IdP's SingleLogoutService (HTTP-Redirect): where Foyer sends its LogoutResponse. */
  sloUrl: string;
  /** A LogoutRequest for `nameId` to Foyer's SingleLogoutService (HTTP-Redirect), signed unless `unsigned`. */
  logoutRequestUrl(nameId: string, opts?: { unsigned?: boolean; relayState?: string }): string;
  /** The LogoutResponses Foyer sent back to /slo, decoded XML, newest last. */
  readonly logoutResponses: string[];
  /** The LogoutRequests Foyer sent to /slo (signature checked), decoded XML, newest last. */
  readonly logoutRequests: string[];
  /** How the IdP answers Foyer's next LogoutRequests: signed (default), unsigned, or signed for another request's ID. */
  answerLogoutWith(mode: 'signed' | 'unsigned' | 'wrong-in-response-to'): void;
  /** The URLs (Foyer's /slo with a LogoutResponse) the IdP sent the browser to, newest last. */
  readonly logoutAnswers: string[];
  /** Signs from now on with these keys, as an IdP does when its signing certificate rolls over. */
  useSigningKeys(keys: KeyPair): void;
  close(): Promise<void>;
}

export async function startSamlIdp(opts: SamlIdpOptions = {}): Promise<SamlIdp> {
  const users = { ...SAML_USERS, ...opts.users };
  const keys = opts.keys ?? (await createKeyPair('partner-saml-idp'));
  const rogueKeys = await createKeyPair('partner-saml-idp');
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => page(res, 500, `<p>${escape(String(err))}</p>`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = opts.entityId ?? `${base}/metadata`;
  const ssoUrl = `${base}/sso`;
  let idp = identityProvider(entityId, ssoUrl, keys, opts.encryptAssertions);
  let signingCertificate = keys.certificate;
  const rogue = identityProvider(entityId, ssoUrl, rogueKeys, opts.encryptAssertions);
  let sp: samlify.ServiceProviderInstance | undefined;
  let spMetadata = '';
  const logoutResponses: string[] = [];
  const logoutRequests: string[] = [];
  const logoutAnswers: string[] = [];
  let logoutAnswer: 'signed' | 'unsigned' | 'wrong-in-response-to' = 'signed';
  let variant: SamlVariant = 'valid';
  let session: SamlIdpSession | undefined;
  let edit: ((xml: string) => string) | undefined;
  let lastRequest: { id: string; forceAuthn: boolean } | undefined;
  const requests = new Map<string, { id: string; relayState: string }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (!sp) return page(res, 500, '<p>No service provider registered.</p>');
    if (req.method === 'GET' && url.pathname === '/slo' && url.searchParams.has('SAMLRequest')) {
      // Foyer's LogoutRequest: its query signature must verify against the SP metadata's certificate.
      const raw = Object.fromEntries((url.search.slice(1) || '').split('&').map((kv) => kv.split('=') as [string, string]));
      const octetString = ['SAMLRequest', 'RelayState', 'SigAlg'].filter((k) => raw[k] !== undefined).map((k) => `${k}=${raw[k]}`).join('&');
      const checker = samlify.IdentityProvider({ entityID: entityId, privateKey: keys.privateKey, signingCert: keys.certificate, wantLogoutRequestSigned: true, singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: ssoUrl }], singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${base}/slo` }] });
      let parsed;
      try {
        parsed = await checker.parseLogoutRequest(sp, 'redirect', { query: Object.fromEntries(url.searchParams), octetString });
      } catch (err) {
        return page(res, 400, `<p>LogoutRequest rejected: ${escape(String(err))}</p>`);
      }
      logoutRequests.push(inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8'));
      const request = parsed.extract.request as { id: string };
      const target = samlify.ServiceProvider({ metadata: spMetadata, wantLogoutResponseSigned: logoutAnswer !== 'unsigned' });
      const answered = logoutAnswer === 'wrong-in-response-to' ? '_not-a-request-foyer-sent' : request.id;
      const { context } = idp.createLogoutResponse(target, { extract: { request: { id: answered } } }, 'redirect', url.searchParams.get('RelayState') ?? '') as { context: string };
      logoutAnswers.push(context);
      res.writeHead(303, { location: context }).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/slo') {
      logoutResponses.push(inflateRawSync(Buffer.from(url.searchParams.get('SAMLResponse') ?? '', 'base64')).toString('utf8'));
      return page(res, 200, '<h1>Signed out everywhere</h1>');
    }
    if (req.method === 'GET' && url.pathname === '/sso') {
      // The signature covers the query string exactly as sent, so the octet string stays encoded.
      const raw = Object.fromEntries((url.search.slice(1) || '').split('&').map((kv) => kv.split('=') as [string, string]));
      const octetString = ['SAMLRequest', 'RelayState', 'SigAlg'].filter((k) => raw[k] !== undefined).map((k) => `${k}=${raw[k]}`).join('&');
      let parsed;
      try {
        parsed = await idp.parseLoginRequest(sp, 'redirect', { query: Object.fromEntries(url.searchParams), octetString });
      } catch (err) {
        return page(res, 400, `<p>AuthnRequest rejected: ${escape(String(err))}</p>`);
      }
      const ref = randomBytes(12).toString('hex');
      const request = parsed.extract.request as { id: string };
      const relayState = url.searchParams.get('RelayState') ?? '';
      const forceAuthn = /\bForceAuthn="(true|1)"/.test(inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8'));
      lastRequest = { id: request.id, forceAuthn };
      const sessionUser = session && users[session.login];
      if (session && sessionUser && !(forceAuthn && session.honourForceAuthn)) {
        return postResponse(res, { id: request.id, relayState }, sessionUser, session.authenticatedAt);
      }
      requests.set(ref, { id: request.id, relayState });
      return page(res, 200, `<h1>Contoso SAML sign-in</h1>
<form method="post" action="/sso/login"><input type="hidden" name="ref" value="${ref}"><label>User <input name="login" autofocus></label> <button>Sign in</button></form>
<ul>${Object.entries(users).map(([login, u]) => `<li><code>${login}</code> ${escape(u.email)}</li>`).join('')}</ul>`);
    }
    if (req.method === 'POST' && url.pathname === '/sso/login') {
      const form = new URLSearchParams(await readBody(req));
      const pending = requests.get(form.get('ref') ?? '');
      const login = form.get('login') ?? '';
      const user = Object.hasOwn(users, login) ? users[login] : undefined;
      if (!pending || !user) return page(res, 400, '<p>Unknown request or user.</p>');
      requests.delete(form.get('ref') ?? '');
      const now = Date.now();
      if (session) session = { ...session, login, authenticatedAt: now };
      return postResponse(res, pending, user, now);
    }
    page(res, 404, '<p>Not found</p>');
  }

  async function postResponse(res: ServerResponse, pending: { id: string; relayState: string }, user: SamlUser, authnInstant: number): Promise<void> {
    const signer = variant === 'bad-signature' ? rogue : idp;
    const response = await signer.createLoginResponse(sp!, { extract: { request: { id: pending.id } } }, 'post', { email: user.email }, {
      relayState: pending.relayState,
      customTagReplacement: (template) => {
        const filled = responseXml(template, { user, variant, requestId: pending.id, sp: sp!, entityId, authnInstant });
        return edit ? { ...filled, context: edit(filled.context) } : filled;
      },
    });
    const { context, entityEndpoint } = response as { context: string; entityEndpoint: string };
    return page(res, 200, `<form method="post" action="${escape(entityEndpoint)}">
<input type="hidden" name="SAMLResponse" value="${escape(context)}"><input type="hidden" name="RelayState" value="${escape(pending.relayState)}">
<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>`);
  }

  return {
    entityId,
    ssoUrl,
    get certificate() {
      return signingCertificate;
    },
    trustServiceProvider: (xml) => {
      spMetadata = xml;
      sp = samlify.ServiceProvider({ metadata: xml, ...(opts.signResponse ? { wantMessageSigned: true } : {}) });
    },
    sloUrl: `${base}/slo`,
    logoutRequestUrl: (nameId, o = {}) => {
      const target = samlify.ServiceProvider({ metadata: spMetadata, wantLogoutRequestSigned: !o.unsigned });
      return (idp.createLogoutRequest(target, 'redirect', { logoutNameID: nameId }, o.relayState ?? '') as { context: string }).context;
    },
    logoutResponses,
    logoutRequests,
    logoutAnswers,
    answerLogoutWith: (mode) => {
      logoutAnswer = mode;
    },
    setVariant: (v) => {
      variant = v;
    },
    setSession: (s) => {
      session = s;
    },
    editBeforeSigning: (e) => {
      edit = e;
    },
    lastAuthnRequest: () => lastRequest,
    unsolicitedResponse: async (login, relayState = '') => {
      const user = users[login];
      if (!sp || !user) throw new Error(`no SP registered or no user ${login}`);
      const response = await idp.createLoginResponse(sp, { extract: { request: { id: '' } } }, 'post', { email: user.email }, {
        relayState,
        customTagReplacement: (template) => responseXml(template, { user, variant: 'unsolicited', requestId: '', sp: sp!, entityId, authnInstant: Date.now() }),
      });
      const { context, entityEndpoint } = response as { context: string; entityEndpoint: string };
      return { action: entityEndpoint, fields: { SAMLResponse: context, ...(relayState ? { RelayState: relayState } : {}) } };
    },
    useSigningKeys: (next) => {
      idp = identityProvider(entityId, ssoUrl, next, opts.encryptAssertions);
      signingCertificate = next.certificate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function identityProvider(entityID: string, ssoUrl: string, keys: KeyPair, encrypt = false): samlify.IdentityProviderInstance {
  return samlify.IdentityProvider({
    entityID,
    isAssertionEncrypted: encrypt,
    privateKey: keys.privateKey,
    signingCert: keys.certificate,
    wantAuthnRequestsSigned: true,
    nameIDFormat: [PERSISTENT],
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: ssoUrl }],
  });
}

interface ResponseInput {
  user: SamlUser;
  variant: SamlVariant;
  requestId: string;
  sp: samlify.ServiceProviderInstance;
  entityId: string;
  /** When the user authenticated (epoch ms); the `expired` variant moves it two hours back. */
  authnInstant: number;
}

const BEARER_CONFIRMATION = /<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">[\s\S]*?<\/saml:SubjectConfirmation>/;

/** The template's SubjectConfirmation and Response attributes, broken the way a variant asks. */
function confirmationTemplate(template: string, variant: SamlVariant): string {
  switch (variant) {
    case 'no-recipient':
      return template.replace(' Recipient="{SubjectRecipient}"', '');
    case 'no-confirmation-expiry':
      return template.replace(' NotOnOrAfter="{SubjectConfirmationDataNotOnOrAfter}"', '');
    case 'no-subject-in-response-to':
      return template.replace(/(<saml:SubjectConfirmationData[^>]*?) InResponseTo="\{InResponseTo\}"/, '$1');
    case 'unsolicited':
      return template.replace(/ InResponseTo="\{InResponseTo\}"/g, '');
    case 'no-subject-confirmation':
      return template.replace(BEARER_CONFIRMATION, '');
    case 'holder-of-key':
      return template.replace('urn:oasis:names:tc:SAML:2.0:cm:bearer', 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key');
    default:
      return template;
  }
}

/** The default samlify template, filled in by hand so each variant can break exactly one thing. */
function responseXml(template: string, { user, variant, requestId, sp, entityId, authnInstant }: ResponseInput): { id: string; context: string } {
  const now = Date.now();
  template = confirmationTemplate(template, variant);
  const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
  const expired = variant === 'expired';
  const acs = String(sp.entityMeta.getAssertionConsumerService('post'));
  const id = `_${randomBytes(16).toString('hex')}`;
  const attributes = [
    [EMAIL_CLAIM, [user.email]],
    [NAME_CLAIM, [user.name]],
    ...(user.methodRefs ? [[METHODS_CLAIM, user.methodRefs] as const] : []),
  ]
    .map(([name, values]) => `<saml:Attribute Name="${escape(name as string)}">${(values as string[]).map((v) => `<saml:AttributeValue xsi:type="xs:string">${escape(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const withStatements = template
    .replace('{AuthnStatement}', variant === 'no-authn-statement' ? '' : `<saml:AuthnStatement AuthnInstant="${new Date(authnInstant + (expired ? -7200_000 : 0)).toISOString()}" SessionIndex="_${randomBytes(8).toString('hex')}"><saml:AuthnContext><saml:AuthnContextClassRef>${escape(user.classRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`)
    .replace('{AttributeStatement}', `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`);
  const context = samlify.SamlLib.replaceTagsByValue(withStatements, {
    ID: id,
    AssertionID: `_${randomBytes(16).toString('hex')}`,
    Destination: acs,
    Audience: variant === 'wrong-audience' ? 'https://someone-else.example/sp' : sp.entityMeta.getEntityID(),
    SubjectRecipient: variant === 'wrong-recipient' ? 'https://someone-else.example/acs' : acs,
    Issuer: variant === 'wrong-issuer' ? 'https://other-idp.example' : entityId,
    IssueInstant: iso(expired ? -7200_000 : 0),
    StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
    ConditionsNotBefore: iso(expired ? -7200_000 : -60_000),
    ConditionsNotOnOrAfter: iso(expired ? -3600_000 : 300_000),
    SubjectConfirmationDataNotOnOrAfter: iso(expired ? -3600_000 : 300_000),
    NameIDFormat: variant === 'transient-nameid' ? TRANSIENT : PERSISTENT,
    NameID: variant === 'transient-nameid' ? `_${randomBytes(8).toString('hex')}` : user.nameId,
    InResponseTo: variant === 'wrong-in-response-to' ? '_not-the-request-foyer-sent' : requestId,
  });
  return { id, context };
}

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><body>${body}</body></html>`);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
