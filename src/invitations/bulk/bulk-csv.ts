import { parse } from 'csv-parse/sync';
import { HttpError } from '../../http/http-error.js';

/** Caps on one upload: beyond them the whole file is refused (413) before any row is looked at. */
export const BULK_LIMITS = { maxBytes: 5 * 1024 * 1024, maxRows: 10_000 } as const;

export type BulkField = 'email' | 'displayName' | 'redirectUrl' | 'sendMail' | 'message';

/** One data row as the file gave it, with its line number in the file (the header is line 1, or 2 after Entra's version line). */
export interface BulkCsvRow {
  line: number;
  values: Partial<Record<BulkField, string>>;
}

/**
 * Column names accepted for each field, compared lower-cased with spaces, dashes and underscores
 * removed. Entra's bulk-invite template names a column "Email address to invite [inviteeEmail]
 * Required": the name in brackets is what counts there.
 */
const HEADER_NAMES: Record<BulkField, string[]> = {
  email: ['email', 'emailaddress', 'mail', 'inviteeemail', 'invitedemail', 'emailaddresstoinvite', 'inviteduseremailaddress'],
  displayName: ['displayname', 'name', 'inviteddisplayname', 'inviteduserdisplayname'],
  redirectUrl: ['redirecturl', 'redirect', 'redirectionurl', 'inviteredirecturl', 'url'],
  sendMail: ['sendmail', 'sendemail', 'send', 'sendinvitationmessage'],
  message: ['message', 'custommessage', 'customizedmessagebody', 'customizedinvitationmessage'],
};

function fieldOf(header: string): BulkField | undefined {
  const bracket = /\[([^\]]+)\]/.exec(header);
  const key = (bracket ? bracket[1]! : header).toLowerCase().replace(/[\s_-]+/g, '');
  return (Object.keys(HEADER_NAMES) as BulkField[]).find((f) => HEADER_NAMES[f].includes(key));
}

const refuse = (code: string, message: string, status = 400) => new HttpError(status, code, message);

/**
 * Reads a bulk-invite CSV (comma or semicolon separated, optional UTF-8 BOM, quoted fields per
 * RFC 4180, through csv-parse). Entra's template is read as it comes: its "version:v1.0" first
 * line and its "Example:" row are skipped. Problems with the file as a whole (too big, no email
 * column, malformed quoting) refuse it with a stable code; problems with single rows are left to
 * validation, which reports them by line.
 */
export function parseBulkCsv(text: string): BulkCsvRow[] {
  if (Buffer.byteLength(text, 'utf8') > BULK_LIMITS.maxBytes) throw refuse('bulkFileTooLarge', `The file is larger than ${BULK_LIMITS.maxBytes / 1024 / 1024} MB. Split it into smaller files.`, 413);
  let body = text.replace(/^\uFEFF/, '');
  let offset = 0;
  if (/^version:v\d/i.test(body)) {
    body = body.slice(body.indexOf('\n') + 1);
    offset = 1;
  }
  if (!body.trim()) throw refuse('bulkFileEmpty', 'The file is empty. The first line names the columns (at least "email"), then one guest per line.');
  const delimiter = (body.split('\n', 1)[0]!.match(/;/g)?.length ?? 0) > (body.split('\n', 1)[0]!.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, trim: true, max_record_size: 16_384 }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw refuse('bulkFileMalformed', `The file is not valid CSV${line ? ` near line ${line + offset}` : ''}: ${(err as Error).message.replace(/^Invalid [^:]*: /, '')}. Check the quotes in that row.`);
  }
  const [header, ...data] = records;
  const fields = header!.record.map(fieldOf);
  if (!fields.includes('email')) {
    throw refuse('bulkEmailColumnMissing', 'The first line must name the columns, one of them "email" (or Entra\'s "Email address to invite [inviteeEmail]"). Accepted: email, displayName, redirectUrl, sendMail, message.');
  }
  const rows: BulkCsvRow[] = [];
  for (const { record, info } of data) {
    const values: Partial<Record<BulkField, string>> = {};
    record.forEach((value, i) => {
      const field = fields[i];
      if (field && values[field] === undefined) values[field] = value;
    });
    // Entra's template carries a sample row below its header.
    if (/^example:/i.test(values.email ?? '')) continue;
    if (record.every((v) => v === '')) continue;
    rows.push({ line: info.lines + offset, values });
    if (rows.length > BULK_LIMITS.maxRows) throw refuse('bulkTooManyRows', `The file has more than ${BULK_LIMITS.maxRows.toLocaleString('en')} guests. Split it into smaller files.`, 413);
  }
  if (!rows.length) throw refuse('bulkFileEmpty', 'The file names its columns but lists no guests.');
  return rows;
}
