/**
 * A partner's SAML 2.0 IdP built with samlify (schema-validated by node-xmllint), on loopback:
 * GET /sso takes an HTTP-Redirect AuthnRequest and verifies its signature against the SP
 * metadata Foyer publishes (400 if it does not verify), shows a one-field login form, and
 * POST /sso/login answers with an auto-posting form carrying a signed Response for the ACS.
 * `setVariant` makes the next responses faulty in one specific way for the negative tests.
 */
import { randomBytes } from 'node:crypto';
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

export type SamlVariant = 'valid' | 'expired' | 'wrong-audience' | 'wrong-in-response-to' | 'bad-signature' | 'wrong-recipient' | 'transient-nameid' | 'wrong-issuer';

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  certificate: string;
  /** Registers Foyer as a service provider from the metadata XML Foyer serves. */
  trustServiceProvider(spMetadataXml: string): void;
  setVariant(variant: SamlVariant): void;
  close(): Promise<void>;
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const keys = await createKeyPair('partner-saml-idp');
  const rogueKeys = await createKeyPair('partner-saml-idp');
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => page(res, 500, `<p>${escape(String(err))}</p>`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata`;
  const ssoUrl = `${base}/sso`;
  const idp = identityProvider(entityId, ssoUrl, keys);
  const rogue = identityProvider(entityId, ssoUrl, rogueKeys);
  let sp: samlify.ServiceProviderInstance | undefined;
  let variant: SamlVariant = 'valid';
  const requests = new Map<string, { id: string; relayState: string }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (!sp) return page(res, 500, '<p>No service provider registered.</p>');
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
      requests.set(ref, { id: request.id, relayState: url.searchParams.get('RelayState') ?? '' });
      return page(res, 200, `<h1>Contoso SAML sign-in</h1>
<form method="post" action="/sso/login"><input type="hidden" name="ref" value="${ref}"><label>User <input name="login" autofocus></label> <button>Sign in</button></form>
<ul>${Object.entries(SAML_USERS).map(([login, u]) => `<li><code>${login}</code> ${escape(u.email)}</li>`).join('')}</ul>`);
    }
    if (req.method === 'POST' && url.pathname === '/sso/login') {
      const form = new URLSearchParams(await readBody(req));
      const pending = requests.get(form.get('ref') ?? '');
      const user = SAML_USERS[form.get('login') ?? ''];
      if (!pending || !user) return page(res, 400, '<p>Unknown request or user.</p>');
      requests.delete(form.get('ref') ?? '');
      const signer = variant === 'bad-signature' ? rogue : idp;
      const response = await signer.createLoginResponse(sp, { extract: { request: { id: pending.id } } }, 'post', { email: user.email }, {
        relayState: pending.relayState,
        customTagReplacement: (template) => responseXml(template, { user, variant, requestId: pending.id, sp: sp!, entityId }),
      });
      const { context, entityEndpoint } = response as { context: string; entityEndpoint: string };
      return page(res, 200, `<form method="post" action="${escape(entityEndpoint)}">
<input type="hidden" name="SAMLResponse" value="${escape(context)}"><input type="hidden" name="RelayState" value="${escape(pending.relayState)}">
<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>`);
    }
    page(res, 404, '<p>Not found</p>');
  }

  return {
    entityId,
    ssoUrl,
    certificate: keys.certificate,
    trustServiceProvider: (xml) => {
      sp = samlify.ServiceProvider({ metadata: xml });
    },
    setVariant: (v) => {
      variant = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function identityProvider(entityID: string, ssoUrl: string, keys: KeyPair): samlify.IdentityProviderInstance {
  return samlify.IdentityProvider({
    entityID,
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
}

/** The default samlify template, filled in by hand so each variant can break exactly one thing. */
function responseXml(template: string, { user, variant, requestId, sp, entityId }: ResponseInput): { id: string; context: string } {
  const now = Date.now();
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
    .replace('{AuthnStatement}', `<saml:AuthnStatement AuthnInstant="${iso(expired ? -7200_000 : 0)}" SessionIndex="_${randomBytes(8).toString('hex')}"><saml:AuthnContext><saml:AuthnContextClassRef>${escape(user.classRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`)
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
