import type { Context } from 'koa';
import type Provider from 'oidc-provider';

const COOKIE = 'foyer.portal';

export interface PortalSession {
  accountId: string;
  /** The oidc-provider session this portal session hangs off: signing out there ends it here. */
  sessionUid: string;
  expiresAt: number;
  /** When the user last proved who they are (epoch seconds), and how: security changes need a fresh proof. */
  authTime?: number;
  amr?: string[];
}

/** The portal's own short cookie, signed with the provider's cookie keys. */
export function writePortalSession(ctx: Context, session: PortalSession, secure: boolean): void {
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(session)).toString('base64url'), {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    path: '/',
    expires: new Date(session.expiresAt),
  });
}

export function clearPortalSession(ctx: Context): void {
  ctx.cookies.set(COOKIE, null, { path: '/', signed: true });
}

/** The signed-in user, only while the Foyer session behind the portal cookie still exists. */
export async function readPortalSession(ctx: Context, provider: Provider): Promise<PortalSession | undefined> {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return undefined;
  let session: PortalSession;
  try {
    session = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PortalSession;
  } catch {
    return undefined;
  }
  if (typeof session.accountId !== 'string' || typeof session.sessionUid !== 'string' || !(session.expiresAt > Date.now())) return undefined;
  const live = await provider.Session.findByUid(session.sessionUid);
  if (!live || live.accountId !== session.accountId) return undefined;
  return session;
}
