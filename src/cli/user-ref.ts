import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { CliError } from './cli-context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one way every command reads a user it is given (users, invitations, groups members, roles,
 * mfa, policy what-if, sign-ins, audit): an email address or a user id, trimmed.
 */
export async function resolveUser(users: Pick<UsersRepository, 'findById' | 'findByEmail'>, raw: string): Promise<User> {
  const ref = raw.trim();
  if (UUID.test(ref)) {
    const found = await users.findById(ref.toLowerCase());
    if (!found) throw new CliError(`no user has the id "${ref}" (see npx foyer users list)`);
    return found;
  }
  if (!ref.includes('@')) throw new CliError(`"${ref}" is neither an email address nor a user id`);
  const found = await users.findByEmail(ref);
  if (!found) throw new CliError(`no user has the email address "${ref}" (see npx foyer users list)`);
  return found;
}
