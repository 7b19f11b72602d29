import type { Command } from 'commander';
import { IdentitiesRepository } from '../directory/identities-repository.js';
import { createRenderer } from '../http/render.js';
import { parseInput } from '../http/validate.js';
import { createInvitationInput } from '../invitations/invitation-input.js';
import { invitationServiceFor } from '../invitations/invitation-service-factory.js';
import { InvitationsRepository } from '../invitations/invitations-repository.js';
import type { Inviter } from '../invitations/inviter.js';
import { createLogger } from '../logging/logger.js';
import { createMailer } from '../mail/mailer.js';
import { CliError, run } from './cli-context.js';
import { withDirectory, type DirectoryCli } from './directory-cli.js';
import { bulkInvite } from './bulk-invite-command.js';
import { printTable } from './table.js';
import type { GraphInvitation } from '../invitations/invitation-model.js';

const CLI_INVITER: Inviter = { type: 'cli', displayName: 'An administrator' };

/** The invitation service as the server builds it, with the directory's lifecycle (a reset ends sessions in SQL or Redis). */
function service(cli: DirectoryCli) {
  const { config, db, users, audit, lifecycle } = cli;
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const mailer = createMailer(config.mail, logger);
  const svc = invitationServiceFor(config, {
    db,
    users,
    identities: new IdentitiesRepository(db),
    invitations: new InvitationsRepository(db),
    audit,
    mailer,
    renderer: createRenderer(config.tenant, false),
    lifecycle,
  });
  return { svc, close: () => mailer.close() };
}

/** Graph's status, except a pending invitation past its expiry, which shows as Expired (its link no longer works). */
export function displayStatus(i: Pick<GraphInvitation, 'status' | 'expirationDateTime'>, now = new Date()): string {
  return i.status === 'PendingAcceptance' && new Date(i.expirationDateTime) <= now ? 'Expired' : i.status;
}

export function invitationCommands(program: Command): void {
  program
    .command('invite [email]')
    .description('invite a guest by email and print the redeem URL; or, with --csv, every guest of a CSV file')
    .option('--redirect <url>', 'where the guest lands after redemption: a registered app URL (default: My Apps)')
    .option('--name <displayName>', "the guest's display name")
    .option('--message <text>', 'a personal message for the invitation mail')
    .option('--send', 'send the invitation mail', false)
    .option('--send-again', 'invite a guest who has already accepted (their link opens the app)', false)
    .option('--member', 'invite as a Member instead of a Guest', false)
    .option('--csv <file>', 'invite every row of a CSV file (columns email, displayName, redirectUrl, sendMail, message; or Entra\'s template)')
    .option('--dry-run', 'with --csv: check every row and print the result, send nothing', false)
    .option('--skip-invalid', 'with --csv: send the valid rows even if some rows are not valid', false)
    .option('--out <file>', 'with --csv: write the per-row result (CSV) to this file instead of stdout')
    .action((email: string | undefined, opts: { redirect?: string; name?: string; message?: string; send: boolean; sendAgain: boolean; member: boolean; csv?: string; dryRun: boolean; skipInvalid: boolean; out?: string }) =>
      withDirectory(program.opts().config, async (cli) => {
        if (opts.csv) {
          if (email) throw new CliError('give either an email address or --csv FILE, not both');
          const { svc, close } = service(cli);
          try {
            process.exitCode = await bulkInvite(svc, CLI_INVITER, { csv: opts.csv, dryRun: opts.dryRun, skipInvalid: opts.skipInvalid, out: opts.out });
          } finally {
            close();
          }
          return;
        }
        if (!email) throw new CliError('give the email address to invite, or --csv FILE');
        if (opts.dryRun || opts.out || opts.skipInvalid) throw new CliError('--dry-run, --skip-invalid and --out go with --csv');
        const input = run(async () =>
          parseInput(createInvitationInput, {
            invitedUserEmailAddress: email,
            ...(opts.redirect ? { inviteRedirectUrl: opts.redirect } : {}),
            ...(opts.name ? { invitedUserDisplayName: opts.name } : {}),
            sendInvitationMessage: opts.send,
            ...(opts.sendAgain ? { sendAgain: true } : {}),
            ...(opts.message ? { invitedUserMessageInfo: { customizedMessageBody: opts.message } } : {}),
            invitedUserType: opts.member ? 'Member' : 'Guest',
          }),
        );
        const { svc, close } = service(cli);
        try {
          const created = await run(async () => svc.create(await input, CLI_INVITER));
          console.log(`invited ${created.invitedUserEmailAddress} (user ${created.invitedUser.id}, invitation ${created.id}, ${created.status})`);
          if (opts.send) console.log('invitation mail sent');
          console.log(created.inviteRedeemUrl);
        } finally {
          close();
        }
      }),
    );

  const invitations = program.command('invitations').description('pending and past invitations');
  invitations
    .command('list')
    .description('list invitations, newest first')
    .option('--status <status>', 'PendingAcceptance, Completed, Revoked or Superseded')
    .option('--json', 'print JSON')
    .action((opts: { status?: string; json?: boolean }) =>
      withDirectory(program.opts().config, async (cli) => {
        const statuses = ['PendingAcceptance', 'Completed', 'Revoked', 'Superseded'] as const;
        const status = opts.status as (typeof statuses)[number] | undefined;
        if (status && !statuses.includes(status)) throw new CliError(`--status must be one of ${statuses.join(', ')}`);
        const { svc, close } = service(cli);
        try {
          const list = await svc.list({ status, top: 1000 }, CLI_INVITER);
          if (opts.json) console.log(JSON.stringify(list, null, 2));
          // A pending invitation whose link no longer works is not pending to the person reading this.
          else printTable(['ID', 'STATUS', 'EMAIL', 'EXPIRES', 'INVITED BY'], list.map((i) => [i.id, displayStatus(i), i.invitedUserEmailAddress, i.expirationDateTime.slice(0, 10), i.invitedBy.displayName ?? i.invitedBy.type]), 'no invitations');
        } finally {
          close();
        }
      }),
    );
  for (const [name, description] of [
    ['resend', 'issue a new link for a pending invitation (the old one stops working) and mail it'],
    ['revoke', 'withdraw a pending invitation'],
  ] as const) {
    invitations
      .command(`${name} <invitationId>`)
      .description(description)
      .action((id: string) =>
        withDirectory(program.opts().config, async (cli) => {
          const { svc, close } = service(cli);
          try {
            const result = await run(() => (name === 'resend' ? svc.resend(id, CLI_INVITER) : svc.revoke(id, CLI_INVITER)));
            console.log(`${result.id}: ${result.status}`);
            if (result.inviteRedeemUrl) console.log(result.inviteRedeemUrl);
          } finally {
            close();
          }
        }),
      );
  }
  invitations
    .command('reset <user>')
    .description("reset a guest's redemption (account recovery): identities and MFA removed, signed out everywhere, a new invitation issued")
    .option('--email <address>', 'send the new invitation to this address instead of the current one (the guest’s address changes)')
    .option('--redirect <url>', 'where the guest lands after redemption: a registered app URL (default: My Apps)')
    .option('--send', 'send the invitation mail', false)
    .action((ref: string, opts: { email?: string; redirect?: string; send: boolean }) =>
      withDirectory(program.opts().config, async (cli) => {
        const user = await cli.user(ref.trim());
        const input = await run(async () =>
          parseInput(createInvitationInput, {
            invitedUserEmailAddress: opts.email ?? user.mail,
            ...(opts.redirect ? { inviteRedirectUrl: opts.redirect } : {}),
            sendInvitationMessage: opts.send,
            resetRedemption: true,
            invitedUser: { id: user.id },
          }),
        );
        const { svc, close } = service(cli);
        try {
          const reset = await run(() => svc.create(input, CLI_INVITER));
          console.log(`reset ${user.mail}${reset.invitedUserEmailAddress === user.mail ? '' : ` → ${reset.invitedUserEmailAddress}`} (user ${user.id}, invitation ${reset.id}): signed out everywhere`);
          if (opts.send) console.log('invitation mail sent');
          console.log(reset.inviteRedeemUrl);
        } finally {
          close();
        }
      }),
    );
}
