import type { Router } from '@koa/router';
import { z } from 'zod';
import { configWarnings, redactSecrets, type ConfigWarning } from '../../config/config-audit.js';
import type { FoyerConfig } from '../../config/schema.js';
import type { GroupsRepository } from '../../directory/groups-repository.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import type { Clock } from '../../lib/clock.js';
import { requireConsolePermission } from '../console-access.js';
import { parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';

/** The read-only pages, each a part of the configuration. */
const PARTS = {
  'identity-providers': { title: 'Identity providers', section: 'identityProviders' },
  partners: { title: 'Partner organisations', section: 'partners' },
  policies: { title: 'Conditional access policies', section: 'conditionalAccess' },
  mail: { title: 'Mail', section: 'mail' },
} as const;
type Part = keyof typeof PARTS;

export interface ConfigConsoleDeps {
  config: FoyerConfig;
  groups: GroupsRepository;
  clock: Clock;
  renderer: PageRenderer;
}

interface Item {
  id: string;
  name: string;
  facts: [string, string][];
  warnings: string[];
  /** The item as loaded, secrets replaced (config-audit.ts redactSecrets), as indented JSON. */
  loaded: string;
}

/**
 * The configuration as loaded (Policy.Read.All), read-only: identity providers, partners,
 * conditional access policies and mail, each with the config audit's warnings. Secrets never
 * reach the page: every item goes through redactSecrets first.
 */
export function configConsoleRoutes(router: Router, deps: ConfigConsoleDeps): Router {
  const { config } = deps;
  router.use(requireConsolePermission('Policy.Read.All'));

  /** The static warnings, plus policies naming groups the directory no longer has. */
  async function warnings(): Promise<ConfigWarning[]> {
    const found = configWarnings(config, deps.clock.now().getTime());
    for (const p of config.conditionalAccess) {
      const { includeGroups, excludeGroups } = p.conditions.users;
      for (const id of [...includeGroups, ...excludeGroups]) {
        if (!(await deps.groups.findById(id))) found.push({ section: 'conditionalAccess', id: p.id, message: `names the group ${id}, which is not in the directory` });
      }
    }
    return found;
  }

  router.get('/', async (ctx) => {
    parseConsoleQuery(z.strictObject({}), ctx);
    const all = await warnings();
    const parts = (Object.entries(PARTS) as [Part, (typeof PARTS)[Part]][]).map(([id, p]) => ({ id, title: p.title, warnings: all.filter((w) => w.section === p.section).length }));
    await deps.renderer.page(ctx, 'console-config', { ...consolePageBase(ctx, 'config'), parts, files: config.sourceFiles.length, issuer: config.issuer });
  });

  router.get('/:part', async (ctx) => {
    parseConsoleQuery(z.strictObject({}), ctx);
    const part = ctx.params.part as Part;
    if (!Object.hasOwn(PARTS, part)) throw new HttpError(404, 'notFound', 'There is no such configuration page.');
    const all = (await warnings()).filter((w) => w.section === PARTS[part].section);
    const warningsOf = (id: string) => all.filter((w) => w.id === id).map((w) => w.message);
    await deps.renderer.page(ctx, 'console-config-part', { ...consolePageBase(ctx, 'config'), title: PARTS[part].title, part, items: itemsOf(part, warningsOf) });
  });

  function itemsOf(part: Part, warningsOf: (id: string) => string[]): Item[] {
    const item = (id: string, name: string, facts: [string, string][], value: unknown): Item => ({ id, name, facts, warnings: warningsOf(id), loaded: JSON.stringify(redactSecrets(value), null, 2) });
    switch (part) {
      case 'identity-providers':
        return config.identityProviders.map((i) =>
          item(i.id, i.displayName ?? i.id, [
            ['Type', i.type],
            ['Domains', 'domains' in i && i.domains.length ? i.domains.join(', ') : 'None'],
            ['MFA done there counts', 'trustMfa' in i && i.trustMfa ? 'Yes' : 'No'],
          ], i),
        );
      case 'partners':
        return [
          ...config.partners.map((p) => item(p.id, p.displayName, [['Domains', p.domains.join(', ') || 'None'], ['Identity providers', p.identityProviders.join(', ') || 'Any']], p)),
          item('', 'Partner defaults (every other organisation)', [], config.partnerDefaults),
        ];
      case 'policies':
        return config.conditionalAccess.map((p) =>
          item(p.id, p.displayName, [
            ['State', p.state === 'enabledForReportingButNotEnforced' ? 'Report-only' : p.state === 'enabled' ? 'On' : 'Off'],
            ['Apps', p.conditions.applications.includeApplications.join(', ') + (p.conditions.applications.excludeApplications.length ? ` (except ${p.conditions.applications.excludeApplications.join(', ')})` : '')],
            ['Grant controls', p.grantControls ? [...p.grantControls.builtInControls, ...p.grantControls.termsOfUse.map((t) => `termsOfUse:${t}`)].join(` ${p.grantControls.operator} `) || 'None' : 'None'],
          ], p),
        );
      case 'mail':
        return [item('', 'Mail delivery', [['From', config.mail.from], ['SMTP server', config.mail.smtp ? `${config.mail.smtp.host}:${config.mail.smtp.port}` : 'None (outbox folder)']], config.mail)];
    }
  }

  return router;
}
