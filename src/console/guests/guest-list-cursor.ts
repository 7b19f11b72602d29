import { HttpError } from '../../http/http-error.js';
import { SignedTokens } from '../../lib/signed-token.js';

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
  private readonly tokens: SignedTokens;

  /**
   * `keys`: newest first, read at each call (derived-keys.ts), so cursors follow a key rotation or
   * a config reload: made with the newest key, accepted under any current one.
   */
  constructor(keys: () => Buffer[]) {
    this.tokens = new SignedTokens(keys, 'foyer-guest-cursor', MAX_CURSOR_LENGTH);
  }

  encode(cursor: GuestCursor): string {
    return this.tokens.seal([cursor.sort, cursor.value, cursor.id]);
  }

  /** The cursor, or 400 invalidCursor when it was edited, is malformed, or belongs to another sort. */
  decode(text: string, sort: string): GuestCursor {
    const invalid = () => new HttpError(400, 'invalidCursor', 'This page link is not valid (it was changed or belongs to another sort). Start again from the first page.');
    const parsed = this.tokens.open(text);
    if (!parsed || parsed.length !== 3) throw invalid();
    const [s, value, id] = parsed;
    if (s !== sort || typeof id !== 'string' || (value !== null && typeof value !== 'string')) throw invalid();
    return { sort: s, value, id };
  }
}
