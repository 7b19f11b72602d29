import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';

/** The body of Graph's `POST …/$ref`: `{"@odata.id": "<issuer>/v1.0/directoryObjects/<id>"}`. */
const refBody = z.strictObject({ '@odata.id': z.url('must be the URL of a directory object').max(2048) });

/**
 * The user id a `$ref` body points at. Foyer accepts its own URLs only
 * (`<issuer>/v1.0/directoryObjects/<id>` or `<issuer>/v1.0/users/<id>`): a reference to another
 * service cannot mean anything here.
 */
export function referencedId(body: unknown, issuer: string): string {
  const url = parseInput(refBody, body)['@odata.id'];
  const base = `${issuer}/v1.0/`;
  const match = url.startsWith(base) ? /^(?:directoryObjects|users)\/([0-9a-fA-F-]{36})$/.exec(url.slice(base.length)) : null;
  if (!match || !z.uuid().safeParse(match[1]).success) {
    throw new HttpError(400, 'invalidReference', `@odata.id must be ${base}directoryObjects/{id} (or …/users/{id}) naming a user of this directory.`);
  }
  return match[1]!.toLowerCase();
}
