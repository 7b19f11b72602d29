import type { Context } from 'koa';
import { consoleHomeFor } from '../console/console-access.js';
import { portalUser } from './portal-auth.js';
import { PORTAL_CLIENT_ID } from './portal-client.js';

/** What every My Apps page needs for its navigation. */
export function navOf(ctx: Context, current: 'apps' | 'account' | 'manage' | 'admin'): Record<string, unknown> {
  const user = portalUser(ctx);
  return {
    current,
    me: { displayName: user.displayName, mail: user.mail, isGuest: user.userType === 'Guest', consoleUrl: consoleHomeFor(ctx) },
    signOutUrl: `/session/end?client_id=${PORTAL_CLIENT_ID}`,
  };
}
