import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import { z } from 'zod';

/** The browser's WebAuthn answer as public/passkey.js posts it: JSON in the `response` field, bounded. */
const answer = z
  .string()
  .max(64 * 1024)
  .transform((s, c) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      c.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.looseObject({
      id: z.string().min(1).max(1400),
      rawId: z.string().min(1).max(1400),
      type: z.literal('public-key'),
      response: z.looseObject({ clientDataJSON: z.string().max(16 * 1024) }),
      clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    }),
  );

/** The posted answer, or undefined when it is not one (the caller refuses it as invalid). */
export function passkeyAnswer<T extends AuthenticationResponseJSON | RegistrationResponseJSON>(ctx: Context): T | undefined {
  const parsed = answer.safeParse((ctx.request.body as Record<string, unknown> | undefined)?.response);
  return parsed.success ? (parsed.data as unknown as T) : undefined;
}

/** The name a person gave a new passkey, or "Passkey". */
export function passkeyName(ctx: Context): string {
  const raw = (ctx.request.body as Record<string, unknown> | undefined)?.name;
  const name = typeof raw === 'string' ? [...raw].filter((c) => c >= ' ' && c !== '\u007f').join('').trim().slice(0, 64) : '';
  return name || 'Passkey';
}
