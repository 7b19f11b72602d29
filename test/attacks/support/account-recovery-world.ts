/**
 * The account-recovery attacks' world: a real Foyer and the partner's real oidc-provider
 * (startGuestWorld), apps with each permission set an attacker might hold, members with each role,
 * and victims: guests invited by the sign-up portal, redeemed through the partner IdP, in a group,
 * assigned to the web app, with an authenticator app and a refresh token.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import * as client from 'openid-client';
import { expect } from 'vitest';
import { ACCOUNT_INDEX_PREFIX } from '../../../src/directory/account-sessions.js';
import { createThrottle } from '../../../src/http/throttle.js';
import { DEFAULT_REDIS_PREFIX } from '../../../src/provider/adapters/redis-adapter.js';
import { resolveMfaKey } from '../../../src/mfa/mfa-key.js';
import { MfaService } from '../../../src/mfa/mfa-service.js';
import { userApiToken } from '../../api/directory-world.js';
import { partnerUser, PASSWORD, redeemLink } from '../../portal/portal-helpers.js';
import { api, appToken, type ApiResponse } from '../../support/api-client.js';
import { Browser, headingOf } from '../../support/browserless.js';
import { APP_URL, startGuestWorld, type GuestWorld } from '../../support/guest-world.js';
import { PARTNER_USERS } from '../../support/partner-idp.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../../support/oidc-client.js';
import { daemonApp } from '../../support/world.js';

export { APP_URL, PASSWORD };

/** Apps an attacker might control: invite-only, and one that may also change users. */
export const APPS = { inviteOnly: 'invite-only-app', writer: 'writer-app' } as const;
/** Partner accounts: victims, the attacker's own, and a victim's new address after moving. */
export const LOGINS = ['vic', 'val', 'vera', 'mallory', 'vic.new', 'vera.new'] as const;
export const MEMBERS = { admin: 'admin@contoso.example', inviter: 'inviter@contoso.example', owner: 'owner@contoso.example' };
export const ALL_SCOPES = ['User.Invite.All', 'User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All'];

export interface RecoveryWorld {
  world: GuestWorld;
  issuer: string;
  db: GuestWorld['foyer']['foyer']['db'];
  /** App tokens: the sign-up portal (User.Invite.All + User.Read.All) and APPS. */
  apps: { portal: string; inviteOnly: string; writer: string };
  /** A user token for a member (MEMBERS key) with these scopes. */
  userToken(member: keyof typeof MEMBERS, scopes: string[]): Promise<string>;
  call(token: string, method: string, path: string, body?: unknown): Promise<ApiResponse>;
  mfa: MfaService;
  groupId: string;
  /** The victims asked for at the start, by login (see acceptedGuest). */
  victims: Record<string, Victim>;
  stop(): Promise<void>;
}

/**
 * `storage`: PostgreSQL and/or Redis instead of the SQLite file (PostgreSQL then needs the MFA key
 * in config); `mail`: the mail config instead of the outbox folder; `victims`: logins (LOGINS) made
 * accepted guests at the start.
 */
export async function startRecoveryWorld(opts: { storage?: { databaseUrl: string; redisUrl?: string }; mail?: Record<string, unknown>; victims?: string[] } = {}): Promise<RecoveryWorld> {
  const { storage } = opts;
  const users = { ...PARTNER_USERS, ...Object.fromEntries(LOGINS.map((l) => [l, partnerUser(l)])) };
  const world = await startGuestWorld((config) => {
    const apps = config.apps as Record<string, unknown>[];
    apps[0]!.owners = [MEMBERS.owner];
    apps.push(daemonApp(APPS.inviteOnly, ['User.Invite.All'], 'Invite-only tool'), daemonApp(APPS.writer, ['User.Invite.All', 'User.ReadWrite.All'], 'Provisioning'));
    config.delegatedManagement = { appOwnersCanInvite: true, groupOwnersCanInvite: true };
    // The most open invitation setting: every member may invite, so only the recovery rule stands in the way.
    config.invitations = { allowInvitesFrom: 'everyone' };
    if (opts.mail) config.mail = opts.mail;
    if (storage) {
      config.storage = storage;
      config.mfa = { encryptionKey: randomBytes(32).toString('base64') };
    }
  }, { users });
  try {
    return await withMembersAndVictims(world, opts.victims ?? []);
  } catch (err) {
    await world.stop();
    throw err;
  }
}

async function withMembersAndVictims(world: GuestWorld, victimLogins: string[]): Promise<RecoveryWorld> {
  const { foyer } = world;
  await foyer.createMember(MEMBERS.admin, PASSWORD, { admin: true });
  const inviterId = await foyer.createMember(MEMBERS.inviter, PASSWORD);
  await foyer.foyer.db('users').where({ id: inviterId }).update({ roles: JSON.stringify(['guestInviter']) });
  await foyer.createMember(MEMBERS.owner, PASSWORD);
  const key = resolveMfaKey({ encryptionKey: foyer.foyer.config.mfa.encryptionKey, databaseUrl: foyer.foyer.config.storage.databaseUrl })!.key;
  const mfa = new MfaService({ db: foyer.foyer.db, key, throttle: createThrottle({ name: 'test', points: 5, durationSeconds: 60 }), issuer: 'Contoso Test' });
  const call = (token: string, method: string, path: string, body?: unknown) => api(foyer.issuer, token, method, path, body);
  const userToken = async (member: keyof typeof MEMBERS, scopes: string[]) => (await userApiToken(foyer.issuer, MEMBERS[member], PASSWORD, scopes)).accessToken;
  const group = await call(await userToken('admin', ALL_SCOPES), 'POST', '/groups', { displayName: 'Partners' });
  expect(group.status).toBe(201);
  const w: RecoveryWorld = {
    world,
    issuer: foyer.issuer,
    db: foyer.foyer.db,
    apps: { portal: await appToken(foyer.issuer, 'portal-app'), inviteOnly: await appToken(foyer.issuer, APPS.inviteOnly), writer: await appToken(foyer.issuer, APPS.writer) },
    userToken,
    call,
    mfa,
    groupId: String(group.body.id),
    victims: {},
    stop: () => world.stop(),
  };
  for (const login of victimLogins) w.victims[login] = await acceptedGuest(w, login);
  return w;
}

export interface Victim {
  userId: string;
  email: string;
  login: string;
  /** The browser holding the guest's Foyer session. */
  browser: Browser;
  refreshToken: string;
}

/** A guest as a real one comes to be: invited, redeemed at the partner, given access, MFA set up, signed in to the web app. */
export async function acceptedGuest(w: RecoveryWorld, login: string): Promise<Victim> {
  const email = `${login}@partner.example`;
  // The portal hands the link on itself (its own mail), so the victim needs no working mail server here.
  const invited = await w.call(w.apps.portal, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL });
  expect(invited.status).toBe(201);
  const userId = (invited.body.invitedUser as { id: string }).id;
  const browser = new Browser();
  expect((await redeemLink(w.world, browser, String(invited.body.inviteRedeemUrl), login, APP_URL)).stoppedAt).toBe(APP_URL);
  const admin = await w.userToken('admin', ALL_SCOPES);
  expect((await w.call(admin, 'POST', `/groups/${w.groupId}/members/$ref`, { '@odata.id': `${w.issuer}/v1.0/directoryObjects/${userId}` })).status).toBe(204);
  expect((await w.call(admin, 'POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: userId, resourceId: 'web-app' })).status).toBe(201);
  const { secret } = await w.mfa.pendingEnrolment({ id: userId, mail: email });
  expect((await w.mfa.confirmEnrolment(userId, await generate({ secret }))).ok).toBe(true);
  const config = await webAppClient(w.issuer);
  const pending = await startAuthorization(config);
  const sso = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  const tokens = await finishAuthorization(config, sso.stoppedAt!, pending);
  expect(tokens.claims()!.sub).toBe(userId);
  return { userId, email, login, browser, refreshToken: tokens.refresh_token! };
}

/** Everything an attack on the account could change, as stored. */
export async function accountState(w: RecoveryWorld, userId: string) {
  const db = w.db;
  const user = await db('users').where({ id: userId }).first();
  const ofAccount = async (model: 'Session' | 'Grant') => (await liveStateOf(w, userId)).filter((k) => k.startsWith(`${model}:`)).length;
  return {
    user: { mail: user.mail, state: user.external_user_state, enabled: Boolean(user.account_enabled), roles: user.roles },
    identities: await db('identities').where({ user_id: userId }).orderBy('id'),
    invitations: await db('invitations').where({ user_id: userId }).orderBy('id'),
    groups: (await db('group_members').where({ user_id: userId })).map((m) => m.group_id),
    assignments: (await db('app_assignments').where({ principal_id: userId })).map((a) => a.app_id),
    mfa: { totp: (await db('mfa_totp').where({ user_id: userId })).length, codes: (await db('mfa_recovery_codes').where({ user_id: userId })).length },
    sessions: await ofAccount('Session'),
    grants: await ofAccount('Grant'),
    audit: (await db('audit_log').where({ target_id: userId })).length,
    mails: outboxCount(w),
  };
}

/**
 * The account's sessions and grants still stored, as `Model:id`: in SQL found by the accountId in
 * their payload; in Redis through Foyer's per-account index, keeping only keys that still exist.
 */
export async function liveStateOf(w: RecoveryWorld, userId: string): Promise<string[]> {
  const redis = w.world.foyer.foyer.redis;
  if (!redis) {
    const rows = await w.db('oidc_payloads').whereIn('model', ['Session', 'Grant']).andWhere('payload', 'like', `%"accountId":"${userId}"%`).select('model', 'id');
    return rows.map((r) => `${r.model}:${r.id}`).sort();
  }
  const members = await redis.smembers(`${ACCOUNT_INDEX_PREFIX}${userId}`);
  const live = [];
  for (const m of members) if (await redis.exists(`${DEFAULT_REDIS_PREFIX}${m}`)) live.push(m);
  return live.sort();
}

/** Whether any of these `Model:id` entries is still stored. */
export async function anyStillStored(w: RecoveryWorld, entries: string[]): Promise<boolean> {
  const redis = w.world.foyer.foyer.redis;
  for (const entry of entries) {
    const [model, id] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
    const stored = redis ? await redis.exists(`${DEFAULT_REDIS_PREFIX}${entry}`) : await w.db('oidc_payloads').where({ model, id }).first();
    if (stored) return true;
  }
  return false;
}

export function outboxCount(w: RecoveryWorld): number {
  const dir = join(w.world.foyer.dir, 'outbox');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/** The web app refreshes with the victim's refresh token: the new tokens, or the OAuth error. */
export async function refresh(w: RecoveryWorld, refreshToken: string): Promise<{ sub?: string; refreshToken?: string; error?: string }> {
  try {
    const tokens = await client.refreshTokenGrant(await webAppClient(w.issuer), refreshToken);
    return { sub: tokens.claims()?.sub, refreshToken: tokens.refresh_token ?? refreshToken };
  } catch (err) {
    if (err instanceof client.ResponseBodyError) return { error: err.error };
    throw err;
  }
}

/** A fresh sign-in to the web app through the partner as `login` (email first): the landed page and, when it got there, the token's subject. */
export async function signInAtWebApp(w: RecoveryWorld, email: string, login: string, browser = new Browser()) {
  const config = await webAppClient(w.issuer);
  const pending = await startAuthorization(config);
  const stop = { stopAt: [WEB_APP.redirectUri] };
  const identify = await browser.navigate(pending.url.href, stop);
  expect(headingOf(identify.body)).toBe('Sign in');
  const partner = await browser.submit(identify, { email }, stop);
  expect(headingOf(partner.body)).toBe('Partner IdP sign-in');
  const landed = await browser.submit(partner, { login }, stop);
  if (!landed.stoppedAt) return { landed };
  return { landed, sub: (await finishAuthorization(config, landed.stoppedAt, pending)).claims()!.sub };
}

/** The web app asks Foyer to sign in with the session `browser` already has: the subject on single sign-on, else the page shown. */
export async function ssoAtWebApp(w: RecoveryWorld, browser: Browser): Promise<{ sub?: string; heading?: string }> {
  const config = await webAppClient(w.issuer);
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  if (!page.stoppedAt) return { heading: headingOf(page.body) };
  return { sub: (await finishAuthorization(config, page.stoppedAt, pending)).claims()!.sub };
}
