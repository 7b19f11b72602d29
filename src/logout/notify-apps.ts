import type { AppConfig } from '../config/apps-schema.js';
import type { EndedAppSession, LogoutQueue, LogoutReason } from './logout-queue.js';

/** Called with the app sessions of an account just before they are ended (directory/account-sessions.ts). */
export type SessionsEnding = (sessions: EndedAppSession[], reason: LogoutReason) => Promise<void>;

/**
 * Queues a logout token for each ending app session whose app registered a back-channel logout
 * URI. Queued before the sessions are destroyed: if this fails, nothing was ended yet and the
 * caller says so; if the node stops right after, the queue still holds them.
 */
export function notifyAppsOfEndingSessions(apps: readonly AppConfig[], queue: LogoutQueue): SessionsEnding {
  const listening = new Set(apps.filter((a) => a.backchannelLogoutUri).map((a) => a.id));
  return async (sessions, reason) => {
    const seen = new Set<string>();
    const owed = sessions.filter((s) => {
      const key = `${s.clientId} ${s.sid ?? ''}`;
      if (!listening.has(s.clientId) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    await queue.enqueue(owed, reason);
  };
}
