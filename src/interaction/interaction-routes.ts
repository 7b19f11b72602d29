import { Router } from '@koa/router';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import { HttpError } from '../http/http-error.js';
import { completeSignIn } from './complete-sign-in.js';
import type { consentStep } from './consent.js';
import { identifyStep } from './identify-step.js';
import type { Context } from 'koa';
import { finishInteraction, loadInteraction, requirePrompt, type InteractionDetails } from './interaction-context.js';
import { PASSCODE_IDP } from './home-realm-discovery.js';
import { confirm, pendingFor, showConfirmation } from './idp-initiated.js';
import { journeyOf } from './journey-state.js';
import type { JourneyDeps } from './journey-deps.js';
import { passcodeStep } from './passcode-step.js';
import type { passwordLogin } from './password-login.js';
import { upstreamStart } from './upstream-sign-in.js';
import type { AccessStep } from '../access/access-step.js';

/**
 * The steps of the login prompt, built once: the interaction's own routes and the upstream
 * callback (which finishes the sign-in itself) share them.
 */
export function journeySteps(journey: JourneyDeps) {
  const { startUpstream, startUpstreamQuietly } = upstreamStart(journey);
  const passcode = passcodeStep(journey, () => completion);
  const completion = completeSignIn(journey, { sendPasscode: passcode.send, startUpstream });
  const identify = identifyStep(journey, { startUpstream, startUpstreamQuietly, sendPasscode: passcode.send });
  return { startUpstream, passcode, completion, identify };
}

export type JourneySteps = ReturnType<typeof journeySteps>;

export interface InteractionRouteDeps {
  journey: JourneyDeps;
  steps: JourneySteps;
  login: ReturnType<typeof passwordLogin>;
  consent: ReturnType<typeof consentStep>;
  /** The page for the `assignment` prompt: the app requires assignment and this user has none. */
  notAssigned?: (ctx: Context, details: InteractionDetails) => Promise<void>;
  /** The `mfa` prompt's pages (conditional access: block, MFA, terms of use) and their form posts. */
  access?: AccessStep;
  /** Pages of other features' prompts, by prompt name (the partner gate). */
  promptPages?: Record<string, (ctx: Context, details: InteractionDetails) => Promise<void>>;
}

/**
 * The sign-in journey under `/interaction/:uid`, one route per step; GET dispatches on the prompt
 * oidc-provider asks for. Every route loads the interaction bound to this browser's cookie first.
 */
export function interactionRoutes(deps: InteractionRouteDeps): Router {
  const { journey, login, consent } = deps;
  const { provider } = journey;
  const { startUpstream, passcode, completion, identify } = deps.steps;

  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(parseBodies(), csrfProtection({ secure: journey.secureCookies }));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    switch (details.prompt.name) {
      case 'login': {
        const idpInitiated = journey.idpInitiated && (await pendingFor(ctx, journey, journey.idpInitiated, details));
        if (idpInitiated) return showConfirmation(ctx, journey, details, idpInitiated);
        return identify.begin(ctx, details);
      }
      case 'consent':
        return consent.show(ctx, details);
      case 'assignment':
        if (deps.notAssigned) return deps.notAssigned(ctx, details);
        throw new HttpError(403, 'notAssignedToApp', 'You have not been given access to this app. Ask its owner to add you.');
      case 'mfa':
        if (deps.access) return deps.access.show(ctx, details);
        throw new HttpError(503, 'mfaUnavailable', 'This app needs a second sign-in step that this server cannot offer. Tell the administrator.');
      default: {
        const page = deps.promptPages && Object.hasOwn(deps.promptPages, details.prompt.name) ? deps.promptPages[details.prompt.name] : undefined;
        if (page) return page(ctx, details);
        throw new HttpError(400, 'unexpectedInteractionStep', `Foyer does not know the sign-in step "${details.prompt.name}".`);
      }
    }
  });

  /** Steps of the login prompt: the interaction must belong to this browser and be at login. */
  const loginStep = (handler: (ctx: Context, details: InteractionDetails) => Promise<void>) => async (ctx: Context) => {
    const details = await loadInteraction(provider, ctx);
    requirePrompt(details, 'login');
    await handler(ctx, details);
  };

  router.post('/identify', loginStep((ctx, details) => identify.submit(ctx, details)));
  router.post('/login', (ctx) => login.submit(ctx));
  router.post(
    '/login/passkey',
    loginStep(async (ctx, details) => {
      if (!journey.passwordless) throw new HttpError(404, 'passkeysUnavailable', 'Passkeys are not available here.');
      await journey.passwordless.submit(ctx, details);
    }),
  );
  deps.access?.mount(router);
  router.post(
    '/idp/:idpId',
    loginStep(async (ctx, details) => {
      const { email } = journeyOf(details);
      if (ctx.params.idpId !== PASSCODE_IDP) return startUpstream(ctx, details, ctx.params.idpId!, email);
      if (!email) throw new HttpError(400, 'emailRequired', 'Enter your email address first.');
      return passcode.send(ctx, details, email, 'signIn');
    }),
  );
  router.post(
    '/idp-initiated',
    loginStep(async (ctx, details) => {
      if (!journey.idpInitiated) throw new HttpError(404, 'idpInitiatedSignInUnknown', 'There is no sign-in from your organisation waiting in this browser.');
      await confirm(ctx, journey, journey.idpInitiated, details);
      // Now exactly as after an upstream's answer: partner admission, disabled account, linking or invitation proof.
      await completion.afterUpstream(ctx, await loadInteraction(provider, ctx));
    }),
  );
  router.get('/continue', loginStep((ctx, details) => completion.afterUpstream(ctx, details)));
  router.post('/passcode', loginStep((ctx, details) => passcode.verify(ctx, details)));
  router.post('/passcode/send', loginStep((ctx, details) => passcode.sendOffered(ctx, details)));
  router.post('/passcode/resend', loginStep((ctx, details) => passcode.resend(ctx, details)));
  router.post('/consent', (ctx) => consent.submit(ctx));

  router.get('/abort', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    await finishInteraction(details, ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' });
  });

  return router;
}
