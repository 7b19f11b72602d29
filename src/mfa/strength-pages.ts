import type { Context } from 'koa';
import type { User } from '../directory/user-model.js';
import type { PageRenderer } from '../http/render.js';
import type { Translator } from '../i18n/translator.js';
import type { InteractionDetails } from '../interaction/interaction-context.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import type { StrengthCatalog } from '../strengths/strength-catalog.js';

/** The built-in strengths' names (strengths/built-in-strengths.ts) as catalog keys. */
const BUILT_IN_NAME_KEYS: Record<string, string> = {
  phishingResistantMfa: 'strength.phishingResistantMfa',
  passwordlessMfa: 'strength.passwordlessMfa',
  mfa: 'strength.mfa',
};

/**
 * The MFA step's pages for a required authentication strength: creating the passkey it needs, and
 * the page for a user who cannot meet it here, which says what to do and leads only back to the
 * app (with access_denied).
 */
export function strengthPages(deps: { renderer: PageRenderer; strengths: StrengthCatalog; passkeys?: PasskeyService; scopeOf: (details: InteractionDetails) => string }) {
  /** The strengths' names, joined ("A and B"): built-in ones in the reader's language, custom ones as configured. */
  function names(required: readonly string[], tr?: Translator): string {
    const named = required.map((id) => (tr && Object.hasOwn(BUILT_IN_NAME_KEYS, id) ? tr.t(BUILT_IN_NAME_KEYS[id]!) : (deps.strengths.get(id)?.displayName ?? id)));
    return new Intl.ListFormat(tr?.lang ?? 'en', { type: 'conjunction' }).format(named);
  }

  async function registerPasskey(ctx: Context, details: InteractionDetails, user: User, common: Record<string, unknown>, required: string[], proved: boolean): Promise<void> {
    const passkey = { mode: 'register', action: `/interaction/${details.uid}/mfa/passkey/register`, options: await deps.passkeys!.registrationOptions(deps.scopeOf(details), user), button: 'passkey.create', askName: true };
    await deps.renderer.page(ctx, 'mfa-passkey-register', { ...common, passkey, strengthName: names(required, deps.renderer.translator(ctx)), proved }, (common.status as number | undefined) ?? 200);
  }

  async function unavailable(ctx: Context, common: Record<string, unknown>, required: string[]): Promise<void> {
    const ways = required.flatMap((id) => deps.strengths.get(id)?.allowedCombinations.map((c) => c.join(' + ')) ?? []);
    await deps.renderer.page(ctx, 'strength-unavailable', { ...common, strengthName: names(required, deps.renderer.translator(ctx)), ways: [...new Set(ways)], code: 'authenticationStrengthUnavailable' }, 403);
  }

  return { names, registerPasskey, unavailable };
}
