import { createHmac, timingSafeEqual } from 'node:crypto';

const HANDLE = /^[A-Za-z0-9_-]{22}$/;

/**
 * What the guest page shows and posts instead of a session id: an HMAC of the guest and the id
 * (128 bits, base64url). A session id is a bearer credential in oidc-provider's storage, so
 * whoever can read the page (or its HTML in a cache, a screenshot, a proxy log) must not learn it;
 * the handle names the session only to the server, and only for this guest.
 */
export class SessionHandles {
  /** `keys`: newest first; the first makes handles, every one is accepted (a rotation mid-page still works). */
  constructor(private readonly keys: () => Buffer[]) {}

  handleOf(userId: string, sessionId: string): string {
    return this.mac(this.keys()[0]!, userId, sessionId);
  }

  /** The id of the guest's session this handle names, among `sessionIds`; undefined for any other string. */
  resolve(userId: string, handle: string, sessionIds: string[]): string | undefined {
    if (!HANDLE.test(handle)) return undefined;
    const given = Buffer.from(handle);
    const keys = this.keys();
    return sessionIds.find((id) => keys.some((key) => timingSafeEqual(Buffer.from(this.mac(key, userId, id)), given)));
  }

  private mac(key: Buffer, userId: string, sessionId: string): string {
    return createHmac('sha256', key).update(`${userId}\0${sessionId}`).digest('base64url').slice(0, 22);
  }
}
