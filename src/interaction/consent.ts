import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { apiResource, type Permission } from '../api/api-resource.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import type { Translator } from '../i18n/translator.js';
import { clientName, finishInteraction, loadInteraction, requirePrompt, type InteractionDetails } from './interaction-context.js';

/** What each OpenID scope lets the app do (message keys, locales/*.json). */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'consent.scope.openid',
  profile: 'consent.scope.profile',
  email: 'consent.scope.email',
  offline_access: 'consent.scope.offlineAccess',
};

/** Foyer's own API: what each delegated permission lets the app do as this person (their role still limits it). */
const API_SCOPE_TEXT: Record<Permission, string> = {
  'User.Read.All': 'consent.api.userReadAll',
  'User.ReadWrite.All': 'consent.api.userReadWriteAll',
  'User.Invite.All': 'consent.api.userInviteAll',
  'Group.ReadWrite.All': 'consent.api.groupReadWriteAll',
  'AuditLog.Read.All': 'consent.api.auditLogReadAll',
  'Policy.Read.All': 'consent.api.policyReadAll',
  'RoleManagement.Read.Directory': 'consent.api.roleManagementRead',
  'RoleManagement.ReadWrite.Directory': 'consent.api.roleManagementReadWrite',
};

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** One group of lines on the consent page: the app itself, or one API the app would call as this person. */
interface PermissionGroup {
  api?: string;
  items: { text: string; scope?: string }[];
}

/**
 * Consent for third-party apps (first-party apps get their grant without asking). The page names
 * everything Allow grants, and Allow grants exactly that (the same interaction's prompt details):
 * the OpenID scopes and claims, and each API's permissions (RFC 8707 resource scopes). An API
 * permission left off the page would be granted without the person knowing, and Foyer's own API
 * permissions, with an administrator's role behind them, recover any guest's account.
 */
export function consentStep(deps: { provider: Provider; users: UsersRepository; renderer: PageRenderer; issuer: string; tenantName: string }) {
  const { provider, users, renderer } = deps;
  const foyerApi = apiResource(deps.issuer);

  function permissionsOf(details: InteractionDetails, tr: Translator): PermissionGroup[] {
    const missing = details.prompt.details as ConsentDetails;
    const scopeText = (s: string) => (Object.hasOwn(SCOPE_TEXT, s) ? tr.t(SCOPE_TEXT[s]!) : undefined);
    const own: PermissionGroup = {
      items: [
        ...(missing.missingOIDCScope ?? []).map((s) => ({ text: scopeText(s) ?? s, ...(scopeText(s) ? {} : { scope: s }) })),
        ...(missing.missingOIDCClaims ?? []).map((c) => ({ text: tr.t('consent.scope.claim'), scope: c })),
      ],
    };
    const apis = Object.entries(missing.missingResourceScopes ?? {}).map(([indicator, scopes]) => ({
      api: indicator === foyerApi ? tr.t('consent.foyerApi', { tenant: deps.tenantName, api: indicator }) : indicator,
      items: scopes.map((scope) => {
        const key = indicator === foyerApi && Object.hasOwn(API_SCOPE_TEXT, scope) ? API_SCOPE_TEXT[scope as Permission] : 'consent.api.other';
        return { text: tr.t(key), scope };
      }),
    }));
    return [own, ...apis].filter((g) => g.items.length > 0);
  }

  async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = details.session?.accountId ? await users.findById(details.session.accountId) : undefined;
    await renderer.page(ctx, 'consent', {
      appName: await clientName(provider, details),
      userEmail: user?.mail ?? '',
      permissions: permissionsOf(details, renderer.translator(ctx)),
      action: `/interaction/${details.uid}/consent`,
      abortUrl: `/interaction/${details.uid}/abort`,
    });
  }

  async function submit(ctx: Context): Promise<void> {
    const details = await loadInteraction(provider, ctx);
    requirePrompt(details, 'consent');
    const accountId = details.session!.accountId;
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId, clientId });
    // The same details the page was rendered from: Allow grants what the page named, nothing more.
    const promptDetails = details.prompt.details as ConsentDetails;
    if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
    if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finishInteraction(details, ctx, { consent: { grantId } });
  }

  return { show, submit };
}
