import { Router } from '@koa/router';
import { z } from 'zod';
import { permit } from '../api/api-guards.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { toGraphDefault, toGraphPartner } from './graph-shape.js';
import type { PartnerDirectory } from './partner-directory.js';

const BASE = '/policies/crossTenantAccessPolicy';
const tenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be a partner id (see GET /policies/crossTenantAccessPolicy/partners)');

/**
 * Graph's cross-tenant access settings, read-only (they are config, reviewed like code):
 * GET /policies/crossTenantAccessPolicy/partners[/{tenantId}] and /default, with Policy.Read.All.
 */
export function crossTenantAccessRoutes(deps: { directory: PartnerDirectory; issuer: string; passcodeEnabled: boolean }): Router {
  const router = new Router();

  router.get(`${BASE}/default`, permit('Policy.Read.All'), (ctx) => {
    ctx.body = toGraphDefault(deps.directory, deps.issuer, deps.passcodeEnabled);
  });

  router.get(`${BASE}/partners`, permit('Policy.Read.All'), (ctx) => {
    ctx.body = {
      '@odata.context': `${deps.issuer}/v1.0/$metadata#policies/crossTenantAccessPolicy/partners`,
      value: deps.directory.list().map((p) => {
        const { '@odata.context': _context, ...partner } = toGraphPartner(p, deps.issuer);
        return partner;
      }),
    };
  });

  router.get(`${BASE}/partners/:tenantId`, permit('Policy.Read.All'), (ctx) => {
    const id = parseInput(tenantId, ctx.params.tenantId, 'invalidId');
    const partner = deps.directory.byId(id);
    if (!partner) throw new HttpError(404, 'Request_ResourceNotFound', `No partner has the tenantId ${id}. The partners are in config (partners); see GET ${BASE}/partners.`);
    ctx.body = toGraphPartner(partner, deps.issuer);
  });

  router.all([`${BASE}/default`, `${BASE}/partners`, `${BASE}/partners/:tenantId`], () => {
    throw new HttpError(405, 'methodNotAllowed', 'Cross-tenant access settings are config (partners, partnerDefaults): change the config files and restart. The API is read-only: use GET.');
  });

  return router;
}
