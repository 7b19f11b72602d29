/**
 * Conditional access (src/access/): who may reach which app and with what proof. It owns the
 * policy engine, the MFA and terms-of-use steps (the `mfa` prompt), the app-assignment prompt, and
 * the sign-in log. Two phases, as oidc-provider's policy is fixed when it is built: the prompts it
 * contributes first, then, with the provider, the pages and the logging around the protocol.
 */
import type Provider from 'oidc-provider';
import { SignInLog, type HomeTenantOf } from '../audit/sign-in-log.js';
import type { User } from '../directory/user-model.js';
import type { Feature } from '../core/feature.js';
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import { GroupsRepository } from '../directory/groups-repository.js';
import { createThrottle } from '../http/throttle.js';
import { resolveMfaKey } from '../mfa/mfa-key.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import { MfaService } from '../mfa/mfa-service.js';
import { mfaStep } from '../mfa/mfa-step.js';
import { AccessEngine } from './access-engine.js';
import { accessInteractionPolicy } from './access-prompt.js';
import { accessStep } from './access-step.js';
import type { AssignmentGate } from './assignment-gate.js';
import { assignmentPage } from './assignment-page.js';
import { assignmentPrompt } from './assignment-prompt.js';
import { blockedPage } from './blocked-page.js';
import { SIGN_IN_FACTS_MODEL, SignInFactsStore } from './sign-in-facts.js';
import { signInOutcomes } from './sign-in-outcomes.js';
import { SignInRecorder } from './sign-in-recorder.js';
import { termsStep } from './terms-step.js';
import { TermsRepository } from './terms-repository.js';
import { StrengthCatalog } from '../strengths/strength-catalog.js';

export function wireConditionalAccess(
  shared: SharedServices,
  deps: {
    gate: AssignmentGate;
    /** Partner organisations (src/partners/): whose guest a user is, for policies and the sign-in log. */
    partners?: { homeTenants: (user: User) => Promise<string[]>; homeTenantOf: HomeTenantOf };
    /** Passkeys (src/passkeys/), a second factor besides TOTP. */
    passkeys?: PasskeyService;
  },
) {
  const { config, db, users, renderer, logger } = shared;
  const key = resolveMfaKey({ encryptionKey: config.mfa.encryptionKey, databaseUrl: config.storage.databaseUrl });
  if (key?.source === 'file') logger.info({ file: key.file }, 'TOTP secrets are sealed with the key in this file (generated on first start; back it up with the database, or set mfa.encryptionKey)');
  // Config validation already refuses enforced MFA policies without a key on PostgreSQL; apps can still ask with acr_values.
  if (!key) logger.info('MFA is unavailable until mfa.encryptionKey (FOYER_MFA_KEY) is set: required with PostgreSQL');

  const signIns = new SignInLog(db, deps.partners?.homeTenantOf, shared.securityEvents);
  const terms = new TermsRepository(db);
  const strengths = new StrengthCatalog(config.authenticationStrengths);
  const engine = new AccessEngine({
    strengths,
    settings: { policies: config.conditionalAccess, namedLocations: config.namedLocations, termsOfUse: config.termsOfUse },
    users,
    groups: new GroupsRepository(db),
    terms,
    facts: new SignInFactsStore(shared.adapters(SIGN_IN_FACTS_MODEL)),
    homeTenants: deps.partners?.homeTenants,
  });
  const mfa = new MfaService({
    db,
    key: key?.key,
    throttle: createThrottle({ name: 'mfa-user', points: config.mfa.maxAttempts, durationSeconds: config.mfa.lockoutSeconds }, shared.redis),
    issuer: config.mfa.issuer ?? config.tenant.displayName,
  });

  return {
    engine,
    mfa,
    signIns,
    /** The app-assignment gate right after login, then the mfa prompt and its login checks. */
    providerParts: { gatePrompts: [assignmentPrompt(deps.gate)], extendPolicy: accessInteractionPolicy(engine) } satisfies ProviderParts,
    withProvider(provider: Provider) {
      const recorder = new SignInRecorder({ provider, log: signIns, users, logger });
      return {
        /** Successes, interruptions and blocks are logged around the authorization endpoint. */
        feature: { middleware: [signInOutcomes({ provider, engine, log: signIns, logger })] } satisfies Feature,
        /** Failed steps inside interactions (passwords, upstream errors, MFA codes). */
        recorder,
        /** The page for the `assignment` prompt: the app requires assignment and this user has none. */
        notAssigned: assignmentPage({ gate: deps.gate, users, audit: shared.audit, renderer }),
        /** The mfa prompt's pages. */
        step: accessStep({
          provider,
          blocked: blockedPage({ provider, users, renderer }),
          mfa: mfaStep({ provider, mfa, users, engine, renderer, signIns: recorder, passkeys: deps.passkeys, strengths, audit: shared.audit }),
          terms: termsStep({ provider, terms: config.termsOfUse, acceptances: terms, renderer }),
        }),
      };
    },
  };
}
