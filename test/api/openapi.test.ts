import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from '@koa/router';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appRoleAssignmentsRoutes } from '../../src/api/app-role-assignments-routes.js';
import { directoryAuditsRoutes } from '../../src/api/directory-audits-routes.js';
import { groupsRoutes } from '../../src/api/groups-routes.js';
import { invitationsRoutes } from '../../src/api/invitations-routes.js';
import { OPENAPI_FILE } from '../../src/api/openapi-route.js';
import { signInsRoutes } from '../../src/api/sign-ins-routes.js';
import { sponsorsRoutes } from '../../src/api/sponsors-routes.js';
import { usersRoutes } from '../../src/api/users-routes.js';
import { crossTenantAccessRoutes } from '../../src/partners/cross-tenant-access-routes.js';
import { directoryRolesRoutes } from '../../src/roles/directory-roles-routes.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { api, appToken } from '../support/api-client.js';
import { useFoyer } from '../support/world.js';

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown>; operationId?: string };
const spec = parse(readFileSync(OPENAPI_FILE, 'utf8')) as { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every route the API routers register, as "METHOD /path/{param}". The routers are built only to be read. */
function registeredRoutes(): string[] {
  const deps = {} as never;
  const routers: Router[] = [
    invitationsRoutes({ service: deps, issuer: 'http://x', skipTokens: deps }),
    usersRoutes(deps),
    sponsorsRoutes(deps),
    groupsRoutes(deps),
    appRoleAssignmentsRoutes({ apps: [], service: deps, assignments: deps, users: deps, groups: deps, ownership: deps, issuer: 'http://x' }),
    signInsRoutes({ log: deps, issuer: 'http://x', skipTokens: deps }),
    directoryAuditsRoutes({ db: deps, issuer: 'http://x' }),
    crossTenantAccessRoutes({ directory: deps, issuer: 'http://x', passcodeEnabled: true }),
    directoryRolesRoutes({ issuer: 'http://x', roles: deps }),
  ];
  const out = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      const methods = layer.methods.filter((m) => m !== 'HEAD');
      // router.all() catch-alls (405 answers) are not operations.
      if (methods.length > 4) continue;
      for (const path of [layer.path].flat()) for (const m of methods) out.add(`${m} ${String(path).replace(/:([A-Za-z]+)/g, '{$1}')}`);
    }
  }
  return [...out].sort();
}

function documentedRoutes(): string[] {
  return Object.entries(spec.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('docs/openapi.yaml', () => {
  it('is checked against every route module the API feature mounts under /v1.0', () => {
    const api = readFileSync(join(projectRoot, 'src/api/wire-api.ts'), 'utf8');
    // Route modules of other features (the partners' cross-tenant access settings) are mounted here too.
    const mounted = [...api.matchAll(/import \{ (\w+Routes) \} from '\.\.?\/[\w/-]+\.js'/g)].map((m) => m[1]).sort();
    expect(mounted).toEqual(['appRoleAssignmentsRoutes', 'crossTenantAccessRoutes', 'directoryAuditsRoutes', 'directoryRolesRoutes', 'groupsRoutes', 'invitationsRoutes', 'signInsRoutes', 'sponsorsRoutes', 'usersRoutes']);
  });

  it('documents exactly the routes under /v1.0, no more, no fewer', () => {
    expect(documentedRoutes()).toEqual(registeredRoutes());
  });

  it('gives every operation a permission, a unique operationId, and its 401 and 403 answers', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
        const op = item[method]!;
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.security?.[0]?.foyerToken?.length, where).toBeGreaterThan(0);
        expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403']));
        expect(op.operationId, where).toBeTruthy();
        expect(ids.has(op.operationId!), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId!);
      }
    }
  });

  it('resolves every $ref', () => {
    const refs = [...readFileSync(OPENAPI_FILE, 'utf8').matchAll(/\$ref: '#\/components\/(\w+)\/(\w+)'/g)];
    expect(refs.length).toBeGreaterThan(50);
    for (const [, section, name] of refs) expect(spec.components[section!]?.[name!], `${section}/${name}`).toBeTruthy();
  });

  describe('served by Foyer', () => {
    const foyer = useFoyer();

    it('at GET /openapi.yaml, byte for byte the file in the repository, without a token', async () => {
      const res = await fetch(`${foyer.issuer}/openapi.yaml`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(await res.text()).toBe(readFileSync(OPENAPI_FILE, 'utf8'));
    });

    it('the API’s 404 for an unknown route points at it', async () => {
      const res = await api(foyer.issuer, await appToken(foyer.issuer, 'daemon-app'), 'GET', '/nothing');
      expect(res.status).toBe(404);
      expect((res.body.error as { message: string }).message).toContain('/openapi.yaml');
    });
  });
});
