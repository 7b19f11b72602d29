/**
 * An error the user caused or can act on. `code` is stable (tests and clients match on it);
 * `message` says what to do. Anything that is not an HttpError becomes a 500 without details.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new HttpError(400, code, message, details);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const forbidden = (code: string, message: string) => new HttpError(403, code, message);
