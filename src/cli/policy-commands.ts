import type { Command } from 'commander';
import type { AccessDecision, PolicyTrace } from '../access/evaluate.js';
import { parseIp } from '../access/ip-ranges.js';
import { describeDecision, WhatIf } from '../access/what-if.js';
import { MfaTrust } from '../partners/mfa-trust.js';
import { AUTH_METHODS, isAuthMethod, withMethods, type AuthMethod } from '../strengths/authentication-methods.js';
import { accessEnded } from '../directory/account-usable.js';
import { UsersRepository } from '../directory/users-repository.js';
import { LOCAL_IDP_ID } from '../config/policies-schema.js';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import type { AdmissionDecision, PartnerVerdicts } from '../partners/admission.js';
import type { EffectiveTrust } from '../partners/mfa-trust.js';
import { CliError, run, withDatabase } from './cli-context.js';
import { printTable } from './table.js';
import { resolveUser } from './user-ref.js';

export { describeDecision };

/** A user by id or email, or a CliError that says which (the one resolver, user-ref.ts). */
export const findUser = resolveUser;

export function policyCommands(program: Command): void {
  const policy = program.command('policy').description('conditional access policies (config: conditionalAccess)');

  policy
    .command('list')
    .description('list the configured policies with their state and controls')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withDatabase(program.opts().config, async ({ config }) => {
        if (opts.json) return console.log(JSON.stringify(config.conditionalAccess, null, 2));
        const rows = config.conditionalAccess.map((p) => {
          const grants = p.grantControls ? [...p.grantControls.builtInControls, ...p.grantControls.termsOfUse.map((t) => `termsOfUse:${t}`)].join(` ${p.grantControls.operator} `) : '';
          const session = p.sessionControls?.signInFrequency ? `signInFrequency ${p.sessionControls.signInFrequency.value} ${p.sessionControls.signInFrequency.type}` : '';
          return [p.id, stateLabel(p.state), p.displayName, [grants, session].filter(Boolean).join('; ') || 'no controls'];
        });
        printTable(['ID', 'STATE', 'NAME', 'CONTROLS'], rows, 'no conditional access policies are configured');
      }),
    );

  policy
    .command('what-if')
    .description('show which policies would apply to a sign-in and the decision, without signing anyone in')
    .requiredOption('--user <email|id>', 'the user signing in')
    .requiredOption('--app <id>', 'the app (client id) being signed in to')
    .option('--ip <address>', 'the client IP address (IPv4 or IPv6), for named locations')
    .option('--idp <id>', `the identity provider used (an identityProviders id, ${PASSCODE_IDP}, or ${LOCAL_IDP_ID} for passwords)`)
    .option('--mfa', 'as if the session already did MFA', false)
    .option('--methods <list>', `the methods the session used, comma-separated (${AUTH_METHODS.join(', ')}), for authentication strengths`)
    .option('--upstream-amr <list>', 'what the home IdP (--idp) asserted in amr, comma-separated (e.g. hwk,mfa): its trust settings turn it into methods')
    .option('--upstream-acr <value>', 'what the home IdP (--idp) asserted as acr (SAML: AuthnContextClassRef)')
    .option('--upstream-age <minutes>', 'how long ago the home IdP authenticated the person (auth_time / AuthnInstant)', '0')
    .option('--json', 'print JSON')
    .action((opts: WhatIfOptions) =>
      withDatabase(program.opts().config, async ({ config, db }) => {
        const users = new UsersRepository(db);
        const whatIf = new WhatIf(config, db, users);
        const apps = whatIf.apps;
        if (!apps.has(opts.app)) throw new CliError(`no app has the id "${opts.app}" (apps: ${[...apps.keys()].join(', ')})`);
        if (opts.ip !== undefined && !parseIp(opts.ip)) throw new CliError(`--ip "${opts.ip}" is not an IPv4 or IPv6 address`);
        const idps = whatIf.identityProviders;
        if (opts.idp !== undefined && !idps.includes(opts.idp)) throw new CliError(`--idp "${opts.idp}" is not an identity provider here (known: ${idps.join(', ')})`);
        const user = await findUser(users, opts.user.trim());
        const session = sessionMethods(opts, new MfaTrust(whatIf.partnerDirectory, config.identityProviders));
        const mfa = opts.mfa || session.methods.some((m) => !['password', 'emailOtp', 'federated'].includes(m));
        const { decision, partner, trust } = await run(() => whatIf.evaluate({ appId: opts.app, ipAddress: opts.ip, identityProvider: opts.idp, user, mfa, methods: session.methods }));
        if (opts.json) {
          const partnerJson = partner && { allowed: partner.allowed, refusal: partner.refusal && { code: partner.refusal.code, partner: partner.refusal.partner.id, why: partner.refusal.why }, applied: partner.applied.map(appliedJson), mfaTrust: trust ?? null };
          console.log(JSON.stringify({ user: { id: user.id, mail: user.mail, userType: user.userType, accountEnabled: user.accountEnabled }, appId: opts.app, ipAddress: opts.ip ?? null, identityProvider: opts.idp ?? null, mfa, methods: session.methods, upstream: session.why, partner: partnerJson ?? null, decision: asPrinted(decision) }, null, 2));
          return;
        }
        const how = [opts.ip ? `from ${opts.ip}` : 'from any address', opts.idp ? `with ${opts.idp}` : 'with any identity provider', session.methods.length ? `having used ${session.methods.join(', ')}` : mfa ? 'after MFA' : 'without MFA so far'];
        console.log(`What if ${user.mail} (${user.userType}, id ${user.id}) signs in to ${apps.get(opts.app)} (${opts.app}) ${how.join(', ')}:\n`);
        if (!user.accountEnabled) console.log('  note: this account is disabled, so its sign-ins are refused before any policy\n');
        else if (accessEnded(user, new Date())) console.log(`  note: this guest's access ended at ${user.accessExpiresAt}, so their sign-ins are refused before any policy\n`);
        if (partner) console.log(describePartners(partner, trust));
        if (session.why.length) console.log(`What the home IdP asserted counts as:\n${session.why.map((w) => `  ${w}`).join('\n')}\n`);
        else console.log('Partner settings: none apply (a member of this organisation)\n');
        console.log('Conditional access:\n');
        if (!decision.trace.length) console.log('  no conditional access policies are configured\n');
        for (const t of decision.trace) console.log(describeTrace(t));
        if (partner?.refusal) console.log(`Decision: REFUSED by the partner settings of ${partner.refusal.partner.id ?? 'partnerDefaults'} (${partner.refusal.code}), before conditional access`);
        else console.log(`Decision: ${describeDecision(decision)}`);
      }),
    );
}

interface WhatIfOptions {
  user: string;
  app: string;
  ip?: string;
  idp?: string;
  mfa: boolean;
  methods?: string;
  upstreamAmr?: string;
  upstreamAcr?: string;
  upstreamAge: string;
  json?: boolean;
}

/** The methods of the imagined session: --methods as given, plus what the home IdP's assertion earns under its trust settings. */
function sessionMethods(opts: WhatIfOptions, trust: MfaTrust): { methods: AuthMethod[]; why: string[] } {
  const listed = (opts.methods ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = listed.filter((m) => !isAuthMethod(m));
  if (unknown.length) throw new CliError(`--methods: ${unknown.map((m) => `"${m}"`).join(', ')} ${unknown.length === 1 ? 'is not a method' : 'are not methods'} (known: ${AUTH_METHODS.join(', ')})`);
  const methods = listed as AuthMethod[];
  if (opts.upstreamAmr === undefined && opts.upstreamAcr === undefined) return { methods: withMethods(methods), why: [] };
  if (!opts.idp || opts.idp === LOCAL_IDP_ID || opts.idp === PASSCODE_IDP) throw new CliError('--upstream-amr and --upstream-acr describe a home IdP: name it with --idp');
  const age = Number(opts.upstreamAge);
  if (!Number.isFinite(age) || age < 0) throw new CliError(`--upstream-age "${opts.upstreamAge}" is not a number of minutes`);
  const now = Date.now();
  const amr = (opts.upstreamAmr ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const verdict = trust.methods({ idpId: opts.idp, amr, acr: opts.upstreamAcr, authTime: Math.floor(now / 1000 - age * 60) }, now);
  return { methods: withMethods(methods, 'federated', ...verdict.methods), why: verdict.why };
}

/** Which organisations' settings applied, how the person came to be theirs, and each verdict. */
function describePartners(d: AdmissionDecision, trust: EffectiveTrust | undefined): string {
  const lines = ['Partner settings (checked first, at every sign-in and token refresh):', ''];
  for (const a of d.applied) {
    lines.push(`  ${a.partner.id ? `${a.partner.displayName} (${a.partner.id})` : 'partnerDefaults'}, because of ${a.matchedBy.join('; ')}`);
    for (const [what, v] of [['who', a.users], ['identity provider', a.identityProvider], ['app', a.applications]] as const) {
      if (v) lines.push(`${' '.repeat(15)}${what}: ${v.why} → ${v.allowed ? (v.pending ? 'decided by the IdP’s claims at sign-in' : 'allowed') : `REFUSED (${v.code})`}`);
    }
  }
  if (trust) lines.push(`${' '.repeat(2)}MFA done at that IdP: ${trust.accepted ? `counts (amr ${trust.amrValues.join(', ')}${trust.maxAgeSeconds ? `, at most ${trust.maxAgeSeconds / 60} minutes old` : ''})` : 'does not count'} [${trust.source}]`);
  return `${lines.join('\n')}\n`;
}

function appliedJson(a: PartnerVerdicts) {
  return { partner: a.partner.id, displayName: a.partner.displayName, matchedBy: a.matchedBy, users: a.users, identityProvider: a.identityProvider ?? null, applications: a.applications ?? null, inherited: a.partner.inherited };
}

function stateLabel(state: string): string {
  return state === 'enabledForReportingButNotEnforced' ? 'report-only' : state;
}

/** The decision as --json has always printed it: each policy's English reason, not its code (the code is for the console's languages). */
function asPrinted(decision: AccessDecision): Omit<AccessDecision, 'trace'> & { trace: Omit<PolicyTrace, 'why'>[] } {
  return { ...decision, trace: decision.trace.map(({ why: _why, ...printed }) => printed) };
}

function describeTrace(t: PolicyTrace): string {
  const label = t.state === 'disabled' ? 'OFF' : !t.applied ? 'NOT APPLIED' : t.reportOnly ? 'REPORT-ONLY' : 'APPLIES';
  const by = t.satisfiedBy ? ` (met by ${t.satisfiedBy})` : '';
  const outcome = t.applied ? `\n${' '.repeat(15)}→ ${t.result}${by}${t.unmet.length ? `: needs ${t.unmet.join(', ')}` : ''}` : '';
  return `  ${label.padEnd(12)} ${t.displayName} (${t.id}) [${stateLabel(t.state)}]\n${' '.repeat(15)}${t.reason}${outcome}\n`;
}
