import type { AuditLog } from '../audit/audit-log.js';
import type { TenantConfig } from '../config/tenant-schema.js';
import type { Database } from '../db/connect.js';
import { GroupsRepository } from '../directory/groups-repository.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import { normalizeEmail, type User, type UserRole } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { EmailAuthority } from '../federation/email-authority.js';
import { provenEmail } from '../federation/email-authority.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { HttpError } from '../http/http-error.js';
import { writeUsers } from '../directory/user-writes.js';

type MemberIdpConfig = NonNullable<TenantConfig['memberIdentityProvider']>;

/**
 * Members through the host's own IdP (tenant.memberIdentityProvider): which addresses keep a
 * local password (break-glass admins), who an answer of that IdP is (an existing member, linked;
 * or a new one, just in time), and the groups and roles its claim maps to. Only an address the IdP
 * proves (email-authority.ts: it lists the member domains) at a member domain counts.
 */
export class MemberIdentity {
  readonly idpId: string;
  private readonly breakGlass: Set<string>;

  constructor(
    private readonly settings: MemberIdpConfig,
    private readonly memberDomains: string[],
  ) {
    this.idpId = settings.idp;
    this.breakGlass = new Set(settings.breakGlassAdmins.map(normalizeEmail));
  }

  static from(tenant: TenantConfig): MemberIdentity | undefined {
    return tenant.memberIdentityProvider ? new MemberIdentity(tenant.memberIdentityProvider, tenant.memberDomains) : undefined;
  }

  isBreakGlass(email: string): boolean {
    return this.breakGlass.has(normalizeEmail(email));
  }

  /** Whether a local password may be used (or reset) for this address. */
  passwordAllowed(email: string): boolean {
    return this.settings.localPasswords || this.isBreakGlass(email);
  }

  get claim(): string {
    return this.settings.groupsClaim;
  }

  /**
   * The member an answer of the members' IdP signs in as: found by its proven address (linked on
   * first use), or created now (justInTime). A guest with that address is never made a member.
   */
  async resolve(identity: UpstreamIdentity, idp: EmailAuthority | undefined, deps: { users: UsersRepository }): Promise<{ user?: User; create?: { mail: string; displayName?: string } }> {
    const proven = provenEmail(idp, identity);
    const domain = proven?.slice(proven.lastIndexOf('@') + 1);
    if (!proven || !domain || !this.memberDomains.includes(domain)) {
      throw new HttpError(403, 'memberAddressNotProven', "Your organisation's sign-in did not vouch for an address of this organisation. Ask your administrator.");
    }
    const user = await deps.users.findByEmail(proven);
    if (user && user.userType !== 'Member') throw new HttpError(403, 'notAMember', 'This address belongs to a guest here, not a member. Ask your administrator.');
    if (user) return { user };
    if (this.settings.provisioning === 'linkOnly') {
      throw new HttpError(403, 'memberNotProvisioned', 'You have no account here yet. Your administrator creates accounts before you can sign in.');
    }
    return { create: { mail: identity.email ?? proven, displayName: identity.name } };
  }

  /** Creates the member, links the identity, and audits it: one transaction. */
  async createMember(input: { mail: string; displayName?: string }, identity: UpstreamIdentity, deps: { db: Database; users: UsersRepository; identities: IdentitiesRepository; audit: AuditLog }, correlationId?: string): Promise<User> {
    return deps.db.transaction(async (trx) => {
      const user = await deps.users.create({ mail: input.mail, displayName: input.displayName, userType: 'Member', createdBy: `idp:${identity.idpId}` }, trx);
      await deps.identities.link(user.id, identity, trx);
      await deps.audit.record({ category: 'UserManagement', activity: 'Add user', result: 'success', actor: { type: 'system' }, target: { type: 'User', id: user.id }, details: { userType: 'Member', by: 'just-in-time from the members’ IdP', idp: identity.idpId }, correlationId }, trx);
      return user;
    });
  }

  /** Membership of the mapped groups and the mapped roles follow the claim; the rest stays as it is. */
  async applyClaims(user: User, identity: UpstreamIdentity, deps: { db: Database }): Promise<void> {
    const asserted = new Set(identity.assertions?.[this.settings.groupsClaim] ?? []);
    const groups = new GroupsRepository(deps.db);
    await deps.db.transaction(async (trx) => {
      for (const [value, displayName] of Object.entries(this.settings.groupMapping)) {
        const existing = await groups.findByDisplayName(displayName, trx);
        const group = existing[0] ?? (asserted.has(value) ? await groups.create({ displayName }, trx) : undefined);
        if (!group) continue;
        if (asserted.has(value)) await groups.addLink('members', group.id, user.id, trx);
        else await groups.removeLink('members', group.id, user.id, trx);
      }
      const mapped = new Set<UserRole>(Object.values(this.settings.roleMapping));
      if (mapped.size) {
        const granted = new Set(Object.entries(this.settings.roleMapping).filter(([value]) => asserted.has(value)).map(([, role]) => role));
        const roles: UserRole[] = [...user.roles.filter((r) => !mapped.has(r)), ...granted];
        await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update({ roles: JSON.stringify([...new Set(roles)]) }));
      }
    });
  }
}
