import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { TargetConfiguration } from '../config/partners-schema.js';
import { describeTargets } from '../partners/admission.js';
import { toGraphDefault, toGraphPartner } from '../partners/graph-shape.js';
import { MfaTrust } from '../partners/mfa-trust.js';
import { PartnerDirectory, type PartnerSettings } from '../partners/partner-directory.js';
import { CliError } from './cli-context.js';

/** `foyer partners list|show`: the partner organisations and their settings, as config defines them. */
export function partnersCommands(program: Command): void {
  const partners = program.command('partners').description('partner organisations and their cross-tenant access settings (config: partners, partnerDefaults)');
  const open = () => {
    const config = loadConfig(program.opts().config as string | undefined);
    const directory = new PartnerDirectory(config);
    return { config, directory, trust: new MfaTrust(directory, config.identityProviders) };
  };

  partners
    .command('list')
    .description('list the partners: domains, identity providers, who may come in, which apps, MFA trust, automatic redemption')
    .option('--json', "print Graph's crossTenantAccessPolicyConfigurationPartner objects")
    .action((opts: { json?: boolean }) => {
      const { config, directory } = open();
      if (opts.json) return console.log(JSON.stringify(directory.list().map((p) => toGraphPartner(p, config.issuer)), null, 2));
      if (!directory.list().length) console.log('no partners are configured: every organisation gets partnerDefaults');
      for (const p of [...directory.list(), directory.defaults]) {
        console.log(`${(p.id ?? 'default').padEnd(20)} ${p.id ? p.displayName : 'every other organisation'}`);
        for (const line of summary(p)) console.log(`  ${line}`);
      }
    });

  partners
    .command('show <id>')
    .description('one partner’s settings in full, and where each comes from ("default" for partnerDefaults)')
    .option('--json', "print Graph's shape (crossTenantAccessPolicyConfigurationPartner, or …Default)")
    .action((id: string, opts: { json?: boolean }) => {
      const { config, directory, trust } = open();
      const partner = id === 'default' ? directory.defaults : directory.byId(id);
      if (!partner) throw new CliError(`no partner has the id "${id}" (partners: ${[...directory.list().map((p) => p.id), 'default'].join(', ')})`);
      if (opts.json) {
        const shape = partner.id ? toGraphPartner(partner, config.issuer) : toGraphDefault(directory, config.issuer, config.emailPasscode.enabled);
        return console.log(JSON.stringify(shape, null, 2));
      }
      console.log(partner.id ? `${partner.displayName} (${partner.id})` : 'partnerDefaults: every organisation that is not a partner');
      for (const line of summary(partner)) console.log(`  ${line}`);
      for (const idp of partner.dedicatedIdps) {
        const t = trust.forIdp(idp);
        console.log(`  MFA from ${idp}: ${t.accepted ? `accepted (amr ${t.amrValues.join(', ')}${t.acrValues.length ? `; acr ${t.acrValues.join(', ')}` : ''}${t.maxAgeSeconds ? `; at most ${t.maxAgeSeconds / 60} minutes old` : ''})` : 'not accepted'} [${t.source}]`);
      }
      if (partner.id) {
        const inv = partner.invitations;
        console.log(`  invitations: links work ${inv.ticketTtlDays ?? config.invitations.ticketTtlDays} days${inv.sponsor ? `; sponsor ${inv.sponsor}` : ''}${inv.message ? `; message "${inv.message.length > 60 ? `${inv.message.slice(0, 57)}...` : inv.message}"` : ''}`);
        if (partner.inherited.length) console.log(`  inherited from partnerDefaults: ${partner.inherited.join(', ')}`);
      }
    });
}

/** The settings a reviewer reads first, one line each. */
export function summary(p: PartnerSettings): string[] {
  const lines: string[] = [];
  if (p.id) lines.push(`domains: ${p.domains.join(', ') || 'none'}; identity providers: ${p.identityProviders.join(', ') || 'any'}`);
  lines.push(`who may come in: ${describeAccess(p.usersAndGroups, 'AllUsers', 'everyone')}`);
  lines.push(`which apps: ${describeAccess(p.applications, 'AllApplications', 'all apps')} (My Apps always)`);
  const t = p.inboundTrust;
  lines.push(`MFA at their IdP: ${t.isMfaAccepted ? `accepted${t.mfaMaxAgeMinutes ? `, at most ${t.mfaMaxAgeMinutes} minutes old` : ''}` : 'not accepted (Foyer asks for its own)'}`);
  lines.push(`automatic redemption: ${p.autoRedeem ? 'on (no review page)' : 'off'}`);
  return lines;
}

function describeAccess(c: TargetConfiguration, all: string, everyone: string): string {
  const listsAll = c.targets.some((t) => t.target === all);
  if (c.accessType === 'allowed') return listsAll ? everyone : `only ${describeTargets(c)}`;
  return listsAll ? 'nobody (blocked)' : `${everyone} but ${describeTargets(c)}`;
}
