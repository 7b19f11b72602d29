/**
 * The protocol core: oidc-provider built from config and from what the features contribute
 * (clients, prompts, policy), its signing keys kept current, its events logged and counted, and
 * (on SQL) its expired state purged, and `/jwks` and discovery served from a kept body.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import { purgeExpired } from './adapters/sql-adapter.js';
import { buildProvider, replaceSigningKeys } from './build-provider.js';
import { allAppAccessChecks } from './find-account.js';
import { publishedDocuments } from './published-documents.js';

const PURGE_INTERVAL_MS = 60 * 1000;
const PURGE_BATCH = 1000;

export function wireProvider(shared: SharedServices, parts: ProviderParts[]): { provider: Provider; feature: Feature } {
  const { config, logger, metrics, keys } = shared;
  const provider = buildProvider({
    config,
    keys: keys.current(),
    adapter: shared.adapters,
    users: shared.users,
    appAccess: allAppAccessChecks(parts.map((p) => p.appAccess)),
    renderer: shared.renderer,
    extraClients: parts.flatMap((p) => p.clients ?? []),
    gatePrompts: parts.flatMap((p) => p.gatePrompts ?? []),
    extendPolicy: (policy) => parts.forEach((p) => p.extendPolicy?.(policy)),
    tokenClaims: parts.find((p) => p.tokenClaims)?.tokenClaims,
  });
  provider.on('server_error', (ctx, err) => logger.error({ err, requestId: ctx.state?.requestId, path: ctx.path }, 'oidc-provider server error'));
  metrics.observeProvider(provider);
  // Koa prints errors it could not answer (a client that broke off, bytes after `Connection: close`)
  // to stderr as plain text unless someone listens: keep them in the JSON log instead.
  (provider.on.bind(provider) as (event: 'error', listener: (err: Error) => void) => unknown)('error', (err) =>
    logger.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'request stream error'),
  );
  for (const part of parts) part.observe?.(provider);
  // /jwks and discovery are served from a kept body; a rotation makes the next request build them again.
  const documents = publishedDocuments();
  keys.onChange(async (fresh) => {
    await replaceSigningKeys(provider, fresh.jwks);
    documents.invalidate();
  });

  const jobs: Feature['jobs'] = [];
  // The SQL adapter hides expired rows; this deletes them. Redis expires keys by itself.
  if (!shared.redis) {
    jobs.push({
      name: 'purge expired provider state',
      everyMs: PURGE_INTERVAL_MS,
      async run() {
        while ((await purgeExpired(shared.db, PURGE_BATCH)) >= PURGE_BATCH) {
          /* keep going while full batches come back */
        }
      },
    });
  }
  // `foyer keys rotate` (on any node, or the CLI) reaches this node at the next reload.
  if (config.server.keysReloadSeconds > 0) {
    jobs.push({
      name: 'reload signing keys',
      everyMs: config.server.keysReloadSeconds * 1000,
      async run() {
        try {
          const outcome = await keys.reload();
          metrics.keyReload(outcome);
          if (outcome === 'changed') logger.info({ kids: keys.current().jwks.map((k) => k.kid) }, 'signing keys reloaded');
        } catch (err) {
          metrics.keyReload('failed');
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'reloading signing keys failed; keeping the current ones');
        }
      },
    });
  }
  return { provider, feature: { jobs, middleware: [documents.middleware] } };
}
