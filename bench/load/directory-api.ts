/**
 * The `guests` scenario's API half (issue 20): `GET /v1.0/users`, `/v1.0/invitations` and
 * `/v1.0/auditLogs/signIns` at 100,000 guests, through the real routers (src/api/) mounted in a
 * bare Koa app on loopback with an app principal holding the read permissions (bearer-token
 * checking is left out: it costs the same at any size). For each list and `$filter`: the first
 * page, and a deep page reached by following `@odata.nextLink` (up to 50 pages of 100), each
 * fetched one request at a time and timed end to end.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import Koa from 'koa';
import { Router } from '@koa/router';
import { SignInLog } from '../../src/audit/sign-in-log.js';
import type { Database } from '../../src/db/connect.js';
import { DirectoryUsers } from '../../src/directory/directory-users.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { HttpError } from '../../src/http/http-error.js';
import { InvitationService } from '../../src/invitations/invitation-service.js';
import { InvitationsRepository } from '../../src/invitations/invitations-repository.js';
import { invitationsRoutes } from '../../src/api/invitations-routes.js';
import { signInsRoutes } from '../../src/api/sign-ins-routes.js';
import { SkipTokenCodec } from '../../src/api/skiptoken.js';
import { usersRoutes } from '../../src/api/users-routes.js';
import { summarize } from '../lib/stats.js';

export interface ApiListCase {
  id: string;
  what: string;
  depth: number;
  p50: number;
  p99: number;
  ops: number;
  rows: number;
  /** CPU time of this process (HTTP client and server) per page. */
  cpuMs: number;
}

export async function directoryApiBench(opts: {
  db: Database;
  iterations: number;
  deepPages: number;
  samples: { userId: string; upn: string; mail: string };
  log: (m: string) => void;
}): Promise<ApiListCase[]> {
  const { db } = opts;
  const issuer = 'http://127.0.0.1';
  const skipTokens = new SkipTokenCodec(() => [Buffer.from('bench-skiptoken-key')]);
  const users = new UsersRepository(db);
  const invitations = new InvitationService({ db, users, invitations: new InvitationsRepository(db), settings: { allowInvitesFrom: 'everyone' } } as never);
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      ctx.state.principal = { kind: 'app', appId: 'bench', displayName: 'bench', permissions: new Set(['User.Read.All', 'User.Invite.All', 'AuditLog.Read.All']) };
      await next();
    } catch (err) {
      ctx.status = err instanceof HttpError ? err.status : 500;
      ctx.body = { error: { code: err instanceof HttpError ? err.code : 'internal', message: String(err) } };
    }
  });
  const api = new Router({ prefix: '/v1.0' });
  for (const r of [
    usersRoutes({ issuer, users, identities: undefined as never, directory: new DirectoryUsers(db), groups: undefined as never, lifecycle: undefined as never, skipTokens }),
    invitationsRoutes({ service: invitations, issuer, skipTokens }),
    signInsRoutes({ log: new SignInLog(db), issuer, skipTokens }),
  ])
    api.use(r.routes());
  app.use(api.routes());
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    const body = (await res.json()) as { value?: unknown[]; '@odata.nextLink'?: string; error?: { code: string } };
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error)}`);
    return body;
  };
  const f = (filter: string) => `$filter=${encodeURIComponent(filter)}`;
  const lists: [string, string, string][] = [
    ['users', 'users', '/v1.0/users?'],
    ['users-guests', "users, userType eq 'Guest'", `/v1.0/users?${f("userType eq 'Guest'")}&`],
    ['users-members', "users, userType eq 'Member'", `/v1.0/users?${f("userType eq 'Member'")}&`],
    ['users-accepted', "users, externalUserState eq 'Accepted'", `/v1.0/users?${f("externalUserState eq 'Accepted'")}&`],
    ['users-guest-pending', "users, userType eq 'Guest' and externalUserState eq 'PendingAcceptance'", `/v1.0/users?${f("userType eq 'Guest' and externalUserState eq 'PendingAcceptance'")}&`],
    ['users-mail', 'users, mail eq (one address)', `/v1.0/users?${f(`mail eq '${opts.samples.mail}'`)}&`],
    ['invitations', 'invitations', '/v1.0/invitations?'],
    ['invitations-pending', 'invitations, status=PendingAcceptance', '/v1.0/invitations?status=PendingAcceptance&'],
    ['invitations-revoked', 'invitations, status=Revoked', '/v1.0/invitations?status=Revoked&'],
    ['signins', 'sign-ins', '/v1.0/auditLogs/signIns?'],
    ['signins-user', 'sign-ins, userId eq', `/v1.0/auditLogs/signIns?${f(`userId eq '${opts.samples.userId}'`)}&`],
    ['signins-upn', 'sign-ins, userPrincipalName eq', `/v1.0/auditLogs/signIns?${f(`userPrincipalName eq '${opts.samples.upn.toUpperCase()}'`)}&`],
    ['signins-app', "sign-ins, appId eq (1 of 5 apps)", `/v1.0/auditLogs/signIns?${f("appId eq 'app-2'")}&`],
    ['signins-idp', 'sign-ins, identityProvider eq', `/v1.0/auditLogs/signIns?${f("identityProvider eq 'google'")}&`],
    ['signins-failure', "sign-ins, result eq 'failure'", `/v1.0/auditLogs/signIns?${f("result eq 'failure'")}&`],
    ['signins-error', 'sign-ins, status/errorCode eq', `/v1.0/auditLogs/signIns?${f("status/errorCode eq 'accessDenied'")}&`],
    ['signins-ca', "sign-ins, conditionalAccessStatus eq 'failure'", `/v1.0/auditLogs/signIns?${f("conditionalAccessStatus eq 'failure'")}&`],
    ['signins-tenant', 'sign-ins, homeTenantId eq (1 of 50)', `/v1.0/auditLogs/signIns?${f("homeTenantId eq 'p7'")}&`],
    ['signins-range', 'sign-ins, createdDateTime ge/le (a month)', `/v1.0/auditLogs/signIns?${f('createdDateTime ge 2026-03-01T00:00:00Z and createdDateTime le 2026-03-31T23:59:59Z')}&`],
    ['signins-app-range', 'sign-ins, appId eq and createdDateTime ge', `/v1.0/auditLogs/signIns?${f("appId eq 'app-2' and createdDateTime ge 2026-03-01T00:00:00Z")}&`],
  ];
  const out: ApiListCase[] = [];
  try {
    for (const [id, what, path] of lists) {
      const first = `${path}$top=100`;
      // Follow the next links to the deep page once; then time that page like the first.
      let deep = first;
      let depth = 1;
      for (; depth <= opts.deepPages; depth++) {
        const next = (await get(deep))['@odata.nextLink'];
        if (!next) break;
        deep = next.slice(issuer.length);
      }
      for (const [suffix, url, pageNo] of [['first', first, 1], ['deep', deep, depth]] as const) {
        if (suffix === 'deep' && pageNo === 1) continue;
        for (let i = 0; i < 3; i++) await get(url); // warm-up
        const times: number[] = [];
        let rows = 0;
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < opts.iterations; i++) {
          const start = performance.now();
          rows = (await get(url)).value?.length ?? 0;
          times.push(performance.now() - start);
        }
        const s = summarize(times);
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = Math.round(((cpu.user + cpu.system) / 1000 / times.length) * 10) / 10;
        out.push({ id: `api-${id}-${suffix}`, what: `${what}${suffix === 'deep' ? `, page ${pageNo}` : ', first page'}`, depth: pageNo, p50: s.p50, p99: s.p99, ops: times.length, rows, cpuMs });
        opts.log(`api-${id}-${suffix}: p50 ${s.p50} ms, p99 ${s.p99} ms, CPU ${cpuMs} ms a page (client and server) (${rows} rows, page ${pageNo})`);
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return out;
}

/**
 * Sign-in log rows for the seeded guests: `count` rows a minute apart from 2026-01-01, over five
 * apps, three IdPs and 50 partner tenants; one in ten a failure (half of them accessDenied by
 * conditional access), one in fifty interrupted.
 */
export async function seedSignIns(db: Database, guests: { id: string; mail: string }[], count: number, batch = 500): Promise<void> {
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const idps = ['partner', 'google', 'email-otp'];
  await db.transaction(async (trx) => {
    for (let at = 0; at < count; at += batch) {
      const rows = [];
      for (let i = at; i < Math.min(count, at + batch); i++) {
        const g = guests[(i * 7) % guests.length]!;
        const failure = i % 10 === 0;
        const denied = failure && i % 20 === 0;
        rows.push({
          id: crypto.randomUUID(),
          created_at: new Date(start + i * 60_000).toISOString(),
          user_id: g.id,
          user_principal_name: g.mail,
          user_display_name: g.mail.split('@')[0],
          user_type: 'Guest',
          app_id: `app-${i % 5}`,
          app_display_name: `App ${i % 5}`,
          identity_provider: idps[i % 3],
          ip_address: '127.0.0.1',
          correlation_id: null,
          is_interactive: true,
          result: failure ? 'failure' : i % 50 === 1 ? 'interrupted' : 'success',
          error_code: failure ? (denied ? 'accessDenied' : 'upstreamError') : null,
          failure_reason: failure ? 'bench' : null,
          conditional_access_status: denied ? 'failure' : 'success',
          applied_policies: '[]',
          authentication_requirement: 'singleFactorAuthentication',
          home_tenant_id: `p${i % 50}`,
          home_tenant_name: `Partner ${i % 50}`,
        });
      }
      await trx('sign_ins').insert(rows);
    }
  });
}
