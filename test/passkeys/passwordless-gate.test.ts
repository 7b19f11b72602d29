/**
 * Who may sign in with a passkey alone. The Chromium tests (passkey-mfa.test.ts) drive the ceremony;
 * this is the rule behind it, with the host's IdP switching local sign-in off: a member cut off
 * there must not keep signing in with a passkey added earlier, while a break-glass admin keeps it.
 */
import { describe, expect, it } from 'vitest';
import type { User } from '../../src/directory/user-model.js';
import { MemberIdentity } from '../../src/interaction/member-identity.js';
import { mayUsePasswordless } from '../../src/passkeys/passwordless-login.js';

const user = (over: Partial<User>): User => ({
  id: 'u1',
  userType: 'Member',
  mail: 'mia@contoso.example',
  displayName: 'Mia',
  accountEnabled: true,
  externalUserState: null,
  externalUserStateChangeDateTime: null,
  roles: [],
  createdBy: null,
  provisionedByPartner: null,
  createdDateTime: '2026-12-01T00:00:00.000Z',
  lastSignInDateTime: null,
  hasPassword: false,
  preferredLanguage: null,
  accessExpiresAt: null,
  ...over,
});

const at = new Date('2026-12-07T12:00:00.000Z');
/** The rule at a fixed instant (the shared clock's now). */
const may = (u: User, localSignInAllowed?: (email: string) => boolean) => mayUsePasswordless(u, at, localSignInAllowed);

const members = (localPasswords: boolean) =>
  new MemberIdentity({ idp: 'workforce', provisioning: 'justInTime', groupsClaim: 'groups', groupMapping: {}, roleMapping: {}, localPasswords, breakGlassAdmins: ['root@contoso.example'] }, ['contoso.example']);

describe('who may sign in with a passkey alone', () => {
  it('an enabled member, where nothing switches local sign-in off', () => {
    expect(may(user({}))).toBe(true);
    expect(may(user({}), (email) => members(true).passwordAllowed(email))).toBe(true);
  });

  it('never a guest, a disabled member, or a guest made from an invitation', () => {
    expect(may(user({ userType: 'Guest' }))).toBe(false);
    expect(may(user({ accountEnabled: false }))).toBe(false);
    expect(may(user({ externalUserState: 'Accepted' }))).toBe(false);
  });

  it('not once the access end has passed (from its instant, before any sweep disables the account)', () => {
    expect(may(user({ accessExpiresAt: '2026-12-07T11:59:59.000Z' }))).toBe(false);
    expect(may(user({ accessExpiresAt: '2026-12-07T12:00:00.000Z' }))).toBe(false);
    expect(may(user({ accessExpiresAt: 'not a date' }))).toBe(false);
    expect(may(user({ accessExpiresAt: '2026-12-07T12:00:01.000Z' }))).toBe(true);
  });

  it('with local passwords off at the host IdP: only the break-glass admins', () => {
    const allowed = (email: string) => members(false).passwordAllowed(email);
    expect(may(user({}), allowed)).toBe(false);
    expect(may(user({ mail: 'root@contoso.example' }), allowed)).toBe(true);
  });
});
