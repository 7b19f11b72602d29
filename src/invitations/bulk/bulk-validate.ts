import { HttpError } from '../../http/http-error.js';
import { createInvitationInput, type CreateInvitationInput } from '../invitation-input.js';
import type { InvitationService } from '../invitation-service.js';
import type { Inviter } from '../inviter.js';
import type { BulkCsvRow } from './bulk-csv.js';

/** One row after validation: what will be sent, or why it will not be. */
export interface BulkRow {
  line: number;
  email: string;
  displayName?: string;
  redirectUrl?: string;
  sendMail: boolean;
  message?: string;
  problem?: { code: string; message: string };
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** Entra's sendEmail column: true unless the row says otherwise. */
function sendMailOf(value: string | undefined): boolean | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return true;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

/** The invitation a row asks for, as the API would take it (Graph's fields). */
export function invitationOf(row: Pick<BulkRow, 'email' | 'displayName' | 'redirectUrl' | 'sendMail' | 'message'>): CreateInvitationInput {
  return {
    invitedUserEmailAddress: row.email,
    ...(row.redirectUrl ? { inviteRedirectUrl: row.redirectUrl } : {}),
    ...(row.displayName ? { invitedUserDisplayName: row.displayName } : {}),
    sendInvitationMessage: row.sendMail,
    ...(row.message ? { invitedUserMessageInfo: { customizedMessageBody: row.message } } : {}),
    invitedUserType: 'Guest',
    resetRedemption: false,
  };
}

/**
 * Checks every row before anything is sent: the fields as the API checks them (zod), an address
 * given twice in the file, and everything the invitation service would refuse (who may invite,
 * domains, member addresses, accepted guests, unregistered redirects, partner settings), so the
 * admin sees each bad row with its line and reason and confirms only the good ones.
 */
export async function validateBulkRows(rows: BulkCsvRow[], service: Pick<InvitationService, 'check'>, inviter: Inviter): Promise<BulkRow[]> {
  const seen = new Map<string, number>();
  const out: BulkRow[] = [];
  for (const { line, values } of rows) {
    const email = (values.email ?? '').trim();
    const sendMail = sendMailOf(values.sendMail);
    const row: BulkRow = {
      line,
      email,
      displayName: values.displayName?.trim() || undefined,
      redirectUrl: values.redirectUrl?.trim() || undefined,
      sendMail: sendMail ?? false,
      message: values.message?.trim() || undefined,
    };
    out.push(row);
    if (sendMail === undefined) {
      row.problem = { code: 'invalidSendMail', message: `sendMail must be true or false, not "${values.sendMail}".` };
      continue;
    }
    const parsed = createInvitationInput.safeParse(invitationOf(row));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      row.problem = { code: 'invalidRow', message: `${String(issue.path.join('.') || 'row')}: ${issue.message}` };
      continue;
    }
    const key = parsed.data.invitedUserEmailAddress.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      row.problem = { code: 'duplicateEmail', message: `${email} is already on line ${first}.` };
      continue;
    }
    seen.set(key, line);
    try {
      await service.check(parsed.data, inviter);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status >= 500) throw err;
      row.problem = { code: err.code, message: err.message };
    }
  }
  return out;
}
