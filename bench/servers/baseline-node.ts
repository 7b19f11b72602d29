/**
 * The baseline: a bare oidc-provider configured the way Foyer configures it (ES256 default with an
 * RS256 key also published, the same clients, scopes, claims, TTLs, resource indicator issuing
 * ES256 JWT access tokens, refresh-token rotation, client-credentials, introspection, revocation)
 * on the same storage, through Foyer's own adapters (src/provider/adapters), so storage costs are
 * identical. What it lacks is everything Foyer adds: the directory (accounts live in memory),
 * the sign-in journey (the login is in-process: GET /interaction/:uid signs in the login_hint at
 * once and grants consent), federation, invitations, audit, logging and the API.
 *
 * argv: --port N --storage sqlite:/path | redis://…  [--redis-prefix P] [--keys FILE] (signing keys
 * kept in FILE: made on the first start, read on the next, as a deployed provider reads its keys)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { connectRedis, type Redis } from '../../src/db/redis.js';
import { createAdapterFactory } from '../../src/provider/adapters/index.js';
import { TOKEN_TTL } from '../../src/provider/build-provider.js';
import { generateCookieSecret, generateSigningKey } from '../../src/provider/keys/generate-key.js';
import { failChild, memoryNow, serveChild } from '../lib/rpc.js';
import { BENCH_API_RESOURCE, BENCH_REDIRECT_URI, BENCH_SECRET } from './bench-config.js';

const HOUR = 3600;

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, storage: { type: 'string' }, 'redis-prefix': { type: 'string' }, keys: { type: 'string' } } });
  const port = Number(values.port);
  const issuer = `http://127.0.0.1:${port}`;
  const storage = values.storage!;
  // Foyer keeps its directory in SQL even when Redis holds the protocol state; so does the baseline's schema.
  let db: Database | undefined;
  let redis: Redis | undefined;
  if (storage.startsWith('redis')) redis = await connectRedis(storage);
  else {
    db = connectDatabase(storage);
    await migrateLatest(db);
  }
  const statements = new Map<string, number>();
  db?.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    const key = q.sql.includes('oidc_payloads') && typeof q.bindings?.[0] === 'string' ? `${q.sql} [${q.bindings[0]}]` : q.sql;
    statements.set(key, (statements.get(key) ?? 0) + 1);
  });
  const adapter = createAdapterFactory({ db: db!, redis, redisPrefix: values['redis-prefix'] });
  const { jwks, cookieKey } = await signingKeys(values.keys);

  const provider = new Provider(issuer, {
    adapter,
    clients: [
      {
        client_id: 'web-app',
        client_secret: BENCH_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [BENCH_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        application_type: 'web',
      },
      {
        client_id: 'daemon-app',
        client_secret: BENCH_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
      },
    ],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@partner.example`, email_verified: true, name: sub, preferred_username: `${sub}@partner.example`, user_type: 'Guest' }),
    }),
    jwks: { keys: jwks as never[] },
    cookies: { keys: [cookieKey] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { openid: ['sub', 'acr', 'amr'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'user_type'] },
    conformIdTokenClaims: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== BENCH_API_RESOURCE) throw new errors.InvalidTarget('unknown resource');
          return { scope: 'read write', audience: indicator, accessTokenTTL: HOUR, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
    },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { ...TOKEN_TTL },
  });

  // The in-process login: whoever the login_hint names is signed in and consents, in one step.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (!match || ctx.method !== 'GET') return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = String(details.params.login_hint ?? 'someone').split('@')[0]!;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId, amr: ['pwd'], acr: 'urn:foyer:acr:password', remember: true }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, provider.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  serveChild({ issuer }, {
    memory: () => memoryNow(),
    queries: () => {
      const out = [...statements].sort((a, b) => b[1] - a[1]);
      statements.clear();
      return out;
    },
  }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db?.destroy();
    await redis?.quit();
  });
}

/** New keys for each start, or (with --keys) the ones in the file, made and written there the first time. */
async function signingKeys(file: string | undefined): Promise<{ jwks: unknown[]; cookieKey: string }> {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { jwks: unknown[]; cookieKey: string };
  const keys = { jwks: [await generateSigningKey('ES256'), await generateSigningKey('RS256')], cookieKey: String(generateCookieSecret().k) };
  if (file) writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

main().catch(failChild);
