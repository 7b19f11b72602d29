import { stringify } from 'csv-stringify/sync';
import type { BulkResultRow } from './bulk-jobs.js';

export const RESULT_COLUMNS = ['line', 'email', 'status', 'invitationId', 'errorCode', 'errorMessage'] as const;

/**
 * The per-row result file. Every cell that a spreadsheet would read as a formula (starting with
 * =, +, -, @, tab or carriage return: an address or message from the uploaded file) is prefixed
 * with a quote by csv-stringify's escape_formulas, so opening the result runs nothing.
 */
export function resultCsv(rows: BulkResultRow[]): string {
  return stringify(
    rows.map((r) => [r.line, r.email, r.status, r.invitationId ?? '', r.errorCode ?? '', r.errorMessage ?? '']),
    { header: true, columns: [...RESULT_COLUMNS], escape_formulas: true, record_delimiter: 'windows' },
  );
}
