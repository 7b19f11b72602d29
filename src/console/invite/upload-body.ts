import { bodyParser } from '@koa/bodyparser';
import busboy from 'busboy';
import type { Middleware } from 'koa';
import { HttpError } from '../../http/http-error.js';
import { BULK_LIMITS } from '../../invitations/bulk/bulk-csv.js';

/** What the upload form sends: its fields (the CSRF token among them) and the CSV, from the file input or the text area. */
export interface UploadBody {
  _csrf?: string;
  csv?: string;
  fileName?: string;
}

const tooLarge = () => new HttpError(413, 'bulkFileTooLarge', `The file is larger than ${BULK_LIMITS.maxBytes / 1024 / 1024} MB. Split it into smaller files.`);

/** multipart/form-data through busboy: one file (`file`) of at most the bulk limit, a few small fields. */
function readMultipart(ctx: Parameters<Middleware>[0]): Promise<UploadBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: BULK_LIMITS.maxBytes, fields: 5, fieldSize: BULK_LIMITS.maxBytes, parts: 6 } });
    } catch {
      reject(new HttpError(400, 'invalidUpload', 'The upload is not valid multipart form data.'));
      return;
    }
    const body: UploadBody = {};
    const chunks: Buffer[] = [];
    let truncated = false;
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') return void stream.resume();
      body.fileName = info.filename;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (truncated = true));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) truncated = true;
      if (name === '_csrf' || name === 'csv') body[name] = value;
    });
    parser.on('error', () => reject(new HttpError(400, 'invalidUpload', 'The upload is not valid multipart form data.')));
    parser.on('close', () => {
      if (truncated) return reject(tooLarge());
      const file = Buffer.concat(chunks).toString('utf8');
      // A chosen file wins over the text area.
      if (file.trim()) body.csv = file;
      resolve(body);
    });
    ctx.req.pipe(parser);
  });
}

/**
 * Body parsing for the bulk upload only: the site-wide parser caps forms at 16 kB, far below a
 * file of guests. A multipart upload is read through busboy with the file capped at the bulk
 * limit; a plain form (the text area, no file) may be URL-encoded up to three times the limit.
 */
export function parseUploadBody(): Middleware {
  const form = bodyParser({ enableTypes: ['form'], formLimit: `${(BULK_LIMITS.maxBytes * 3) / 1024 / 1024}mb`, encoding: 'utf-8', onError: (err, ctx) => {
    const status = (err as { status?: number }).status ?? 400;
    if (status === 413) throw tooLarge();
    ctx.throw(400, 'The request body is not valid form data.');
  } });
  return async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.is('multipart/form-data')) {
      ctx.request.body = await readMultipart(ctx);
      return next();
    }
    return form(ctx, next);
  };
}
