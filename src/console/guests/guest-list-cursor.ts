import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../../http/http-error.js';

/**
 * Where the next page of the guest table starts: the last row's sort value and id (keyset
 * paging), bound to the sort it was made for and signed, so that a cursor cannot be edited into a
 * query of its own or replayed under another sort. Opaque to the browser: base64url JSON + HMAC.
 */
export interface GuestCursor {
  /** The sort key and direction the cursor belongs to, e.g. "name:asc". */
  sort: string;
  /** The last row's value in the sort column (null: a guest who never signed in). */
  value: string | null;
  id: string;
}

const MAX_CURSOR_LENGTH = 1024;

export class GuestCursorCodec {
  /**
   * `keys`: newest first, read at each call (derived-keys.ts), so cursors follow a key rotation or
   * a config reload: made with the newest key, accepted under any current one.
   */
  constructor(private readonly keys: () => Buffer[]) {}

  encode(cursor: GuestCursor): string {
    const body = Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString('base64url');
    return `${body}.${this.mac(this.keys()[0]!, body)}`;
  }

  /** The cursor, or 400 invalidCursor when it was edited, is malformed, or belongs to another sort. */
  decode(text: string, sort: string): GuestCursor {
    const invalid = () => new HttpError(400, 'invalidCursor', 'This page link is not valid (it was changed or belongs to another sort). Start again from the first page.');
    if (text.length > MAX_CURSOR_LENGTH) throw invalid();
    const [body, mac, extra] = text.split('.');
    if (!body || !mac || extra !== undefined) throw invalid();
    const given = Buffer.from(mac);
    const signed = this.keys().some((key) => {
      const expected = Buffer.from(this.mac(key, body));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signed) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
    const [s, value, id] = parsed as unknown[];
    if (s !== sort || typeof id !== 'string' || (value !== null && typeof value !== 'string')) throw invalid();
    return { sort: s, value, id };
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(`foyer-guest-cursor\0${body}`).digest('base64url').slice(0, 32);
  }
}
