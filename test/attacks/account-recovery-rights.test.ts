/**
 * The one rule every caller of the invitation service meets (recoveryRight in inviter.ts), as a
 * table: who may reset a guest's redemption, and who may also move it to another address. The
 * attack suites next to this file show each row against a real Foyer.
 */
import { describe, expect, it } from 'vitest';
import { recoveryRight, type Inviter, type RecoveryRight } from '../../src/invitations/inviter.js';

const user = (roles: ('admin' | 'guestInviter')[], scopes: string[], extra: Partial<Extract<Inviter, { type: 'user' }>> = {}): Inviter => ({
  type: 'user', id: 'u', displayName: 'U', userType: 'Member', roles, scopes: new Set(scopes), ...extra,
});
const app = (permissions: string[] | undefined): Inviter => ({ type: 'app', id: 'a', displayName: 'A', ...(permissions ? { permissions: new Set(permissions) } : {}) });
const ALL = ['User.Invite.All', 'User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'AuditLog.Read.All'];

describe('who may reset redemption', () => {
  const cases: [string, Inviter, RecoveryRight][] = [
    ['the CLI', { type: 'cli', displayName: 'An administrator' }, 'anyAddress'],
    ['an admin whose token carries User.ReadWrite.All', user(['admin'], ['User.Invite.All', 'User.ReadWrite.All']), 'anyAddress'],
    ['an admin whose token carries only User.Invite.All', user(['admin'], ['User.Invite.All']), 'none'],
    ['an admin built without scopes', { type: 'user', id: 'u', displayName: 'U', userType: 'Member', roles: ['admin'] }, 'none'],
    ['an admin acting as an owner (delegated management)', user(['admin'], ALL, { ownsTarget: true }), 'none'],
    ['a guest inviter with every scope', user(['guestInviter'], ALL), 'none'],
    ['a member with every scope', user([], ALL), 'none'],
    ['a guest with the admin role but no User.ReadWrite.All scope', user(['admin'], ['User.Read.All'], { userType: 'Guest' }), 'none'],
    ['an app with User.ReadWrite.All', app(['User.Invite.All', 'User.ReadWrite.All']), 'sameAddress'],
    ['an app with User.Invite.All and User.Read.All', app(['User.Invite.All', 'User.Read.All']), 'none'],
    ['an app with every other permission', app(ALL.filter((p) => p !== 'User.ReadWrite.All')), 'none'],
    ['an app built without permissions', app(undefined), 'none'],
  ];
  it.each(cases)('%s', (_who, inviter, expected) => {
    expect(recoveryRight(inviter)).toBe(expected);
  });
});
