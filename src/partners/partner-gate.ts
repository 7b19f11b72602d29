import type { Context } from 'koa';
import { interactionPolicy, type InteractionResults, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { FACTS_RESULT_KEY, type SignInFacts, type SignInFactsStore } from '../access/sign-in-facts.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { pageMessage } from '../i18n/page-message.js';
import type { PageRenderer } from '../http/render.js';
import { clientName, type InteractionDetails } from '../interaction/interaction-context.js';
import type { AdmissionDecision, RefusalCode } from './admission.js';
import { isExternal, type PartnerAccess } from './partner-access.js';

export const PARTNER_PROMPT = 'partner';

/** What the refused interaction keeps for its page (the prompt's details). */
type GateDetails = {
  code?: RefusalCode;
  message?: string;
  partner?: string | null;
  identityProvider?: string;
};

/**
 * The partner gate: a prompt right after `login` (like the app-assignment gate) that applies the
 * partner settings to a session at this app, at every authorization request: a fresh sign-in, and
 * single sign-on with a session from before the partner was blocked or limited. A refused
 * interaction is never resolved: its page says why and the only way on is back to the app with
 * access_denied (prompt=none gets access_denied at once), so no code is issued.
 */
export function partnerGate(deps: { access: PartnerAccess; users: UsersRepository; facts: SignInFactsStore }) {
  const memo = new WeakMap<object, Promise<{ decision?: AdmissionDecision; idp?: string }>>();

  function decide(ctx: KoaContextWithOIDC) {
    let pending = memo.get(ctx);
    if (!pending) {
      pending = compute(ctx);
      memo.set(ctx, pending);
    }
    return pending;
  }

  async function compute(ctx: KoaContextWithOIDC): Promise<{ decision?: AdmissionDecision; idp?: string }> {
    // Nothing to check (no partner limits anything), or a member: no lookups on the sign-in path.
    if (!deps.access.directory.restrictsAnything) return {};
    const session = ctx.oidc.session;
    const accountId = session?.accountId;
    const appId = ctx.oidc.client?.clientId;
    if (!session || !accountId || !appId) return {};
    const user = await deps.users.findByIdInRequest(ctx, accountId);
    if (!user || !isExternal(user)) return {};
    const idp = await sessionIdp(ctx, deps.facts, accountId);
    return { decision: await deps.access.forAccount({ user, appId, sessionIdp: idp }), idp };
  }

  const prompt = new interactionPolicy.Prompt(
    { name: PARTNER_PROMPT, requestable: false },
    async (ctx: KoaContextWithOIDC): Promise<GateDetails> => {
      const { decision, idp } = await decide(ctx);
      const refusal = decision?.refusal;
      if (!refusal) return {};
      return { code: refusal.code, message: deps.access.explain(refusal.code, refusal.partner, ctx.oidc.client?.clientId), partner: refusal.partner.id, identityProvider: idp };
    },
    new interactionPolicy.Check('partner_refused', 'the partner settings do not let this account use this app', 'access_denied', async (ctx: KoaContextWithOIDC) => {
      // Without an account the login prompt is still pending and has already stopped the walk.
      if (!ctx.oidc.session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const { decision } = await decide(ctx);
      return decision?.allowed === false;
    }),
  );
  return { prompt, decide };
}

/**
 * The gate's page: who is refused where, why, what to do, with the stable code; written to the
 * sign-in log as a failure. Its only link goes back to the app with access_denied.
 */
export function partnerGatePage(deps: { provider: Provider; users: UsersRepository; renderer: PageRenderer; recorder: SignInRecorder }) {
  return async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const d = details.prompt.details as GateDetails;
    const code = d.code ?? 'partnerBlocked';
    const accountId = details.session?.accountId;
    const user = accountId ? await deps.users.findById(accountId) : undefined;
    await deps.recorder.failure(ctx, { userId: accountId, identityProvider: d.identityProvider, errorCode: code, failureReason: d.message ?? 'Refused by the partner settings' });
    await deps.renderer.page(
      ctx,
      'partner-refused',
      {
        appName: await clientName(deps.provider, details),
        userEmail: user?.mail ?? '',
        message: d.message ? pageMessage(deps.renderer.translator(ctx), { code, message: d.message }) : deps.renderer.translator(ctx).t('partnerRefused.default'),
        abortUrl: `/interaction/${details.uid}/abort`,
        code,
      },
      403,
    );
  };
}

/** The IdP the session signed in with: from the login being resumed, else from the session's facts. */
async function sessionIdp(ctx: KoaContextWithOIDC, facts: SignInFactsStore, accountId: string): Promise<string | undefined> {
  const result = ctx.oidc.result as InteractionResults | undefined;
  if (result?.login?.accountId === accountId) return (result[FACTS_RESULT_KEY] as Partial<SignInFacts> | undefined)?.identityProvider;
  const stored = ctx.oidc.session?.uid ? await facts.find(ctx.oidc.session.uid) : undefined;
  return stored?.accountId === accountId ? stored.identityProvider : undefined;
}
