import type { Adapter } from 'oidc-provider';
import type { MfaMethod } from '../audit/sign-in-log.js';
import type { AuthMethod } from '../strengths/authentication-methods.js';

/**
 * What Foyer knows about how a browser session signed in, beyond oidc-provider's amr/acr: the
 * upstream identity provider and the MFA method. Policies with identity provider conditions need
 * it again when the session signs in to a second app (SSO), long after the login interaction is
 * gone, so it is kept per session uid (stable for the session's life) in oidc-provider's store.
 */
export interface SignInFacts {
  accountId: string;
  identityProvider?: string;
  mfaMethod?: MfaMethod;
  /** Every method the session used (src/strengths/), for authentication strengths; absent for sessions from before they were recorded. */
  methods?: AuthMethod[];
}

/** The key login results carry these facts under (see signInFacts). */
export const FACTS_RESULT_KEY = 'foyerSignIn';

/**
 * Added to an interaction's login result by the step that signs the user in, e.g.
 * `{ login: {…}, ...signInFacts('partner') }`; saved for the session when the login is resumed.
 */
export function signInFacts(identityProvider: string | undefined, mfaMethod: MfaMethod | undefined, methods: AuthMethod[]): Record<typeof FACTS_RESULT_KEY, Omit<SignInFacts, 'accountId'>> {
  return { [FACTS_RESULT_KEY]: { ...(identityProvider ? { identityProvider } : {}), ...(mfaMethod ? { mfaMethod } : {}), methods } };
}

const SESSION_TTL_SECONDS = 14 * 24 * 3600;

/** The oidc-provider adapter model the facts are kept under. */
export const SIGN_IN_FACTS_MODEL = 'FoyerSignInFacts';

export class SignInFactsStore {
  constructor(private readonly adapter: Adapter) {}

  async save(sessionUid: string, facts: SignInFacts): Promise<void> {
    await this.adapter.upsert(sessionUid, { ...facts }, SESSION_TTL_SECONDS);
  }

  async find(sessionUid: string): Promise<SignInFacts | undefined> {
    const found = (await this.adapter.find(sessionUid)) as SignInFacts | undefined;
    return found?.accountId ? found : undefined;
  }
}
