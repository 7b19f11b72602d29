import { createHash, randomBytes } from 'node:crypto';

/**
 * A redemption ticket is 256 random bits. Only its SHA-256 is stored: with that much entropy a
 * plain hash cannot be reversed, and a database leak does not leak working links.
 */
export function newTicket(): { ticket: string; hash: string } {
  const ticket = randomBytes(32).toString('base64url');
  return { ticket, hash: hashTicket(ticket) };
}

export function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

/** Tickets are 43 base64url characters; anything else is rejected before touching the database. */
export function looksLikeTicket(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
