import type Provider from 'oidc-provider';
import type { ConnectorRegistry } from '../federation/connector-registry.js';
import type { EmailPasscode } from '../federation/email-passcode.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import type { InvitationsRepository } from '../invitations/invitations-repository.js';
import type { RedemptionService } from '../invitations/redemption-service.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { FederationIndex } from './federation-index.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import type { UpstreamMethod } from '../strengths/upstream-methods.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { HttpError } from '../http/http-error.js';
import type { PasswordlessLogin } from '../passkeys/passwordless-login.js';
import type { Database } from '../db/connect.js';
import type { MemberIdentity } from './member-identity.js';
import type { SamlAssertionIds } from '../federation/saml-assertion-ids.js';
import type { FoyerAdapter } from '../provider/adapters/index.js';

/** Everything the sign-in journey's steps share, built once in the composition root. */
export interface JourneyDeps {
  provider: Provider;
  issuer: string;
  memberDomains: string[];
  registry: ConnectorRegistry;
  passcode: EmailPasscode | undefined;
  passcodeSettings: { codeLength: number; ttlSeconds: number };
  /** Finds the sign-in of an upstream whose `state` cannot carry the interaction's uid (Passport strategies). */
  federationIndex: FederationIndex;
  /** The upstream `state`/`RelayState` values already answered: each is used once (upstream-sign-in.ts). */
  usedStates: FoyerAdapter;
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationsRepository;
  redemption: RedemptionService;
  audit: AuditLog;
  renderer: PageRenderer;
  logger: Logger;
  secureCookies: boolean;
  /** The password form's "Forgot your password?" link (undefined: password reset is off). */
  forgotPasswordUrl?: string;
  /** Members through the host's own IdP (tenant.memberIdentityProvider), with the database its sign-ins write to. */
  members?: { identity: MemberIdentity; db: Database };
  /** The sign-in log, for failed upstream sign-ins (successes are logged when the authorization completes). */
  signIns?: SignInRecorder;
  /** Partner organisations' say in the journey (src/partners/). */
  partners?: JourneyPartners;
  /** Members' passwordless sign-in with a passkey (src/passkeys/), offered on the password page. */
  passwordless?: PasswordlessLogin;
  /** IdP-initiated SAML sign-in, for the IdPs that opted in (idp-initiated.ts). */
  idpInitiated?: IdpInitiatedDeps;
}

/** What the partner settings decide during a sign-in, asked where the journey decides the same things. */
export interface JourneyPartners {
  /** The IdPs an address's organisation signs in with, in order; undefined: any. */
  identityProvidersFor(email: string): string[] | undefined;
  /** Before sending someone to an IdP (or mailing a code): the refusal their address alone already earns. */
  screen(email: string, idpId: string): HttpError | undefined;
  /** Before anything is linked, redeemed or signed in: the refusal to show, or undefined to go on. */
  admit(input: { identity: UpstreamIdentity; userId: string; email: string }): Promise<HttpError | undefined>;
  /** Which methods the home IdP's assertion earns here (inbound trust, its age): upstreamMfa, upstreamPasskey. */
  upstreamMethods(identity: UpstreamIdentity): UpstreamMethod[];
  /** Keeps what the partner's IdP asserted that its rules read later (single sign-on, token refresh). */
  remember(userId: string, identity: UpstreamIdentity): Promise<void>;
  /** The partner that owns this IdP as its own (a dedicated IdP), which may link the guests its SCIM client provisioned. */
  partnerOfIdp(idpId: string): string | undefined;
}

/** What IdP-initiated SAML sign-in (idp-initiated.ts) keeps and checks, for the IdPs that opted in. */
export interface IdpInitiatedDeps {
  /** Verified identities waiting for confirmation, by browser-binding hash (same store as the federation index). */
  pending: FoyerAdapter;
  assertionIds: SamlAssertionIds;
  /** The app's sign-in start (launchUrl), checked when the configuration is loaded. */
  launchUrlOf(appId: string): string | undefined;
}
