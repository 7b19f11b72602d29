import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { apiResource, type Permission } from '../api/api-resource.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { clientName, finishInteraction, loadInteraction, requirePrompt, type InteractionDetails } from './interaction-context.js';

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep access while you are away',
};

/** Foyer's own API: what each delegated permission lets the app do as this person (their role still limits it). */
const API_SCOPE_TEXT: Record<Permission, string> = {
  'User.Read.All': "Read every user's profile in the directory",
  'User.ReadWrite.All': "Read and change every user: disable or delete them, and reset a guest's invitation so that it can be redeemed again, at another address",
  'User.Invite.All': 'Invite guests in your name',
  'Group.ReadWrite.All': 'Read and change every group and its members',
  'AuditLog.Read.All': 'Read the sign-in and audit logs',
  'Policy.Read.All': "Read the organisation's partner settings and access policies",
  'RoleManagement.Read.Directory': 'See who holds which directory role (administrators, guest inviters)',
  'RoleManagement.ReadWrite.Directory': 'Grant and remove directory roles, administrators included',
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

  function permissionsOf(details: InteractionDetails): PermissionGroup[] {
    const missing = details.prompt.details as ConsentDetails;
    const own: PermissionGroup = {
      items: [
        ...(missing.missingOIDCScope ?? []).map((s) => ({ text: SCOPE_TEXT[s] ?? s, ...(SCOPE_TEXT[s] ? {} : { scope: s }) })),
        ...(missing.missingOIDCClaims ?? []).map((c) => ({ text: 'See your profile detail', scope: c })),
      ],
    };
    const apis = Object.entries(missing.missingResourceScopes ?? {}).map(([indicator, scopes]) => ({
      api: indicator === foyerApi ? `${deps.tenantName}'s directory (${indicator})` : indicator,
      items: scopes.map((scope) => ({ text: (indicator === foyerApi ? API_SCOPE_TEXT[scope as Permission] : undefined) ?? 'Use this API with the permission', scope })),
    }));
    return [own, ...apis].filter((g) => g.items.length > 0);
  }

  async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const user = details.session?.accountId ? await users.findById(details.session.accountId) : undefined;
    await renderer.page(ctx, 'consent', {
      appName: await clientName(provider, details),
      userEmail: user?.mail ?? '',
      permissions: permissionsOf(details),
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
