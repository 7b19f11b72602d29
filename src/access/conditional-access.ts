import type { Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import { SignInLog } from '../audit/sign-in-log.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { GroupsRepository } from '../directory/groups-repository.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { createThrottle } from '../http/throttle.js';
import type { Logger } from '../logging/logger.js';
import { resolveMfaKey } from '../mfa/mfa-key.js';
import { MfaService } from '../mfa/mfa-service.js';
import { mfaStep } from '../mfa/mfa-step.js';
import type { AdapterFactory } from '../provider/adapters/index.js';
import { AccessEngine } from './access-engine.js';
import { accessInteractionPolicy } from './access-prompt.js';
import { accessStep } from './access-step.js';
import { blockedPage } from './blocked-page.js';
import { SignInFactsStore } from './sign-in-facts.js';
import { signInOutcomes } from './sign-in-outcomes.js';
import { SignInRecorder } from './sign-in-recorder.js';
import { termsStep } from './terms-step.js';
import { TermsRepository } from './terms-repository.js';

/**
 * Conditional access, MFA and the sign-in log, built once by the composition root: the parts the
 * provider needs first (its interaction policy), then the parts that need the provider.
 */
export function createConditionalAccess(deps: {
  config: FoyerConfig;
  db: Database;
  redis?: Redis;
  users: UsersRepository;
  adapterFactory: AdapterFactory;
  renderer: PageRenderer;
  logger: Logger;
}) {
  const { config, db, users, renderer, logger } = deps;
  const key = resolveMfaKey({ encryptionKey: config.mfa.encryptionKey, databaseUrl: config.storage.databaseUrl });
  if (key?.source === 'file') logger.info({ file: key.file }, 'TOTP secrets are sealed with the key in this file (generated on first start; back it up with the database, or set mfa.encryptionKey)');
  // Config validation already refuses enforced MFA policies without a key on PostgreSQL; apps can still ask with acr_values.
  if (!key) logger.info('MFA is unavailable until mfa.encryptionKey (FOYER_MFA_KEY) is set: required with PostgreSQL');

  const signIns = new SignInLog(db);
  const terms = new TermsRepository(db);
  const engine = new AccessEngine({
    settings: { policies: config.conditionalAccess, namedLocations: config.namedLocations, termsOfUse: config.termsOfUse },
    users,
    groups: new GroupsRepository(db),
    terms,
    facts: new SignInFactsStore(deps.adapterFactory('FoyerSignInFacts')),
  });
  const mfa = new MfaService({
    db,
    key: key?.key,
    throttle: createThrottle({ name: 'mfa-user', points: config.mfa.maxAttempts, durationSeconds: config.mfa.lockoutSeconds }, deps.redis),
    issuer: config.mfa.issuer ?? config.tenant.displayName,
  });

  return {
    engine,
    mfa,
    signIns,
    /** For buildProvider: installs the mfa prompt and the login checks. */
    extendPolicy: accessInteractionPolicy(engine),
    withProvider(provider: Provider) {
      const recorder = new SignInRecorder({ provider, log: signIns, users, logger });
      return {
        /** Failed steps inside interactions (passwords, upstream errors, MFA codes). */
        recorder,
        /** Middleware around the authorization endpoint: successes, interruptions and blocks. */
        outcomes: signInOutcomes({ provider, engine, log: signIns, logger }),
        /** The mfa prompt's pages. */
        step: accessStep({
          provider,
          blocked: blockedPage({ provider, users, renderer }),
          mfa: mfaStep({ provider, mfa, users, engine, renderer, signIns: recorder }),
          terms: termsStep({ provider, terms: config.termsOfUse, acceptances: terms, renderer }),
        }),
      };
    },
  };
}
