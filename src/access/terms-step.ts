import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { TermsOfUse } from '../config/policies-schema.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import { clientName, type InteractionDetails } from '../interaction/interaction-context.js';
import { finishAccessStep, promptDetails } from './finish-access-step.js';
import type { TermsRepository } from './terms-repository.js';

const acceptForm = z.object({
  termsId: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
});

/** The terms-of-use control: shown once per version; acceptance is recorded, then the sign-in goes on. */
export function termsStep(deps: { provider: Provider; terms: TermsOfUse[]; acceptances: TermsRepository; renderer: PageRenderer }) {
  const byId = new Map(deps.terms.map((t) => [t.id, t]));

  /** The terms this interaction asks for that the user has not accepted in their current version. */
  async function outstanding(details: InteractionDetails): Promise<TermsOfUse[]> {
    const accepted = await deps.acceptances.acceptedBy(details.session!.accountId);
    return promptDetails(details)
      .termsOfUse.map((id) => byId.get(id))
      .filter((t): t is TermsOfUse => t !== undefined && !accepted.some((a) => a.termsId === t.id && a.version === t.version));
  }

  async function render(ctx: Context, details: InteractionDetails, terms: TermsOfUse, error?: string, status = 200) {
    await deps.renderer.page(
      ctx,
      'terms',
      {
        appName: await clientName(deps.provider, details),
        terms: { id: terms.id, displayName: terms.displayName, version: terms.version, url: terms.url, text: terms.text },
        action: `/interaction/${details.uid}/terms/accept`,
        abortUrl: `/interaction/${details.uid}/abort`,
        error,
      },
      status,
    );
  }

  async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const [next] = await outstanding(details);
    if (!next) return finishAccessStep(deps.provider, ctx, {});
    return render(ctx, details, next);
  }

  async function accept(ctx: Context, details: InteractionDetails): Promise<void> {
    const parsed = acceptForm.safeParse(ctx.request.body);
    const pending = await outstanding(details);
    const terms = parsed.success ? pending.find((t) => t.id === parsed.data.termsId) : undefined;
    if (!parsed.success || !terms) {
      if (!pending[0]) throw new HttpError(400, 'termsNotRequested', 'These terms of use are not part of this sign-in. Go back to the app and sign in again.');
      return render(ctx, details, pending[0], deps.renderer.translator(ctx).t('terms.acceptShown'), 400);
    }
    if (parsed.data.version !== terms.version) {
      // The terms changed while the page was open: the person must see the version they accept.
      return render(ctx, details, terms, deps.renderer.translator(ctx).t('terms.updated'), 409);
    }
    await deps.acceptances.accept(details.session!.accountId, terms.id, terms.version);
    return show(ctx, details);
  }

  return { show, accept };
}
