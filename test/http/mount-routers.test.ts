import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountRouters, staticPrefix } from '../../src/http/mount-routers.js';

describe('staticPrefix', () => {
  it('cuts a route path at its first parameter or wildcard, lower-cased', () => {
    expect(staticPrefix('/interaction/:uid/identify')).toBe('/interaction/');
    expect(staticPrefix('/Federation/{/*rest}')).toBe('/federation/');
    expect(staticPrefix('/healthz')).toBe('/healthz');
    expect(staticPrefix(/^\/static\/.*/)).toBe('');
  });
});

describe('mountRouters: a request passes only through routers that could match it', () => {
  let server: Server;
  let base: string;
  const ran: string[] = [];

  beforeAll(async () => {
    // Records every router that tries to match the request's path (what mounting saves).
    const tracked = (name: string, router: Router) => {
      const match = router.match.bind(router);
      router.match = (...args: Parameters<Router['match']>) => {
        ran.push(name);
        return match(...args);
      };
      return router;
    };
    const interaction = tracked('interaction', new Router({ prefix: '/interaction/:uid' }));
    interaction.get('/', (ctx) => (ctx.body = `interaction ${ctx.params.uid}`));
    interaction.post('/identify', (ctx) => (ctx.body = 'identified'));
    const health = tracked('health', new Router());
    // Middleware used without a path runs only for this router's routes, so it widens nothing.
    health.use(async (ctx, next) => {
      ctx.set('x-health', 'yes');
      await next();
    });
    health.get('/healthz', (ctx) => (ctx.body = 'ok'));
    const assets = tracked('assets', new Router());
    assets.get(/^\/assets\/.+/, (ctx) => (ctx.body = 'asset'));

    const app = new Koa();
    app.use(mountRouters([interaction, health, assets]));
    // What oidc-provider is in Foyer: whatever no router answered.
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = 'downstream';
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function call(method: string, path: string) {
    ran.length = 0;
    const res = await fetch(base + path, { method });
    return { status: res.status, body: await res.text(), allow: res.headers.get('allow'), ran: [...ran] };
  }

  it('routes a matching request, including a case-insensitive one, as @koa/router does', async () => {
    expect(await call('GET', '/interaction/abc')).toMatchObject({ status: 200, body: 'interaction abc', ran: ['interaction'] });
    expect(await call('GET', '/INTERACTION/abc')).toMatchObject({ status: 200, body: 'interaction abc' });
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('a router with a RegExp route sees every request; others only their own paths', async () => {
    expect(await call('GET', '/assets/app.css')).toMatchObject({ status: 200, body: 'asset', ran: ['assets'] });
    // Neither interaction's nor health's prefix fits /token: only the RegExp router is asked.
    expect(await call('POST', '/token')).toMatchObject({ status: 404, body: 'downstream', ran: ['assets'] });
    // A router that answers ends the chain: the ones after it are not asked.
    expect(await call('GET', '/healthz')).toMatchObject({ ran: ['health'] });
    expect(await call('GET', '/interaction/abc')).toMatchObject({ ran: ['interaction'] });
  });

  it("keeps each router's allowedMethods(): a known path with the wrong method is a 405 with Allow", async () => {
    const res = await call('DELETE', '/interaction/abc/identify');
    expect(res.status).toBe(405);
    expect(res.allow).toBe('POST');
  });
});
