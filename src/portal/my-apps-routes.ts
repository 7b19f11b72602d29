import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { AssignmentGate } from '../access/assignment-gate.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import type { Sponsors } from '../directory/sponsors.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import type { DelegatedGuests } from './delegated-guests.js';
import { portalUser } from './portal-auth.js';
import { navOf } from './portal-nav.js';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import { clearPortalSession } from './portal-session.js';
import type { SecurityInfo } from './security-routes.js';

export interface MyAppsDeps {
  gate: AssignmentGate;
  /** A guest's sponsors, shown to them: whom to ask about their access. */
  sponsors: Pick<Sponsors, 'list'>;
  delegated: DelegatedGuests;
  identities: IdentitiesRepository;
  lifecycle: UserLifecycle;
  renderer: PageRenderer;
  /** Display names of identity providers by id, for "you sign in with …". */
  idpNames: Map<string, string>;
  /** Security info (the MFA module), when this deployment has it. */
  security?: SecurityInfo;
  /** Whether the user's organisation may use an app (partner settings); absent, every app. */
  appAllowed?: (user: User, appId: string) => Promise<boolean>;
}

/**
 * My Apps, Entra's Access Panel: the apps the user may launch (open to all, or assigned directly
 * or through a group), what they manage, their profile, and for guests the way out (leave).
 */
export function myAppsRoutes(deps: MyAppsDeps): Router {
  const router = new Router();

  router.get('/myapps', async (ctx) => {
    const user = portalUser(ctx);
    const assigned = await deps.gate.appsFor(user.id);
    // A tile only for the apps the user's organisation may use: the others would refuse them anyway.
    const allowed = deps.appAllowed ? await Promise.all(assigned.map((a) => deps.appAllowed!(user, a.id))) : [];
    const apps = deps.appAllowed ? assigned.filter((_a, i) => allowed[i]) : assigned;
    const managed = await deps.delegated.targetsOwnedBy(user);
    const managedApps = new Set(managed.filter((t) => t.kind === 'app').map((t) => t.id));
    await deps.renderer.page(ctx, 'myapps', {
      ...navOf(ctx, 'apps'),
      apps: apps.map((a) => ({ id: a.id, name: a.displayName, description: a.description ?? '', launchUrl: a.launchUrl, logoUrl: a.logoUrl ?? '', manageUrl: managedApps.has(a.id) ? `/myapps/manage/app/${encodeURIComponent(a.id)}` : '' })),
      // Owned apps the owner is not assigned to are still theirs to manage.
      managed: managed.map((t) => ({ kind: t.kind, name: t.name, url: `/myapps/manage/${t.kind}/${encodeURIComponent(t.id)}` })),
      sponsors: user.userType === 'Guest' ? (await deps.sponsors.list(user.id)).map((s) => ({ name: s.displayName, mail: s.mail })) : [],
    });
  });

  async function account(ctx: Context, extra: { recoveryCodes?: string[] } = {}) {
    const user = portalUser(ctx);
    await deps.renderer.page(ctx, 'myapps-account', {
      ...navOf(ctx, 'account'),
      profile: await profileOf(ctx, user),
      security: await deps.security?.view(ctx, user),
      securityNotice: deps.security?.notice(ctx),
      recoveryCodes: extra.recoveryCodes,
    });
  }

  router.get('/myapps/account', (ctx) => account(ctx));

  const { security } = deps;
  if (security) {
    router.get('/myapps/account/security/verify', (ctx) => security.verify(ctx));
    router.post('/myapps/account/security/reset', (ctx) => security.reset(ctx));
    router.post('/myapps/account/security/passkeys', (ctx) => security.addPasskey(ctx));
    router.post('/myapps/account/security/passkeys/:id/remove', (ctx) => security.removePasskey(ctx));
    router.post('/myapps/account/security/recovery-codes', async (ctx) => account(ctx, { recoveryCodes: await security.regenerate(ctx) }));
  }

  router.get('/myapps/leave', async (ctx) => {
    requireGuest(portalUser(ctx));
    await deps.renderer.page(ctx, 'myapps-leave', { ...navOf(ctx, 'account') });
  });

  router.post('/myapps/leave', async (ctx) => {
    const user = requireGuest(portalUser(ctx));
    await deps.lifecycle.leaveOrganization(user.id, ctx.state.requestId);
    clearPortalSession(ctx);
    await deps.renderer.page(ctx, 'myapps-left', { mail: user.mail });
  });

  async function profileOf(ctx: Context, user: User) {
    const identities = await deps.identities.listForUser(user.id);
    const tr = deps.renderer.translator(ctx);
    // The email passcode's name is Foyer's own wording; configured IdPs keep the name the admin gave them.
    const idpName = (id: string) => (id === PASSCODE_IDP ? tr.t('account.emailPasscode') : (deps.idpNames.get(id) ?? id));
    return {
      displayName: user.displayName,
      mail: user.mail,
      userType: user.userType,
      isGuest: user.userType === 'Guest',
      signInMethods: user.hasPassword ? [tr.t('account.password')] : [...new Set(identities.map((i) => idpName(i.idpId)))],
      lastSignIn: user.lastSignInDateTime,
      memberSince: user.createdDateTime,
    };
  }

  return router;
}

function requireGuest(user: User): User {
  if (user.userType !== 'Guest') {
    throw new HttpError(400, 'notAGuest', 'Only guests can leave the organisation. Members are managed by their administrator.');
  }
  return user;
}
