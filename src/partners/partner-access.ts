import type { IdentitiesRepository } from '../directory/identities-repository.js';
import type { User } from '../directory/user-model.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { HttpError } from '../http/http-error.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { admit, type AdmissionDecision, type AdmissionSubject, type RefusalCode } from './admission.js';
import type { AssertionsRepository, Claims } from './assertions-repository.js';
import type { PartnerDirectory, PartnerSettings } from './partner-directory.js';
import { explainRefusal, refusalError, type RefusalNames } from './refusals.js';

/**
 * The partner settings applied at each moment a person comes in, with what Foyer knows then:
 * - an invitation or a redemption link: the invited address and the app it leads to;
 * - a sign-in (redemption included): the upstream identity, before anything is written;
 * - single sign-on and token refresh: the account, its linked identities, the session's IdP and
 *   what the partner's IdP asserted at the last sign-in.
 * Refusals become an HttpError whose message says why and what to do, with a stable code.
 */
export class PartnerAccess {
  private readonly names: RefusalNames;
  private readonly keepsClaims: boolean;

  constructor(
    private readonly deps: {
      directory: PartnerDirectory;
      identities: IdentitiesRepository;
      assertions: AssertionsRepository;
      names: RefusalNames;
    },
  ) {
    this.names = deps.names;
    this.keepsClaims = deps.directory.claimNames().length > 0;
  }

  get directory(): PartnerDirectory {
    return this.deps.directory;
  }

  /** An invitation or its link: the address, and the app it leads to (undefined: My Apps). */
  forAddress(email: string, appId?: string): AdmissionDecision {
    return admit(this.deps.directory, { email, ...(appId && appId !== PORTAL_CLIENT_ID ? { appId } : {}) });
  }

  /** An upstream sign-in for an account (a user, or the one an invitation is for), before it is linked or signed in. */
  async forSignIn(input: { identity: UpstreamIdentity; userId: string; email: string }): Promise<AdmissionDecision> {
    const { identity } = input;
    const linked = [...new Set((await this.deps.identities.listForUser(input.userId)).map((i) => i.idpId))];
    const stored = await this.storedClaims(input.userId, linked.filter((id) => id !== identity.idpId));
    return admit(this.deps.directory, {
      email: input.email,
      otherEmails: identity.email && identity.email.toLowerCase() !== input.email.toLowerCase() ? [identity.email] : [],
      idpId: identity.idpId,
      linkedIdpIds: linked,
      assertions: { ...stored, [identity.idpId]: identity.assertions ?? {} },
    });
  }

  /**
   * An account with a session at an app (single sign-on), or redeeming a code or refresh token for
   * it. `sessionIdp` is the IdP the session signed in with, when known. Members are not anyone's guests.
   */
  async forAccount(input: { user: User; appId?: string; sessionIdp?: string }): Promise<AdmissionDecision | undefined> {
    if (!isExternal(input.user) || !this.deps.directory.restrictsAnything) return undefined;
    return this.decideAccount(input);
  }

  /** The same decision, taken even when nothing restricts anyone (what-if shows which settings applied). */
  async decideAccount(input: { user: User; appId?: string; sessionIdp?: string }): Promise<AdmissionDecision> {
    const { user } = input;
    const linked = [...new Set((await this.deps.identities.listForUser(user.id)).map((i) => i.idpId))];
    const subject: AdmissionSubject = {
      email: user.mail,
      linkedIdpIds: linked,
      assertions: await this.storedClaims(user.id, linked),
      ...(input.sessionIdp ? { idpId: input.sessionIdp } : {}),
      ...(input.appId ? { appId: input.appId } : {}),
    };
    return admit(this.deps.directory, subject);
  }

  /** The partner ids a user belongs to (by address and linked IdPs), for conditional access's externalTenants. */
  async homeTenants(user: User): Promise<string[]> {
    if (!isExternal(user)) return [];
    const ids = new Set<string>();
    const byMail = this.deps.directory.byEmail(user.mail);
    if (byMail) ids.add(byMail.id!);
    for (const identity of await this.deps.identities.listForUser(user.id)) {
      const partner = this.deps.directory.byIdp(identity.idpId);
      if (partner) ids.add(partner.id!);
    }
    return [...ids];
  }

  /** The organisation a sign-in is attributed to in the log: the IdP's partner, else the address's. */
  homeTenantOf(entry: { userPrincipalName?: string | null; identityProvider?: string | null; userType?: string | null }): { id: string; name: string } | undefined {
    if (entry.userType === 'Member') return undefined;
    const partner = this.deps.directory.byIdp(entry.identityProvider ?? undefined) ?? this.deps.directory.byEmail(entry.userPrincipalName ?? undefined);
    return partner ? { id: partner.id!, name: partner.displayName } : undefined;
  }

  /** Keeps the claims partner rules read, as the partner's IdP just asserted them (an absent group replaces an old one). */
  async remember(userId: string, identity: UpstreamIdentity): Promise<void> {
    const partner = this.deps.directory.byIdp(identity.idpId);
    const names = (partner?.usersAndGroups.targets ?? []).filter((t) => t.targetType === 'group').map((t) => t.claim!);
    // Only what this partner's rules read, and only for a partner whose rules read any.
    if (names.length === 0) return;
    const kept: Claims = Object.fromEntries(Object.entries(identity.assertions ?? {}).filter(([name]) => names.includes(name)));
    await this.deps.assertions.save(userId, identity.idpId, kept);
  }

  /** The refusal as the error a page or API answer shows, or undefined when admitted. */
  refusal(decision: AdmissionDecision | undefined, appId?: string): HttpError | undefined {
    return refusalError(decision, this.names, appId);
  }

  /** What a refused person reads: why, and what they can do about it. */
  explain(code: RefusalCode, partner: PartnerSettings, appId?: string): string {
    return explainRefusal(code, partner, this.names, appId);
  }

  private async storedClaims(userId: string, idpIds: string[]): Promise<Record<string, Claims>> {
    return this.keepsClaims ? this.deps.assertions.forUser(userId, idpIds) : {};
  }
}

/** A guest, or someone invited as a member (B2B collaboration member): the people partner settings are about. */
export function isExternal(user: Pick<User, 'userType' | 'externalUserState'>): boolean {
  return user.userType === 'Guest' || user.externalUserState !== null;
}
