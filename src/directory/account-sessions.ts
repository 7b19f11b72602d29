import type Provider from 'oidc-provider';
import type { Database } from '../db/connect.js';
import type { Redis } from '../db/redis.js';
import type { Logger } from '../logging/logger.js';
import type { LogoutReason } from '../logout/logout-queue.js';
import type { SessionsEnding } from '../logout/notify-apps.js';
import type { AdapterFactory } from '../provider/adapters/index.js';

/**
 * Ends every oidc-provider session of one account and revokes every grant it holds, which takes
 * the grant's refresh tokens, access tokens and codes with it (Graph's revokeSignInSessions).
 *
 * oidc-provider keeps no index from an account to its sessions, so:
 * - with the SQL adapter, sessions and grants are found in `oidc_payloads` by the accountId in
 *   their JSON payload (a scan, acceptable for a rare administrative action, and exact);
 * - with Redis, where scanning every key would not scale, Foyer keeps its own index: a set per
 *   account of the sessions and grants saved for it, fed by the provider's `session.saved` and
 *   `grant.saved` events (track()).
 * Revocation is defence in depth, not the only guard: findAccount already refuses disabled and
 * deleted users, so a session or refresh token that escaped revocation still produces nothing.
 */
export interface AccountSessions {
  /** `reason` is what the apps told about it (back-channel logout) hear. */
  revokeAll(accountId: string, reason?: LogoutReason): Promise<{ sessions: number; grants: number }>;
  /** The account's sessions, newest sign-in first (the console's guest page lists them). */
  list(accountId: string): Promise<SessionSummary[]>;
  /**
   * Ends one session of the account and revokes the grants signed in through it (their refresh
   * tokens go with them); the apps it signed in to are told as by revokeAll. A session id that is
   * not this account's ends nothing.
   */
  revokeOne(accountId: string, sessionId: string, reason?: LogoutReason): Promise<{ sessions: number; grants: number }>;
  /** Revokes the account's grants for one app only (its sessions stay): used when an assignment is removed. */
  revokeForClient(accountId: string, clientId: string): Promise<{ grants: number }>;
  /** Feeds the Redis index from the provider's events; a no-op on SQL. */
  track(provider: Provider, logger?: Logger): void;
}

/** One session as an admin sees it: when it began, until when it lasts, which apps it signed in to. */
export interface SessionSummary {
  id: string;
  signedInAt: string | null;
  expiresAt: string | null;
  apps: string[];
}

export const ACCOUNT_INDEX_PREFIX = 'foyer:account:';
const INDEX_TTL_FLOOR_SECONDS = 60;

// Adds a member and makes the set live at least as long as it (never shortens it).
const ADD_MEMBER = `
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`;

interface StoredPayload {
  accountId?: string;
  loginTs?: number;
  exp?: number;
  clientId?: string;
  authorizations?: Record<string, { grantId?: string; sid?: string }>;
}

/** Sessions of an account, and its grants with the app each belongs to (when known). */
interface Found {
  sessions: string[];
  grants: Map<string, string | undefined>;
  /** Each app signed in through one of the sessions, with the session id it knows (`sid`). */
  appSessions: { clientId: string; sid?: string }[];
  /** Each session's payload, by session id. */
  payloads: Map<string, StoredPayload | undefined>;
}

export function createAccountSessions(opts: { db: Database; redis?: Redis; adapters: AdapterFactory; onEnding?: SessionsEnding }): AccountSessions {
  const { db, redis, adapters } = opts;
  const sessionsAdapter = adapters('Session');
  const grantsAdapter = adapters('Grant');
  // Either token adapter removes every credential of a grant (see the adapter contract).
  const tokensAdapter = adapters('AccessToken');

  async function findSql(accountId: string): Promise<Found> {
    const needle = `"accountId":${JSON.stringify(accountId)}`.replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows: { model: string; id: string; payload: string }[] = await db('oidc_payloads')
      .whereIn('model', ['Session', 'Grant'])
      .andWhereRaw("payload LIKE ? ESCAPE '\\'", [`%${needle}%`])
      .select('model', 'id', 'payload');
    const found: Found = { sessions: [], grants: new Map(), appSessions: [], payloads: new Map() };
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as StoredPayload;
      // The LIKE is a prefilter; only the parsed payload decides.
      if (payload.accountId !== accountId) continue;
      if (row.model === 'Grant') found.grants.set(row.id, payload.clientId);
      else addSession(found, row.id, payload);
    }
    return found;
  }

  async function findRedis(client: Redis, accountId: string): Promise<Found> {
    const members = await client.smembers(indexKey(accountId));
    const found: Found = { sessions: [], grants: new Map(), appSessions: [], payloads: new Map() };
    for (const member of members) {
      const [model, id] = splitMember(member);
      if (model === 'Grant') found.grants.set(id, ((await grantsAdapter.find(id)) as StoredPayload | undefined)?.clientId);
      else if (model === 'Session') addSession(found, id, (await sessionsAdapter.find(id)) as StoredPayload | undefined);
    }
    return found;
  }

  const find = (accountId: string) => (redis ? findRedis(redis, accountId) : findSql(accountId));

  async function revokeGrant(grantId: string): Promise<void> {
    await tokensAdapter.revokeByGrantId(grantId);
    await grantsAdapter.destroy(grantId);
  }

  return {
    async revokeAll(accountId, reason = 'sessionsRevoked') {
      const found = await find(accountId);
      // The apps' logout tokens are owed before anything ends (src/logout/notify-apps.ts).
      if (opts.onEnding) await opts.onEnding(found.appSessions.map((a) => ({ ...a, accountId })), reason);
      for (const grantId of found.grants.keys()) await revokeGrant(grantId);
      for (const id of found.sessions) await sessionsAdapter.destroy(id);
      if (redis) await redis.del(indexKey(accountId));
      return { sessions: found.sessions.length, grants: found.grants.size };
    },

    async list(accountId) {
      const found = await find(accountId);
      const when = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : null);
      return found.sessions
        .map((id) => {
          const payload = found.payloads.get(id);
          return { id, signedInAt: when(payload?.loginTs), expiresAt: when(payload?.exp), apps: Object.keys(payload?.authorizations ?? {}).sort() };
        })
        .sort((a, b) => (b.signedInAt ?? '').localeCompare(a.signedInAt ?? ''));
    },

    async revokeOne(accountId, sessionId, reason = 'sessionsRevoked') {
      const found = await find(accountId);
      if (!found.sessions.includes(sessionId)) return { sessions: 0, grants: 0 };
      const authorizations = Object.entries(found.payloads.get(sessionId)?.authorizations ?? {});
      if (opts.onEnding) await opts.onEnding(authorizations.map(([clientId, a]) => ({ clientId, sid: a.sid, accountId })), reason);
      const grantIds = [...new Set(authorizations.map(([, a]) => a.grantId).filter((g): g is string => Boolean(g)))];
      for (const grantId of grantIds) await revokeGrant(grantId);
      await sessionsAdapter.destroy(sessionId);
      if (redis) await redis.srem(indexKey(accountId), `Session:${sessionId}`);
      return { sessions: 1, grants: grantIds.length };
    },

    async revokeForClient(accountId, clientId) {
      const found = await find(accountId);
      let grants = 0;
      for (const [grantId, grantClient] of found.grants) {
        if (grantClient !== clientId) continue;
        await revokeGrant(grantId);
        grants++;
      }
      return { grants };
    },

    track(provider, logger) {
      if (!redis) return;
      const client = redis;
      const add = (model: 'Session' | 'Grant') => (entity: { accountId?: string; jti?: string; exp?: number }) => {
        if (!entity.accountId || !entity.jti) return;
        const ttl = Math.max(INDEX_TTL_FLOOR_SECONDS, (entity.exp ?? 0) - Math.floor(Date.now() / 1000));
        client.eval(ADD_MEMBER, 1, indexKey(entity.accountId), `${model}:${entity.jti}`, String(ttl)).catch((err: unknown) => {
          logger?.warn({ err: err instanceof Error ? err.message : String(err), model }, 'could not index a session for its account');
        });
      };
      provider.on('session.saved', add('Session'));
      provider.on('grant.saved', add('Grant'));
    },
  };
}

/** A session and the grants it refers to (keyed by app in `authorizations`). */
function addSession(found: Found, id: string, payload: StoredPayload | undefined): void {
  found.sessions.push(id);
  found.payloads.set(id, payload);
  for (const [clientId, a] of Object.entries(payload?.authorizations ?? {})) {
    found.appSessions.push({ clientId, sid: a.sid });
    if (a.grantId && !found.grants.has(a.grantId)) found.grants.set(a.grantId, clientId);
  }
}

function indexKey(accountId: string): string {
  return `${ACCOUNT_INDEX_PREFIX}${accountId}`;
}

function splitMember(member: string): [string, string] {
  const at = member.indexOf(':');
  return [member.slice(0, at), member.slice(at + 1)];
}
