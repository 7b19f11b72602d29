import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A short opaque token for a link (page cursors, `$skiptoken`): base64url JSON of a tuple and a
 * truncated HMAC over it, bound to a purpose so a token of one kind is never accepted as another.
 * `keys` are newest first and read at each call: tokens are signed with the newest and accepted
 * under any current one, so they survive a key rotation on every node.
 */
export class SignedTokens {
  constructor(
    private readonly keys: () => Buffer[],
    private readonly purpose: string,
    private readonly maxLength = 1024,
  ) {}

  seal(tuple: readonly unknown[]): string {
    const body = Buffer.from(JSON.stringify(tuple)).toString('base64url');
    return `${body}.${this.mac(this.keys()[0]!, body)}`;
  }

  /** The tuple a token holds, or undefined when it is too long, malformed, or not signed by a current key. */
  open(text: unknown): unknown[] | undefined {
    if (typeof text !== 'string' || text.length > this.maxLength) return undefined;
    const [body, mac, extra] = text.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const given = Buffer.from(mac);
    const signed = this.keys().some((key) => {
      const expected = Buffer.from(this.mac(key, body));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signed) return undefined;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(`${this.purpose}\0${body}`).digest('base64url').slice(0, 32);
  }
}
