import type { Context } from 'koa';
import { portalUser } from '../portal/portal-auth.js';
import { navOf } from '../portal/portal-nav.js';
import { consoleSectionsFor } from './console-access.js';

/** What every console page's template needs: the My Apps menu and the console's own. */
export function consolePageBase(ctx: Context, current: string): Record<string, unknown> {
  return { ...navOf(ctx, 'admin'), consoleSections: consoleSectionsFor(portalUser(ctx), current) };
}
