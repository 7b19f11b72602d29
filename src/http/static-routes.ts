import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from '@koa/router';
import type { TenantConfig } from '../config/tenant-schema.js';
import { projectRoot } from '../lib/project-root.js';

/** The stylesheet and the tenant's colours (as CSS custom properties, so no inline styles are needed under CSP). */
export async function staticRoutes(tenant: TenantConfig): Promise<Router> {
  const css = await readFile(join(projectRoot, 'public', 'foyer.css'), 'utf8');
  const autoSubmit = await readFile(join(projectRoot, 'public', 'auto-submit.js'), 'utf8');
  const passkey = await readFile(join(projectRoot, 'public', 'passkey.js'), 'utf8');
  // Colours are validated as #rrggbb by the config schema, so they are safe to place in CSS.
  const { primaryColor, backgroundColor } = tenant.branding;
  const branding = `:root{--primary:${primaryColor};--on-primary:${readableOn(primaryColor)};--bg:${backgroundColor}}\n`;
  const router = new Router();
  router.get('/static/foyer.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
  router.get('/static/auto-submit.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = autoSubmit;
  });
  router.get('/static/passkey.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = passkey;
  });
  router.get('/branding.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = branding;
  });
  return router;
}

/** White or near-black text, whichever contrasts more with the tenant's colour (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const contrastWithWhite = 1.05 / (luminance + 0.05);
  const contrastWithBlack = (luminance + 0.05) / 0.05;
  return contrastWithWhite >= contrastWithBlack ? '#ffffff' : '#111111';
}
