/**
 * The partner organisation's IdP for the bench: a real oidc-provider on loopback that signs the
 * guest in at once (auto-login and auto-consent from the login_hint Foyer forwards), the way an
 * IdP with an existing session would. Any `<name>@partner.example` is a user, subject `p-<name>`,
 * with a verified email, so the bench can provision as many guests as it likes.
 *
 * argv: --port N --callback URL[,URL…] --secret S
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import { generateSigningKey } from '../../src/provider/keys/generate-key.js';
import { memoryAdapterFactory } from './memory-adapter.js';
import { failChild, memoryNow, serveChild } from '../lib/rpc.js';
import { PARTNER_DOMAIN, partnerSubject } from './bench-config.js';


async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, callback: { type: 'string' }, secret: { type: 'string' } } });
  const port = Number(values.port);
  const issuer = `http://127.0.0.1:${port}`;
  const memory = memoryAdapterFactory();
  const key = await generateSigningKey('ES256');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'foyer',
        client_secret: values.secret!,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: values.callback!.split(','),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [key as never] },
    cookies: { keys: ['bench-partner-cookie-key-0123456789abcdef'] },
    claims: { openid: ['sub', 'acr', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    adapter: memory.factory,
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub.slice(2)}@${PARTNER_DOMAIN}`, email_verified: true, name: sub }),
    }),
  });

  // Its refusals, on stderr (the bench shows it): a failed guest sign-in at Foyer's callback is
  // often the partner refusing the code exchange, and only the partner knows why.
  const refused = (event: string) => (ctx: { method?: string; path?: string } | undefined, err: Error & { error_description?: string }) => {
    process.stderr.write(`${JSON.stringify({ partner: event, time: new Date().toISOString(), request: ctx ? `${ctx.method} ${ctx.path}` : undefined, error: err.message, description: err.error_description })}\n`);
  };
  provider.on('grant.error', refused('grant.error'));
  provider.on('authorization.error', refused('authorization.error'));
  provider.on('server_error', refused('server_error'));

  // Requests by path (the `requests` command): shows whether Foyer re-fetches discovery or JWKS.
  const paths = new Map<string, number>();
  provider.use(async (ctx, next) => {
    const key = `${ctx.method} ${ctx.path.replace(/^\/(interaction|auth)\/[^/]+/, '/$1/:uid')}`;
    paths.set(key, (paths.get(key) ?? 0) + 1);
    await next();
  });

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (!match || ctx.method !== 'GET') return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const hint = String(details.params.login_hint ?? '');
    if (!hint.endsWith(`@${PARTNER_DOMAIN}`)) {
      ctx.status = 400;
      ctx.body = 'the bench partner signs in only <name>@partner.example (send login_hint)';
      return;
    }
    const sub = partnerSubject(hint);
    const grant = new provider.Grant({ accountId: sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: sub, amr: ['pwd'], remember: false }, consent: { grantId } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  const server = createServer(provider.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  serveChild({ issuer }, {
    memory: () => ({ ...memoryNow(), entries: memory.size() }),
    requests: () => {
      const out = [...paths];
      paths.clear();
      return out;
    },
  }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

main().catch(failChild);
