import type { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { Database } from '../db/connect.js';
import type { AppAssignmentService } from '../directory/app-assignment-service.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { Group, GroupsRepository } from '../directory/groups-repository.js';
import type { Ownership } from '../directory/ownership.js';
import type { Actor } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import type { Inviter } from '../invitations/inviter.js';
import { summarizeGuests, type GuestSummary } from './guest-summary.js';

/** Something an owner manages: one of their apps, or one of their groups. */
export type ManagedTarget = { kind: 'app'; id: string; name: string; app: AppConfig } | { kind: 'group'; id: string; name: string; group: Group };

export interface OwnerInvite {
  email: string;
  displayName?: string;
  message?: string;
}

export interface DelegatedGuestsDeps {
  db: Database;
  ownership: Ownership;
  apps: AppConfig[];
  assignments: AssignmentsRepository;
  appAssignments: AppAssignmentService;
  groups: GroupsRepository;
  users: UsersRepository;
  invitations: InvitationService;
  audit: AuditLog;
  /** Where a guest invited into a group lands: My Apps, which lists the group's apps. */
  myAppsUrl: string;
}

/**
 * Entra's self-service management for owners: an app's or group's owners invite guests straight
 * into it and look after the guests they brought in (resend, revoke, remove), and nothing else.
 * Every method takes the owner and checks ownership itself, so no route can forget to.
 */
export class DelegatedGuests {
  constructor(private readonly deps: DelegatedGuestsDeps) {}

  async targetsOwnedBy(owner: User): Promise<ManagedTarget[]> {
    const apps = this.deps.ownership.appsOwnedBy(owner).map((app): ManagedTarget => ({ kind: 'app', id: app.id, name: app.displayName, app }));
    const groups = (await this.deps.ownership.groupsOwnedBy(owner)).map((group): ManagedTarget => ({ kind: 'group', id: group.id, name: group.displayName, group }));
    return [...apps, ...groups];
  }

  /** The target if this user owns it; 404 when it does not exist, 403 when it is someone else's. */
  async requireTarget(owner: User, kind: 'app' | 'group', id: string): Promise<ManagedTarget> {
    if (kind === 'app') {
      const app = this.deps.apps.find((a) => a.id === id);
      if (!app) throw new HttpError(404, 'appNotFound', 'There is no such app.');
      if (!this.deps.ownership.ownsApp(owner, app.id)) throw notOwner(app.displayName);
      return { kind, id: app.id, name: app.displayName, app };
    }
    const group = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.groups.findById(id) : undefined;
    if (!group) throw new HttpError(404, 'groupNotFound', 'There is no such group.');
    if (!(await this.deps.ownership.ownsGroup(owner, group.id))) throw notOwner(group.displayName);
    return { kind, id: group.id, name: group.displayName, group };
  }

  /** The guests who have access through this target: assigned to the app directly, or members of the group. */
  async guestsOf(target: ManagedTarget): Promise<GuestSummary[]> {
    return summarizeGuests(this.deps.db, (await this.principalsOf(target)).filter((u) => u.userType === 'Guest'), this.deps.users.clock.now());
  }

  /**
   * Invites a guest into the target: the invitation (mailed, redirecting to the app's launch URL
   * or, for a group, to My Apps) and the assignment or membership are one transaction. A member of
   * the organisation needs no invitation and is simply given access.
   */
  async invite(target: ManagedTarget, owner: User, input: OwnerInvite, correlationId?: string): Promise<{ kind: 'invited' | 'added' }> {
    const existing = await this.deps.users.findByEmail(input.email);
    if (existing && existing.userType === 'Member') {
      await this.deps.db.transaction((trx) => this.grant(target, existing, owner, trx, correlationId));
      return { kind: 'added' };
    }
    const redirect = target.kind === 'app' ? target.app.launchUrl : this.deps.myAppsUrl;
    if (!redirect) throw new HttpError(400, 'appHasNoLaunchUrl', `${target.name} has no launch URL to send guests to. Ask an administrator to set one.`);
    await this.deps.invitations.create(
      {
        invitedUserEmailAddress: input.email,
        inviteRedirectUrl: redirect,
        invitedUserDisplayName: input.displayName,
        sendInvitationMessage: true,
        invitedUserMessageInfo: input.message ? { customizedMessageBody: input.message } : undefined,
        invitedUserType: 'Guest',
        resetRedemption: false,
        sendAgain: false,
      },
      inviterOf(owner),
      correlationId,
      (user, trx) => this.grant(target, user, owner, trx, correlationId),
    );
    return { kind: 'invited' };
  }

  async resend(target: ManagedTarget, owner: User, guestId: string, correlationId?: string): Promise<void> {
    const guest = await this.requireGuest(target, guestId);
    if (!guest.pendingInvitationId) throw noOpenInvitation();
    await this.deps.invitations.resend(guest.pendingInvitationId, inviterOf(owner), correlationId);
  }

  async revoke(target: ManagedTarget, owner: User, guestId: string, correlationId?: string): Promise<void> {
    const guest = await this.requireGuest(target, guestId);
    if (!guest.pendingInvitationId) throw noOpenInvitation();
    await this.deps.invitations.revoke(guest.pendingInvitationId, inviterOf(owner), correlationId);
  }

  /** Takes the guest's access through this target away (the guest stays in the directory). */
  async remove(target: ManagedTarget, owner: User, guestId: string, correlationId?: string): Promise<void> {
    const guest = await this.requireGuest(target, guestId);
    const actor: Actor = { type: 'user', id: owner.id };
    if (target.kind === 'app') {
      // Every direct assignment: plain access and each app role.
      const own = (await this.deps.assignments.listForPrincipal('User', guest.user.id)).filter((a) => a.appId === target.id);
      for (const assignment of own) await this.deps.appAssignments.unassign(assignment.id, { appId: target.id }, actor, correlationId);
      return;
    }
    await this.deps.db.transaction(async (trx) => {
      await this.deps.groups.removeLink('members', target.id, guest.user.id, trx);
      await this.deps.audit.record(
        { category: 'GroupManagement', activity: 'Remove member from group', result: 'success', actor, target: { type: 'Group', id: target.id }, details: { userId: guest.user.id, asOwner: true }, correlationId },
        trx,
      );
    });
  }

  /** The app roles each guest of an app holds directly (values by user id); empty for a group or an app without roles. */
  async rolesOf(target: ManagedTarget): Promise<Map<string, string[]>> {
    const roles = new Map<string, string[]>();
    if (target.kind !== 'app' || target.app.appRoles.length === 0) return roles;
    const values = new Map(target.app.appRoles.map((r) => [r.id.toLowerCase(), r.value]));
    for (const a of await this.deps.assignments.listForApp(target.id)) {
      const value = a.principalType === 'User' ? values.get(a.appRoleId.toLowerCase()) : undefined;
      if (value) roles.set(a.principalId, [...(roles.get(a.principalId) ?? []), value].sort());
    }
    return roles;
  }

  /**
   * Gives a guest of an app one of its roles, or takes it away (Entra lets an app's owners assign
   * its roles). Only guests who have access through the app, only the app's own roles.
   */
  async setRole(target: ManagedTarget, owner: User, guestId: string, roleId: string, give: boolean, correlationId?: string): Promise<void> {
    if (target.kind !== 'app') throw new HttpError(404, 'notFound', 'Groups have no roles; app roles belong to apps.');
    const guest = await this.requireGuest(target, guestId);
    const role = this.deps.appAssignments.requireRole(target.app, roleId);
    if (!role) throw new HttpError(400, 'invalidAppRoleId', `Choose one of ${target.name}'s roles.`);
    const actor: Actor = { type: 'user', id: owner.id };
    const existing = await this.deps.assignments.find(target.id, 'User', guest.user.id, undefined, role.id);
    if (give && !existing) await this.deps.appAssignments.assign(target.id, { type: 'User', id: guest.user.id }, actor, correlationId, undefined, { appRoleId: role.id });
    if (!give && existing) await this.deps.appAssignments.unassign(existing.id, { appId: target.id }, actor, correlationId);
  }

  private async principalsOf(target: ManagedTarget): Promise<User[]> {
    if (target.kind === 'group') return this.deps.groups.listLinked('members', target.id);
    // A user holding several roles has several assignments; list them once.
    const assigned = [...new Map((await this.deps.assignments.listForApp(target.id)).filter((a) => a.principalType === 'User').map((a) => [a.principalId, a])).values()];
    const users = await Promise.all(assigned.map((a) => this.deps.users.findById(a.principalId)));
    return users.filter((u): u is User => Boolean(u));
  }

  /** A guest who has access through this target; anyone else is not the owner's to manage. */
  private async requireGuest(target: ManagedTarget, guestId: string): Promise<GuestSummary> {
    const guest = (await this.guestsOf(target)).find((g) => g.user.id === guestId);
    if (!guest) throw new HttpError(404, 'guestNotFound', `That guest has no access through ${target.name}.`);
    return guest;
  }

  /** Gives the user access through the target, unless they already have it. */
  private async grant(target: ManagedTarget, user: User, owner: User, trx: Database, correlationId?: string): Promise<void> {
    const actor: Actor = { type: 'user', id: owner.id };
    if (target.kind === 'app') {
      if (await this.deps.assignments.find(target.id, 'User', user.id, trx)) return;
      await this.deps.appAssignments.assign(target.id, { type: 'User', id: user.id }, actor, correlationId, trx);
      return;
    }
    if (!(await this.deps.groups.addLink('members', target.id, user.id, trx))) return;
    await this.deps.audit.record(
      { category: 'GroupManagement', activity: 'Add member to group', result: 'success', actor, target: { type: 'Group', id: target.id }, details: { userId: user.id, asOwner: true }, correlationId },
      trx,
    );
  }
}

/** An owner invites with the owner's standing (Inviter.ownsTarget), whatever allowInvitesFrom says of plain users. */
function inviterOf(owner: User): Inviter {
  return { type: 'user', id: owner.id, displayName: owner.displayName, userType: owner.userType, roles: owner.roles, ownsTarget: true };
}

const notOwner = (name: string) => new HttpError(403, 'notAnOwner', `You are not an owner of ${name}, so you cannot manage its guests.`);
const noOpenInvitation = () => new HttpError(409, 'invitationNotPending', 'This guest has no open invitation. Invite them again instead.');
