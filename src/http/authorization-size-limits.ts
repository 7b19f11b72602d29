import { parse, type ParsedUrlQuery } from 'node:querystring';
import type { Context, Middleware, Next } from 'koa';
import { HttpError } from './http-error.js';
import { isAuthorizationRequest } from './rate-limit.js';

/**
 * Size caps on the requests whose parameters oidc-provider stores for a visitor nobody has
 * identified yet (the Interaction of `/auth`, the pushed request of `/request`, the logout state of
 * `/session/end`), applied before oidc-provider sees them. oidc-provider itself accepts any value
 * length, and bodies up to 56 KiB; Node's header limit (16 KiB here) was the only bound on a query.
 *
 * The whole query (or declared body): 8 KiB, the request line a stock nginx accepts
 * (large_client_header_buffers 8k), so an app behind an ordinary proxy cannot send more anyway.
 * Each query value: 2 KiB, with room for the parameters that legitimately grow: `state` 4 KiB
 * (apps that pack their own state into it stay far below; Connect2id caps it at 1 KiB for query
 * responses), `claims` 4 KiB, `nonce` 512 (it is copied into every ID token; Connect2id caps it at
 * 128), and tokens an app hands back (`id_token_hint`, `client_assertion`) only by the whole.
 */
export const AUTHORIZATION_REQUEST_MAX_BYTES = 8 * 1024;
export const PARAMETER_MAX_LENGTH = 2 * 1024;
export const PARAMETER_MAX_LENGTHS: Readonly<Record<string, number>> = {
  state: 4 * 1024,
  claims: 4 * 1024,
  nonce: 512,
  id_token_hint: AUTHORIZATION_REQUEST_MAX_BYTES,
  client_assertion: AUTHORIZATION_REQUEST_MAX_BYTES,
};

export function capAuthorizationParameters(): Middleware {
  return (ctx, next) => (isAuthorizationRequest(ctx) ? checked(ctx, next) : next());
}

async function checked(ctx: Context, next: Next): Promise<void> {
  if (Buffer.byteLength(ctx.querystring) > AUTHORIZATION_REQUEST_MAX_BYTES) throw tooLarge(414, 'address');
  checkValues(parse(ctx.querystring));
  if (ctx.method === 'POST') checkBodyLength(ctx);
  await next();
}

/**
 * A body is capped by its declared length only: oidc-provider reads bodies itself, and one read
 * here first would reach it only through its "already parsed" fallback (and a warning). The one
 * POST of these it serves is a pushed request, which lives 60 seconds; POST /auth and POST
 * /session/end it answers 404 (oidc-provider 9 serves them only with SameSite=None cookies).
 */
function checkBodyLength(ctx: Context): void {
  const declared = ctx.request.length;
  if (declared === undefined && ctx.get('transfer-encoding')) {
    throw new HttpError(411, 'lengthRequired', 'This sign-in request must say how long its body is (Content-Length). Tell the app\'s developer.');
  }
  if (declared !== undefined && declared > AUTHORIZATION_REQUEST_MAX_BYTES) throw tooLarge(413, 'body');
}

function checkValues(params: ParsedUrlQuery): void {
  for (const [name, value] of Object.entries(params)) {
    const limit = PARAMETER_MAX_LENGTHS[name] ?? PARAMETER_MAX_LENGTH;
    const values = Array.isArray(value) ? value : [value ?? ''];
    if (values.some((v) => v.length > limit)) {
      throw new HttpError(
        400,
        'parameterTooLong',
        `The sign-in request's "${name.slice(0, 64)}" parameter is longer than ${limit} characters, which Foyer does not accept. Tell the app's developer.`,
        { parameter: name.slice(0, 64), maxLength: limit },
      );
    }
  }
}

function tooLarge(status: 413 | 414, where: 'address' | 'body'): HttpError {
  return new HttpError(
    status,
    'requestTooLarge',
    `This sign-in request is larger than ${AUTHORIZATION_REQUEST_MAX_BYTES} bytes (its ${where}), which Foyer does not accept. Tell the app's developer.`,
  );
}
