import type { Router } from '@koa/router';
import { listDirectoryAudits, type DirectoryAudit } from '../../audit/directory-audits.js';
import { SignInLog } from '../../audit/sign-in-log.js';
import { DEFAULT_APP_ROLE_ID } from '../../config/app-claims-schema.js';
import { HttpError } from '../../http/http-error.js';
import type { Translator } from '../../i18n/translator.js';
import { portalUser } from '../../portal/portal-auth.js';
import { STATE_LABEL_KEY } from '../../portal/guest-summary.js';
import { consolePermissions } from '../console-access.js';
import { consolePageBase } from '../console-page.js';
import { reasonText } from '../policy-reason-text.js';
import { actionNotice } from './action-notice.js';
import { guestRows, shortTime } from './guest-rows.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECENT = 20;

/**
 * One guest's page: profile and state, sponsors, linked identities, groups, app assignments and
 * roles, sessions, recent sign-ins with the policy trace, and the audit trail (as target or
 * initiator). The sign-in and audit logs need AuditLog.Read.All, as in the API; the actions need
 * what guest-action-routes.ts asks.
 */
export function guestDetailRoutes(router: Router, deps: GuestsConsoleDeps): void {
  const signIns = new SignInLog(deps.db);
  const appName = (id: string) => deps.apps.find((a) => a.id === id)?.displayName ?? id;
  const roleName = (appId: string, roleId: string, tr: Translator) => {
    if (roleId === DEFAULT_APP_ROLE_ID) return tr.t('console.common.defaultAccess');
    const role = deps.apps.find((a) => a.id === appId)?.appRoles.find((r) => r.id.toLowerCase() === roleId.toLowerCase());
    return role ? `${role.displayName} (${role.value})` : roleId;
  };

  router.get('/:userId', async (ctx) => {
    const id = ctx.params.userId ?? '';
    const user = UUID.test(id) ? await deps.users.findById(id) : undefined;
    if (!user || user.userType !== 'Guest') throw new HttpError(404, 'guestNotFound', 'There is no such guest.');
    const held = consolePermissions(portalUser(ctx));
    const tr = deps.renderer.translator(ctx);
    const never = tr.t('console.common.never');
    const unknown = tr.t('console.common.unknown');
    const mayAudit = held.has('AuditLog.Read.All');
    const [[row], sponsors, identities, groups, assignments, sessions] = await Promise.all([
      guestRows(deps.db, [user], { idps: deps.idpNames, partners: deps.partners }, deps.users.clock.now()),
      deps.sponsors.list(id),
      deps.identities.listForUser(id),
      deps.groups.groupsOf('members', id),
      deps.assignments.listForPrincipal('User', id),
      deps.sessions.list(id),
    ]);
    const recentSignIns = mayAudit ? await signIns.list({ top: RECENT, filter: { userId: id } }, { reasonCodes: true }) : [];
    const audit = mayAudit ? await auditTrail(id) : [];
    const actorNames = await namesOf(audit.map((a) => a.initiatedBy.user?.id).filter((x): x is string => Boolean(x)));
    await deps.renderer.page(ctx, 'console-guest', {
      ...consolePageBase(ctx, 'guests'),
      may: { invite: held.has('User.Invite.All'), write: held.has('User.ReadWrite.All'), audit: mayAudit },
      guest: { ...row!, stateLabel: tr.t(STATE_LABEL_KEY[row!.state]), createdText: shortTime(user.createdDateTime), lastSignInText: shortTime(user.lastSignInDateTime, never) },
      sponsors: sponsors.map((s) => ({ displayName: s.displayName, mail: s.mail })),
      identities: identities.map((i) => ({ idp: deps.idpNames.get(i.idpId) ?? i.idpId, email: i.email ?? '', linked: shortTime(i.createdDateTime), lastUsed: shortTime(i.lastUsedDateTime, never) })),
      groups: groups.map((g) => ({ displayName: g.displayName })),
      assignments: assignments.map((a) => ({ id: a.id, app: appName(a.appId), role: roleName(a.appId, a.appRoleId, tr), expires: a.expirationDateTime ? shortTime(a.expirationDateTime) : tr.t('console.guest.doesNotExpire') })),
      appRoles: deps.apps.flatMap((a) => a.appRoles.map((r) => ({ key: `${a.id} ${r.id}`, label: `${a.displayName}: ${r.displayName} (${r.value})` }))),
      sessions: sessions.map((s, i) => ({ handle: deps.sessionHandles.handleOf(id, s.id), n: i + 1, signedIn: shortTime(s.signedInAt, unknown), expires: shortTime(s.expiresAt, unknown), apps: s.apps.map(appName).join(', ') || tr.t('console.guest.noneYet') })),
      signIns: recentSignIns.map((s) => ({
        when: shortTime(s.createdDateTime),
        app: s.appDisplayName ?? s.appId ?? '',
        idp: s.identityProvider ? (deps.idpNames.get(s.identityProvider) ?? s.identityProvider) : '',
        result: s.result,
        error: s.status.errorCode ?? '',
        reason: s.status.failureReason ?? '',
        ca: s.conditionalAccessStatus,
        policies: s.appliedConditionalAccessPolicies.map((p) => ({ name: p.displayName, result: p.result, reason: reasonText(tr, p), controls: p.enforcedGrantControls.join(', ') })),
      })),
      audit: audit.map((a) => ({
        when: shortTime(a.activityDateTime),
        activity: a.activityDisplayName,
        result: a.result,
        by: a.initiatedBy.user?.id ? (actorNames.get(a.initiatedBy.user.id) ?? a.initiatedBy.user.id) : (a.initiatedBy.app?.displayName ?? a.initiatedBy.app?.appId ?? ''),
        role: a.targetResources.some((t) => t.id === id) ? 'target' : 'initiator',
      })),
      notice: await actionNotice(deps, ctx),
    });
  });

  /** The newest entries where the guest is the target or the initiator, merged. */
  async function auditTrail(id: string): Promise<DirectoryAudit[]> {
    const [asTarget, asInitiator] = await Promise.all([
      listDirectoryAudits(deps.db, { top: RECENT, skip: 0, filter: { targetId: id } }),
      listDirectoryAudits(deps.db, { top: RECENT, skip: 0, filter: { initiatedByUserId: id } }),
    ]);
    const byId = new Map([...asTarget, ...asInitiator].map((a) => [a.id, a]));
    return [...byId.values()].sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime) || b.id.localeCompare(a.id)).slice(0, RECENT);
  }

  async function namesOf(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(ids)) {
      const u = await deps.users.findById(id);
      if (u) out.set(id, `${u.displayName} (${u.mail})`);
    }
    return out;
  }
}
