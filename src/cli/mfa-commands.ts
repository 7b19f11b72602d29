import type { Command } from 'commander';
import { AuditLog } from '../audit/audit-log.js';
import { UsersRepository } from '../directory/users-repository.js';
import { createThrottle } from '../http/throttle.js';
import { MfaService } from '../mfa/mfa-service.js';
import { withDatabase } from './cli-context.js';
import { findUser } from './policy-commands.js';

export function mfaCommands(program: Command): void {
  const mfa = program.command('mfa').description('multi-factor authentication (TOTP)');
  mfa
    .command('reset <user>')
    .description("remove a user's authenticator app and recovery codes (lost phone and codes); they set it up again at the next MFA prompt")
    .action((ref: string) =>
      withDatabase(program.opts().config, async ({ db }) => {
        const user = await findUser(new UsersRepository(db), ref.trim());
        // Removing needs no key: nothing is decrypted.
        const service = new MfaService({ db, key: undefined, throttle: createThrottle({ name: 'mfa-cli', points: 1, durationSeconds: 1 }), issuer: '' });
        const removed = await service.reset(user.id);
        if (removed) {
          await new AuditLog(db).record({ category: 'UserManagement', activity: 'Reset MFA', result: 'success', actor: { type: 'cli' }, target: { type: 'User', id: user.id } });
        }
        console.log(removed ? `removed the authenticator app and recovery codes of ${user.mail}` : `${user.mail} has no authenticator app set up; nothing to remove`);
      }),
    );
}
