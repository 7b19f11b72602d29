import type { Command } from 'commander';
import { createRenderer } from '../http/render.js';
import { createLogger } from '../logging/logger.js';
import { createMailer } from '../mail/mailer.js';
import { passwordResetServiceFor } from '../password-reset/password-reset-factory.js';
import { withDirectory } from './directory-cli.js';
import { readPassword } from './read-password.js';

/**
 * `foyer users reset-password <user>`: an administrator sets a member's new password (read from
 * the terminal or stdin), or mails them a reset link with --send-link. Either way the member's
 * other links are closed, every session and refresh token ends, and the audit log says so.
 */
export function resetPasswordCommand(users: Command, program: Command): void {
  users
    .command('reset-password <user>')
    .description("reset a member's password (read from the terminal or stdin), or mail them a reset link; ends their sessions")
    .option('--send-link', 'mail the member a single-use reset link instead of setting a password', false)
    .action((ref: string, opts: { sendLink: boolean }) =>
      withDirectory(program.opts().config, async (cli) => {
        const user = await cli.user(ref);
        const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
        const mailer = createMailer(cli.config.mail, logger);
        try {
          const service = passwordResetServiceFor(cli.config, { db: cli.db, users: cli.users, audit: cli.audit, mailer, renderer: createRenderer(cli.config.tenant, false), lifecycle: cli.lifecycle, logger });
          if (opts.sendLink) {
            const { expiresAt } = await service.issueLink(user, { send: true });
            // The link itself is not printed: it is the member's, and terminals keep scrollback.
            console.log(`mailed a password reset link to ${user.mail}; it works once, until ${expiresAt}`);
            return;
          }
          const password = await readPassword('New password: ');
          const ended = await service.setPassword(user, password);
          console.log(`set a new password for ${user.mail}; ${ended.sessions} session(s) ended and ${ended.grants} grant(s) revoked`);
        } finally {
          mailer.close();
        }
      }),
    );
}
