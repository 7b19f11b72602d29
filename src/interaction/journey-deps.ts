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

/** Everything the sign-in journey's steps share, built once in the composition root. */
export interface JourneyDeps {
  provider: Provider;
  issuer: string;
  memberDomains: string[];
  registry: ConnectorRegistry;
  passcode: EmailPasscode | undefined;
  passcodeSettings: { codeLength: number; ttlSeconds: number };
  federationIndex: FederationIndex;
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationsRepository;
  redemption: RedemptionService;
  audit: AuditLog;
  renderer: PageRenderer;
  logger: Logger;
  secureCookies: boolean;
  /** The sign-in log, for failed upstream sign-ins (successes are logged when the authorization completes). */
  signIns?: SignInRecorder;
}
