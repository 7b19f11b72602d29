import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/connect.js';
import { HttpError } from '../../http/http-error.js';
import { nowIso } from '../../lib/clock.js';
import type { BulkRow } from './bulk-validate.js';

export type BulkJobStatus = 'validated' | 'confirmed' | 'done' | 'cancelled';
export type BulkRowStatus = 'invalid' | 'pending' | 'invited' | 'failed';

export interface BulkJob {
  id: string;
  createdBy: string;
  createdByName: string;
  fileName: string | null;
  status: BulkJobStatus;
  totalRows: number;
  validRows: number;
  createdAt: string;
  confirmedAt: string | null;
  finishedAt: string | null;
}

/** Where a job stands, for the progress page and its JSON. */
export interface BulkProgress {
  id: string;
  status: BulkJobStatus;
  total: number;
  invalid: number;
  pending: number;
  invited: number;
  failed: number;
}

export interface BulkResultRow {
  line: number;
  email: string;
  /** A row's status, or `valid` in the CLI's dry run. */
  status: BulkRowStatus | 'valid';
  invitationId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

interface JobRow {
  id: string;
  created_by: string;
  created_by_name: string;
  file_name: string | null;
  status: BulkJobStatus;
  total_rows: number;
  valid_rows: number;
  created_at: string;
  confirmed_at: string | null;
  finished_at: string | null;
}

const toJob = (r: JobRow): BulkJob => ({
  id: r.id,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  fileName: r.file_name,
  status: r.status,
  totalRows: r.total_rows,
  validRows: r.valid_rows,
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
  finishedAt: r.finished_at,
});

const notFound = (id: string) => new HttpError(404, 'bulkJobNotFound', `There is no bulk invitation ${id} of yours.`);

/**
 * The bulk invitations in the database: a validated file waits for its owner's confirmation, then
 * its valid rows are processed by whichever node claims them (bulk-runner.ts). Only the admin who
 * uploaded a file sees it: its result names every address in it and why each failed, which is the
 * uploader's business, like the invitations an inviter sent ("own" reach, inviter.ts).
 */
export class BulkInvitationJobs {
  constructor(private readonly db: Database) {}

  /** Stores a validated file in one transaction: the job and every row, bad ones included (they are reported, never sent). */
  async create(owner: { id: string; displayName: string }, fileName: string | undefined, rows: BulkRow[]): Promise<BulkJob> {
    const id = randomUUID();
    const valid = rows.filter((r) => !r.problem).length;
    await this.db.transaction(async (trx) => {
      await trx('bulk_invitation_jobs').insert({
        id,
        created_by: owner.id,
        created_by_name: owner.displayName.slice(0, 256),
        file_name: fileName?.slice(0, 256) ?? null,
        status: 'validated',
        total_rows: rows.length,
        valid_rows: valid,
        created_at: nowIso(),
      });
      const records = rows.map((r) => ({
        job_id: id,
        line: r.line,
        email: r.email.slice(0, 320),
        display_name: r.displayName ?? null,
        redirect_url: r.redirectUrl ?? null,
        send_mail: r.sendMail,
        message: r.message ?? null,
        status: r.problem ? 'invalid' : 'pending',
        error_code: r.problem?.code ?? null,
        error_message: r.problem?.message.slice(0, 512) ?? null,
      }));
      // SQLite allows at most 999 bound values per statement (12 columns a row).
      for (let i = 0; i < records.length; i += 80) await trx('bulk_invitation_rows').insert(records.slice(i, i + 80));
    });
    return (await this.find(id))!;
  }

  async find(id: string): Promise<BulkJob | undefined> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.db<JobRow>('bulk_invitation_jobs').where({ id }).first() : undefined;
    return row ? toJob(row) : undefined;
  }

  /** The job if this user uploaded it; anyone else gets "not found", so job ids reveal nothing. */
  async requireOwn(id: string, userId: string): Promise<BulkJob> {
    const job = await this.find(id);
    if (!job || job.createdBy !== userId) throw notFound(id);
    return job;
  }

  async listOwn(userId: string, limit = 10): Promise<BulkJob[]> {
    return (await this.db<JobRow>('bulk_invitation_jobs').where({ created_by: userId }).orderBy('created_at', 'desc').limit(limit)).map(toJob);
  }

  async progress(job: BulkJob): Promise<BulkProgress> {
    const counts = (await this.db('bulk_invitation_rows').where({ job_id: job.id }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: string | number }[];
    const of = (s: BulkRowStatus) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    return { id: job.id, status: job.status, total: job.totalRows, invalid: of('invalid'), pending: of('pending'), invited: of('invited'), failed: of('failed') };
  }

  /** The rows validation refused, by line, for the confirmation page. */
  async problems(jobId: string, limit: number): Promise<BulkResultRow[]> {
    return (await this.db('bulk_invitation_rows').where({ job_id: jobId, status: 'invalid' }).orderBy('line').limit(limit)).map(toResult);
  }

  async results(jobId: string): Promise<BulkResultRow[]> {
    return (await this.db('bulk_invitation_rows').where({ job_id: jobId }).orderBy('line')).map(toResult);
  }

  /** The owner's go-ahead: only a validated job with valid rows, once (a replayed confirmation changes nothing). */
  async confirm(job: BulkJob): Promise<void> {
    if (job.validRows === 0) throw new HttpError(409, 'bulkNothingToSend', 'No row of this file is valid, so there is nothing to send. Fix the rows listed and upload the file again.');
    const changed = await this.db('bulk_invitation_jobs').where({ id: job.id, status: 'validated' }).update({ status: 'confirmed', confirmed_at: nowIso() });
    if (changed !== 1) throw new HttpError(409, 'bulkJobNotWaiting', 'This file was already confirmed or cancelled.');
  }

  async cancel(job: BulkJob): Promise<void> {
    const changed = await this.db('bulk_invitation_jobs').where({ id: job.id, status: 'validated' }).update({ status: 'cancelled', finished_at: nowIso() });
    if (changed !== 1) throw new HttpError(409, 'bulkJobNotWaiting', 'This file was already confirmed or cancelled; a confirmed file cannot be cancelled.');
  }
}

function toResult(r: Record<string, unknown>): BulkResultRow {
  return {
    line: Number(r.line),
    email: String(r.email),
    status: r.status as BulkRowStatus,
    invitationId: (r.invitation_id as string | null) ?? null,
    errorCode: (r.error_code as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
  };
}
