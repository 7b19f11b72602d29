import type { Command } from 'commander';
import { SignInLog, type SignInFilter, type SignInResult } from '../audit/sign-in-log.js';
import { UsersRepository } from '../directory/users-repository.js';
import { CliError, withDatabase } from './cli-context.js';
import { findUser } from './policy-commands.js';
import { printTable } from './table.js';

const RESULTS: SignInResult[] = ['success', 'failure', 'interrupted'];

export function signInsCommands(program: Command): void {
  const signIns = program.command('sign-ins').description('the sign-in log');
  signIns
    .command('list')
    .description('list sign-ins, newest first, with the conditional access policies applied')
    .option('--user <email|id>', 'only this user')
    .option('--app <id>', 'only this app (client id)')
    .option('--result <result>', `only ${RESULTS.join(', ')}`)
    .option('--top <n>', 'how many (1-1000)', '50')
    .option('--json', 'print JSON (Graph signIn objects)')
    .action((opts: { user?: string; app?: string; result?: string; top: string; json?: boolean }) =>
      withDatabase(program.opts().config, async ({ db }) => {
        const top = Number(opts.top);
        if (!Number.isInteger(top) || top < 1 || top > 1000) throw new CliError('--top must be a whole number from 1 to 1000');
        if (opts.result !== undefined && !RESULTS.includes(opts.result as SignInResult)) throw new CliError(`--result must be one of ${RESULTS.join(', ')}`);
        const filter: SignInFilter = { ...(opts.app ? { appId: opts.app } : {}), ...(opts.result ? { result: opts.result as SignInResult } : {}) };
        if (opts.user) filter.userId = (await findUser(new UsersRepository(db), opts.user.trim())).id;
        const rows = await new SignInLog(db).list({ top, filter });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        const table = rows.map((r) => {
          const policies = r.appliedConditionalAccessPolicies.filter((p) => p.result !== 'notApplied' && p.result !== 'notEnabled' && p.result !== 'reportOnlyNotApplied');
          // The underlying reason of a failure (an upstream library's error) goes last: it may be long.
          const detail = [policies.map((p) => `${p.id}=${p.result}`).join(', '), r.result === 'failure' ? r.status.additionalDetails : undefined].filter(Boolean).join('; ');
          return [r.createdDateTime, r.result, r.userPrincipalName, r.appId, r.identityProvider, r.ipAddress, r.conditionalAccessStatus, r.mfaDetail?.authMethod, r.status.errorCode, detail];
        });
        printTable(['TIME', 'RESULT', 'USER', 'APP', 'IDP', 'IP', 'CA', 'MFA', 'ERROR', 'POLICIES; DETAIL'], table, 'no sign-ins match');
      }),
    );
}
