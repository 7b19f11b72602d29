import { join } from 'node:path';
import { Eta } from 'eta';
import type { Context } from 'koa';
import type { TenantConfig } from '../config/tenant-schema.js';
import { projectRoot } from '../lib/project-root.js';

export interface PageRenderer {
  /** Renders `views/<name>.eta` inside the branded layout and sends it as the response. */
  page(ctx: Context, name: string, data: Record<string, unknown>, status?: number): Promise<void>;
  /** Renders a template to a string (mail bodies). */
  text(name: string, data: Record<string, unknown>): Promise<string>;
}

/** Eta escapes `<%= %>` output by default; templates use `<%~ %>` only for already-safe HTML. */
export function createRenderer(tenant: TenantConfig, cache: boolean): PageRenderer {
  const eta = new Eta({ views: join(projectRoot, 'views'), cache, autoEscape: true, autoTrim: false });
  return {
    async page(ctx, name, data, status = 200) {
      const body = await eta.renderAsync(name, {
        ...data,
        tenant,
        csrfToken: ctx.state.csrfToken as string | undefined,
        requestId: ctx.state.requestId as string | undefined,
      });
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = body;
    },
    text: (name, data) => eta.renderAsync(name, { ...data, tenant }),
  };
}
