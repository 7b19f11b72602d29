import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** Parses input with a zod schema at the edge; failures become a 400 naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, code = 'invalidRequest'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  throw new HttpError(400, code, `The request is not valid: ${summary}`, { fields });
}
