import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { PolicyTrace } from '../../access/evaluate.js';
import type { WhatIf, WhatIfAnswer } from '../../access/what-if.js';
import { accessEnded } from '../../directory/account-usable.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import { formErrorMessage } from '../../i18n/page-message.js';
import type { Translator } from '../../i18n/translator.js';
import { LOCAL_IDP_ID } from '../../config/policies-schema.js';
import { PASSCODE_IDP } from '../../interaction/home-realm-discovery.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { requireConsolePermission } from '../console-access.js';
import { optionalText, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';
import { decisionText, reasonText } from '../policy-reason-text.js';

const whatIfQuery = z.strictObject({
  user: optionalText(320),
  app: optionalText(64),
  ip: optionalText(64),
  idp: optionalText(64),
  mfa: z.enum(['', 'yes'], { error: 'must be yes or absent' }).optional(),
});

const STATE_LABELS: Record<string, string> = { enabled: 'console.common.on', disabled: 'console.common.off', enabledForReportingButNotEnforced: 'console.common.reportOnly' };

/** Foyer's own ways in, named in the page's language (configured IdPs keep their configured names). */
const BUILT_IN_IDP_KEYS: Record<string, string> = { [PASSCODE_IDP]: 'console.common.passcodeIdp', [LOCAL_IDP_ID]: 'console.common.passwordIdp' };

export interface WhatIfConsoleDeps {
  whatIf: WhatIf;
  users: UsersRepository;
  renderer: PageRenderer;
  idpNames: Map<string, string>;
}

/**
 * What-if in the console (Policy.Read.All): the same evaluation as `npx foyer policy what-if`
 * (access/what-if.ts), for a user, app, address and identity provider. A GET form: it reads only.
 */
export function whatIfConsoleRoutes(router: Router, deps: WhatIfConsoleDeps): Router {
  router.use(requireConsolePermission('Policy.Read.All'));

  router.get('/', async (ctx: Context) => {
    const q = parseConsoleQuery(whatIfQuery, ctx);
    const form = { user: q.user ?? '', app: q.app ?? '', ip: q.ip ?? '', idp: q.idp ?? '', mfa: q.mfa === 'yes' };
    const page = (extra: Record<string, unknown>, status = 200) =>
      deps.renderer.page(
        ctx,
        'console-what-if',
        {
          ...consolePageBase(ctx, 'what-if'),
          form,
          apps: [...deps.whatIf.apps].map(([id, name]) => ({ id, name })),
          idps: deps.whatIf.identityProviders.map((id) => ({ id, name: Object.hasOwn(BUILT_IN_IDP_KEYS, id) ? deps.renderer.translator(ctx).t(BUILT_IN_IDP_KEYS[id]!) : (deps.idpNames.get(id) ?? id) })),
          ...extra,
        },
        status,
      );
    if (!q.user && !q.app) return page({});
    try {
      if (!q.user || !q.app) throw new HttpError(400, 'invalidRequest', 'Give both the user’s email address and the app.');
      deps.whatIf.check({ appId: q.app, ipAddress: q.ip, identityProvider: q.idp });
      const user = await deps.users.findByEmail(q.user);
      if (!user) throw new HttpError(400, 'userNotFound', `No user has the email address ${q.user}.`);
      const answer = await deps.whatIf.evaluate({ user, appId: q.app, ipAddress: q.ip, identityProvider: q.idp, mfa: form.mfa });
      return page({ result: resultView(answer, { mail: user.mail, userType: user.userType, enabled: user.accountEnabled, accessEndedAt: accessEnded(user, deps.users.clock.now()) ? user.accessExpiresAt : null, app: deps.whatIf.apps.get(q.app)! }, deps.renderer.translator(ctx)) });
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return page({ error: formErrorMessage(deps.renderer.translator(ctx), err), errorCode: err.code }, 400);
      throw err;
    }
  });

  return router;
}

function resultView(answer: WhatIfAnswer, who: { mail: string; userType: string; enabled: boolean; accessEndedAt: string | null; app: string }, tr: Translator) {
  const { partner, trust, decision } = answer;
  return {
    who,
    partner: partner && {
      refusal: partner.refusal && { code: partner.refusal.code, partner: partner.refusal.partner.displayName ?? partner.refusal.partner.id ?? 'partnerDefaults', why: partner.refusal.why },
      applied: partner.applied.map((a) => ({
        name: a.partner.id ? `${a.partner.displayName} (${a.partner.id})` : tr.t('console.whatIf.partnerDefaults'),
        matchedBy: a.matchedBy.join('; '),
        verdicts: ([[tr.t('console.whatIf.who'), a.users], [tr.t('console.common.identityProvider'), a.identityProvider], [tr.t('console.common.app'), a.applications]] as const)
          .filter((v) => v[1])
          .map(([what, v]) => ({ what, why: v!.why, outcome: v!.allowed ? tr.t(v!.pending ? 'console.whatIf.pending' : 'console.whatIf.allowed') : tr.t('console.whatIf.refused', { refusal: v!.code ?? '' }) })),
      })),
    },
    trust: trust && { accepted: trust.accepted, amr: trust.amrValues.join(', '), source: trust.source },
    policies: decision.trace.map((t) => traceView(t, tr)),
    decision: partner?.refusal ? tr.t('console.whatIf.partnerRefused', { refusal: partner.refusal.code }) : decisionText(tr, decision),
  };
}

function traceView(t: PolicyTrace, tr: Translator) {
  return {
    id: t.id,
    displayName: t.displayName,
    state: Object.hasOwn(STATE_LABELS, t.state) ? tr.t(STATE_LABELS[t.state]!) : t.state,
    label: tr.t(t.state === 'disabled' ? 'console.common.off' : !t.applied ? 'console.whatIf.doesNotApply' : t.reportOnly ? 'console.whatIf.appliesReportOnly' : 'console.whatIf.applies'),
    applied: t.applied,
    reason: reasonText(tr, t),
    result: t.result,
    grants: t.enforcedGrantControls,
    unmet: t.unmet,
  };
}
