import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { BULK_LIMITS, parseBulkCsv } from '../invitations/bulk/bulk-csv.js';
import type { BulkResultRow } from '../invitations/bulk/bulk-jobs.js';
import { resultCsv } from '../invitations/bulk/bulk-result-csv.js';
import { invitationOf, validateBulkRows } from '../invitations/bulk/bulk-validate.js';
import { HttpError } from '../http/http-error.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import type { Inviter } from '../invitations/inviter.js';
import { CliError } from './cli-context.js';

export interface BulkInviteOptions {
  csv: string;
  dryRun: boolean;
  skipInvalid: boolean;
  out?: string;
}

/**
 * `foyer invite --csv FILE`: the console's bulk invitation from the terminal, with the same file
 * format and the same validation (src/invitations/bulk/). Every row is checked before anything is
 * sent; a file with bad rows sends nothing unless --skip-invalid (the terminal's "send the valid
 * rows"). Progress goes to stderr, the per-row result (CSV) to stdout or --out. Exit code 0 when
 * every row was invited (or, with --dry-run, is valid), 1 otherwise.
 */
export async function bulkInvite(svc: InvitationService, inviter: Inviter, opts: BulkInviteOptions): Promise<number> {
  let size: number;
  try {
    size = statSync(opts.csv).size;
  } catch {
    throw new CliError(`cannot read ${opts.csv}`);
  }
  if (size > BULK_LIMITS.maxBytes) throw new CliError(`${opts.csv} is larger than ${BULK_LIMITS.maxBytes / 1024 / 1024} MB; split it into smaller files (bulkFileTooLarge)`);
  let parsed;
  try {
    parsed = parseBulkCsv(readFileSync(opts.csv, 'utf8'));
  } catch (err) {
    if (err instanceof HttpError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
  const rows = await validateBulkRows(parsed, svc, inviter);
  const bad = rows.filter((r) => r.problem);
  for (const r of bad) process.stderr.write(`line ${r.line}: ${r.email || '(no address)'}: ${r.problem!.message} (${r.problem!.code})\n`);
  process.stderr.write(`${rows.length} rows: ${rows.length - bad.length} valid, ${bad.length} with problems\n`);
  const results: BulkResultRow[] = rows.map((r) => ({ line: r.line, email: r.email, status: r.problem ? 'invalid' : 'valid', invitationId: null, errorCode: r.problem?.code ?? null, errorMessage: r.problem?.message ?? null }));
  const send = !opts.dryRun && (bad.length === 0 || opts.skipInvalid);
  if (!opts.dryRun && !send) process.stderr.write('nothing sent: fix the rows above, or send the valid rows with --skip-invalid\n');
  if (send) {
    const valid = rows.filter((r) => !r.problem);
    let done = 0;
    for (const row of valid) {
      const result = results.find((r) => r.line === row.line)!;
      try {
        const created = await svc.create(invitationOf(row), inviter);
        Object.assign(result, { status: 'invited', invitationId: created.id });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        Object.assign(result, { status: 'failed', errorCode: err.code, errorMessage: err.message });
      }
      done++;
      if (done % 100 === 0 || done === valid.length) process.stderr.write(`sent ${done}/${valid.length}\n`);
    }
  }
  const csv = resultCsv(results);
  if (opts.out) writeFileSync(opts.out, csv);
  else process.stdout.write(csv);
  const ok = opts.dryRun ? bad.length === 0 : results.every((r) => r.status === 'invited');
  return ok ? 0 : 1;
}
