import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from '../logging/logger.js';
import type { ScimClient } from './scim-auth.js';
import { resourceTypes, schemas, serviceProviderConfig } from './scim-discovery.js';
import { SCIM_CONTENT_TYPE, ScimError, scimErrors } from './scim-error.js';
import type { ScimGroups } from './scim-groups.js';
import { listResponse, parsePaging } from './scim-list.js';
import type { ScimUsers } from './scim-users.js';
import { checkIfMatch } from './scim-values.js';

/**
 * `/scim/v2`: RFC 7644 over Users and Groups for the configured provisioning clients. Every route
 * authenticates the client first; every failure is SCIM's error document with a 4xx.
 */
export function scimRoutes(deps: { users: ScimUsers; groups: ScimGroups; authenticate: (ctx: Context) => ScimClient; issuer: string; logger: Logger }): Router {
  const { users, groups, issuer } = deps;
  const router = new Router({ prefix: '/scim/v2' });
  router.use(
    scimErrors(deps.logger),
    bodyParser({
      enableTypes: ['json'],
      extendTypes: { json: ['application/scim+json'] },
      jsonLimit: '1mb',
      encoding: 'utf-8',
      onError: (err, ctx) => ctx.throw(new ScimError((err as { status?: number }).status === 413 ? 413 : 400, 'The body is not valid JSON (application/scim+json).', 'invalidSyntax')),
    }),
    async (ctx, next) => {
      ctx.state.scimClient = deps.authenticate(ctx);
      ctx.set('Cache-Control', 'no-store');
      await next();
    },
  );

  const client = (ctx: Context) => ctx.state.scimClient as ScimClient;
  const send = (ctx: Context, body: unknown, status = 200) => {
    ctx.status = status;
    ctx.type = SCIM_CONTENT_TYPE;
    const version = (body as { meta?: { version?: string } }).meta?.version;
    if (version) ctx.set('ETag', version);
    const location = (body as { meta?: { location?: string } }).meta?.location;
    if (status === 201 && location) ctx.set('Location', location);
    ctx.body = body;
  };
  const ifMatch = (ctx: Context) => (version: string) => checkIfMatch(ctx, version);
  const body = (ctx: Context) => {
    if (ctx.request.body === undefined || typeof ctx.request.body !== 'object' || Array.isArray(ctx.request.body)) throw new ScimError(400, 'Send a JSON object (Content-Type: application/scim+json).', 'invalidSyntax');
    return ctx.request.body;
  };
  const membersWanted = (ctx: Context) => !/(^|,)\s*members\s*(,|$)/i.test(String(ctx.query.excludedAttributes ?? ''));

  router.get('/ServiceProviderConfig', (ctx) => send(ctx, serviceProviderConfig(issuer)));
  router.get('/ResourceTypes', (ctx) => send(ctx, listResponse(resourceTypes(issuer), 2, 1)));
  router.get('/ResourceTypes/:id', (ctx) => send(ctx, found(resourceTypes(issuer).find((r) => r.id === ctx.params.id), 'resource type')));
  router.get('/Schemas', (ctx) => send(ctx, listResponse(schemas(issuer), 2, 1)));
  router.get('/Schemas/:id', (ctx) => send(ctx, found(schemas(issuer).find((s) => s.id === ctx.params.id), 'schema')));

  router.get('/Users', async (ctx) => send(ctx, await users.list(client(ctx), ctx.query, parsePaging(ctx.query))));
  router.post('/Users', async (ctx) => send(ctx, await users.create(client(ctx), body(ctx)), 201));
  router.get('/Users/:id', async (ctx) => send(ctx, await users.get(client(ctx), ctx.params.id!)));
  router.put('/Users/:id', async (ctx) => send(ctx, await users.replace(client(ctx), ctx.params.id!, body(ctx), ifMatch(ctx))));
  router.patch('/Users/:id', async (ctx) => send(ctx, await users.patch(client(ctx), ctx.params.id!, body(ctx), ifMatch(ctx))));
  router.delete('/Users/:id', async (ctx) => {
    await users.delete(client(ctx), ctx.params.id!, ifMatch(ctx));
    ctx.status = 204;
  });

  router.get('/Groups', async (ctx) => send(ctx, await groups.list(client(ctx), ctx.query, parsePaging(ctx.query), { members: membersWanted(ctx) })));
  router.post('/Groups', async (ctx) => send(ctx, await groups.create(client(ctx), body(ctx)), 201));
  router.get('/Groups/:id', async (ctx) => send(ctx, await groups.get(client(ctx), ctx.params.id!, { members: membersWanted(ctx) })));
  router.put('/Groups/:id', async (ctx) => send(ctx, await groups.replace(client(ctx), ctx.params.id!, body(ctx), ifMatch(ctx))));
  router.patch('/Groups/:id', async (ctx) => {
    const result = await groups.patch(client(ctx), ctx.params.id!, body(ctx), ifMatch(ctx));
    send(ctx, result);
  });
  router.delete('/Groups/:id', async (ctx) => {
    await groups.delete(client(ctx), ctx.params.id!, ifMatch(ctx));
    ctx.status = 204;
  });
  // Anything else under /scim/v2 (an unknown resource, a method a resource lacks) is SCIM's 404.
  router.all('/{*rest}', () => {
    throw new ScimError(404, 'No such SCIM endpoint. Foyer serves Users, Groups, ServiceProviderConfig, ResourceTypes and Schemas.');
  });
  return router;
}

function found<T>(value: T | undefined, what: string): T {
  if (!value) throw new ScimError(404, `No such ${what}.`);
  return value;
}
