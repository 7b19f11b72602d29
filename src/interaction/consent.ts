import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { clientName, finishInteraction, loadInteraction, requirePrompt, type InteractionDetails } from './interaction-context.js';

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep access while you are away',
};

/** Consent for third-party apps (first-party apps get their grant without asking). */
export function consentStep(deps: { provider: Provider; users: UsersRepository; renderer: PageRenderer }) {
  const { provider, users, renderer } = deps;

  async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    const user = details.session?.accountId ? await users.findById(details.session.accountId) : undefined;
    await renderer.page(ctx, 'consent', {
      appName: await clientName(provider, details),
      userEmail: user?.mail ?? '',
      scopes: missing.map((s) => SCOPE_TEXT[s] ?? s),
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
    const promptDetails = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
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
