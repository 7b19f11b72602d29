import type { FoyerConfig } from '../config/schema.js';
import { LOCAL_IDP_ID } from '../config/policies-schema.js';
import type { Database } from '../db/connect.js';
import { GroupsRepository } from '../directory/groups-repository.js';
import { IdentitiesRepository } from '../directory/identities-repository.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import type { AdmissionDecision } from '../partners/admission.js';
import { AssertionsRepository } from '../partners/assertions-repository.js';
import { MfaTrust, type EffectiveTrust } from '../partners/mfa-trust.js';
import { isExternal, PartnerAccess } from '../partners/partner-access.js';
import { PartnerDirectory } from '../partners/partner-directory.js';
import { refusalNames } from '../partners/refusals.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { createAdapterFactory } from '../provider/adapters/index.js';
import { AccessEngine } from './access-engine.js';
import type { AuthMethod } from '../strengths/authentication-methods.js';
import { StrengthCatalog } from '../strengths/strength-catalog.js';
import type { AccessDecision } from './evaluate.js';
import { parseIp } from './ip-ranges.js';
import { SIGN_IN_FACTS_MODEL, SignInFactsStore } from './sign-in-facts.js';
import { TermsRepository } from './terms-repository.js';

export interface WhatIfInput {
  user: User;
  appId: string;
  ipAddress?: string;
  identityProvider?: string;
  /** As if the session had already done MFA. */
  mfa: boolean;
  /** The methods the imagined session used (src/strengths/), for authentication strengths. */
  methods?: readonly AuthMethod[];
}

export interface WhatIfAnswer {
  /** The partner settings checked before conditional access (undefined for members). */
  partner?: AdmissionDecision;
  /** Whether MFA done at the chosen IdP counts. */
  trust?: EffectiveTrust;
  decision: AccessDecision;
}

/**
 * What-if for conditional access (`npx foyer policy what-if` and the console's what-if page):
 * the partner settings and the policy engine the sign-in uses, evaluated for a sign-in that does
 * not happen. Reads only; nothing is written.
 */
export class WhatIf {
  private readonly engine: AccessEngine;
  private readonly partners: PartnerAccess;
  /** Apps one may ask about: the configured ones and My Apps, by id with their names. */
  readonly apps: Map<string, string>;
  /** Identity provider ids one may name: the configured ones, the email passcode and passwords. */
  readonly identityProviders: string[];

  constructor(
    private readonly config: FoyerConfig,
    db: Database,
    users: UsersRepository,
  ) {
    this.partners = new PartnerAccess({ directory: new PartnerDirectory(config), identities: new IdentitiesRepository(db), assertions: new AssertionsRepository(db), names: refusalNames(config) });
    this.engine = new AccessEngine({
      strengths: new StrengthCatalog(config.authenticationStrengths),
      settings: { policies: config.conditionalAccess, namedLocations: config.namedLocations, termsOfUse: config.termsOfUse },
      users,
      groups: new GroupsRepository(db),
      terms: new TermsRepository(db),
      // What-if never reads a session's facts; the engine only needs the store to exist.
      facts: new SignInFactsStore(createAdapterFactory({ db })(SIGN_IN_FACTS_MODEL)),
      homeTenants: (user) => this.partners.homeTenants(user),
    });
    this.apps = new Map<string, string>([...config.apps.map((a) => [a.id, a.displayName] as [string, string]), [PORTAL_CLIENT_ID, 'My Apps']]);
    this.identityProviders = [...config.identityProviders.map((i) => i.id), PASSCODE_IDP, LOCAL_IDP_ID];
  }

  /** The partner settings (what-if turns a home IdP's assertion into methods with them). */
  get partnerDirectory(): PartnerDirectory {
    return this.partners.directory;
  }

  /** Checks the app, IP and IdP (a 400 that names what is known) before anything is evaluated. */
  check(input: Omit<WhatIfInput, 'user' | 'mfa'>): void {
    if (!this.apps.has(input.appId)) throw new HttpError(400, 'unknownApp', `No app has the id "${input.appId}" (apps: ${[...this.apps.keys()].join(', ')}).`);
    if (input.ipAddress !== undefined && !parseIp(input.ipAddress)) throw new HttpError(400, 'invalidIpAddress', `"${input.ipAddress}" is not an IPv4 or IPv6 address.`);
    if (input.identityProvider !== undefined && !this.identityProviders.includes(input.identityProvider)) {
      throw new HttpError(400, 'unknownIdentityProvider', `"${input.identityProvider}" is not an identity provider here (known: ${this.identityProviders.join(', ')}).`);
    }
  }

  async evaluate(input: WhatIfInput): Promise<WhatIfAnswer> {
    this.check(input);
    const { decision } = await this.engine.evaluateFor({ user: input.user, appId: input.appId, identityProvider: input.identityProvider, ipAddress: input.ipAddress, mfa: input.mfa, methods: input.methods });
    const partner = isExternal(input.user) ? await this.partners.decideAccount({ user: input.user, appId: input.appId, sessionIdp: input.identityProvider }) : undefined;
    const idp = input.identityProvider;
    const trust = idp && idp !== LOCAL_IDP_ID && idp !== PASSCODE_IDP ? new MfaTrust(this.partners.directory, this.config.identityProviders).forIdp(idp) : undefined;
    return { partner, trust, decision };
  }
}

/** The decision in one line ("REQUIRE MFA", "BLOCK (by …)"), in English for the CLI (the console says it in its reader’s language: console/policy-reason-text.ts). */
export function describeDecision(d: AccessDecision): string {
  const frequency = d.signInFrequencySeconds ? `; sign in again after ${d.signInFrequencySeconds % 86_400 === 0 ? `${d.signInFrequencySeconds / 86_400} day(s)` : `${d.signInFrequencySeconds / 3600} hour(s)`}` : '';
  if (d.result === 'block') return `BLOCK (by ${d.trace.filter((t) => t.applied && !t.reportOnly && t.unmet.includes('block')).map((t) => t.id).join(', ')})${frequency}`;
  if (d.result === 'allow') return `ALLOW${frequency}`;
  const needs = [...(d.required.mfa ? ['MFA'] : []), ...d.required.authenticationStrengths.map((s) => `authentication strength "${s}"`), ...d.required.termsOfUse.map((t) => `terms of use "${t}"`)];
  return `REQUIRE ${needs.join(' and ')}${frequency}`;
}
