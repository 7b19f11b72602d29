import type { GuestRow } from './guest-rows.js';

export const CSV_COLUMNS = ['id', 'displayName', 'mail', 'state', 'partner', 'identityProviders', 'lastSignInDateTime', 'invitedDateTime', 'invitedBy'] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a spreadsheet
 * would run as a formula (starting with = + - @, or a tab or carriage return that hides one) is
 * prefixed with ' so that it stays text: display names come from guests and their IdPs (OWASP
 * "CSV injection").
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function csvRow(g: GuestRow): string {
  return csvLine([g.id, g.displayName, g.mail, g.stateLabel, g.partner, g.idps.join('; '), g.lastSignIn ?? '', g.invitedAt, g.invitedBy]);
}
