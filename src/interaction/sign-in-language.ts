import type { Context } from 'koa';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { chosenLanguage } from '../i18n/request-language.js';

/**
 * After a successful sign-in: the language its pages spoke because the person (or their app, with
 * ui_locales, or their browser) chose it becomes their preferredLanguage, so the mails Foyer sends
 * them later speak it too. Only while they have none: an admin's choice, an invitation's
 * messageLanguage kept at redemption, or an earlier sign-in's language is never overwritten (the
 * update is conditional, so a racing admin PATCH wins either way). A default nobody chose is not kept.
 */
export async function keepSignInLanguage(ctx: Context, deps: { users: Pick<UsersRepository, 'adoptPreferredLanguage'>; languages: readonly string[] }, user: Pick<User, 'id' | 'preferredLanguage'>): Promise<void> {
  if (user.preferredLanguage) return;
  const language = chosenLanguage(ctx, deps.languages);
  if (language) await deps.users.adoptPreferredLanguage(user.id, language);
}
