import type { Command } from 'commander';
import { newScimToken } from '../scim/scim-auth.js';

/** `foyer scim new-token`: a SCIM client's bearer token, and the hash that goes into config. */
export function scimCommands(program: Command): void {
  const scim = program.command('scim').description('SCIM 2.0 provisioning clients (/scim/v2)');
  scim
    .command('new-token')
    .description('print a new bearer token for a SCIM client and the tokenSha256 to put in scim.clients')
    .option('--client <id>', 'the client id to show in the config snippet', 'hr')
    .action((opts: { client: string }) => {
      const { token, sha256 } = newScimToken();
      console.log(`token (give it to the provisioning client; Foyer keeps only its hash): ${token}`);
      console.log('');
      console.log('scim:');
      console.log('  clients:');
      console.log(`    - id: ${opts.client}`);
      console.log(`      tokenSha256: ${sha256}`);
      console.log('      provisions: members          # or guests, with partner: <partners[].id>');
    });
}
