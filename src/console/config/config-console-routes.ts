import type { Router } from '@koa/router';
import { z } from 'zod';
import { configWarnings, redactSecrets, type ConfigWarning } from '../../config/config-audit.js';
import type { FoyerConfig } from '../../config/schema.js';
import type { GroupsRepository } from '../../directory/groups-repository.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import type { Translator } from '../../i18n/translator.js';
import type { Clock } from '../../lib/clock.js';
import { requireConsolePermission } from '../console-access.js';
import { parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';

/** The read-only pages, each a part of the configuration. */
const PARTS = {
  'identity-providers': { title: 'console.config.identityProviders', section: 'identityProviders' },
  partners: { title: 'console.config.partners', section: 'partners' },
  policies: { title: 'console.config.policies', section: 'conditionalAccess' },
  mail: { title: 'console.config.mail', section: 'mail' },
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
    const tr = deps.renderer.translator(ctx);
    const parts = (Object.entries(PARTS) as [Part, (typeof PARTS)[Part]][]).map(([id, p]) => ({ id, title: tr.t(p.title), warnings: all.filter((w) => w.section === p.section).length }));
    await deps.renderer.page(ctx, 'console-config', { ...consolePageBase(ctx, 'config'), parts, files: config.sourceFiles.length, issuer: config.issuer });
  });

  router.get('/:part', async (ctx) => {
    parseConsoleQuery(z.strictObject({}), ctx);
    const part = ctx.params.part as Part;
    if (!Object.hasOwn(PARTS, part)) throw new HttpError(404, 'notFound', 'There is no such configuration page.');
    const all = (await warnings()).filter((w) => w.section === PARTS[part].section);
    const warningsOf = (id: string) => all.filter((w) => w.id === id).map((w) => w.message);
    const tr = deps.renderer.translator(ctx);
    await deps.renderer.page(ctx, 'console-config-part', { ...consolePageBase(ctx, 'config'), title: tr.t(PARTS[part].title), part, items: itemsOf(part, warningsOf, tr) });
  });

  function itemsOf(part: Part, warningsOf: (id: string) => string[], tr: Translator): Item[] {
    const t = (key: string, params?: Record<string, string>) => tr.t(key, params);
    const none = t('console.common.none');
    const item = (id: string, name: string, facts: [string, string][], value: unknown): Item => ({ id, name, facts, warnings: warningsOf(id), loaded: JSON.stringify(redactSecrets(value), null, 2) });
    switch (part) {
      case 'identity-providers':
        return config.identityProviders.map((i) =>
          item(i.id, i.displayName ?? i.id, [
            [t('console.config.type'), i.type],
            [t('console.config.domains'), 'domains' in i && i.domains.length ? i.domains.join(', ') : none],
            [t('console.config.mfaCounts'), 'trustMfa' in i && i.trustMfa ? t('console.common.yes') : t('console.common.no')],
          ], i),
        );
      case 'partners':
        return [
          ...config.partners.map((p) => item(p.id, p.displayName, [[t('console.config.domains'), p.domains.join(', ') || none], [t('console.config.identityProviders'), p.identityProviders.join(', ') || t('console.common.any')]], p)),
          item('', t('console.config.partnerDefaults'), [], config.partnerDefaults),
        ];
      case 'policies':
        return config.conditionalAccess.map((p) => {
          const { includeApplications, excludeApplications } = p.conditions.applications;
          const grants = p.grantControls ? [...p.grantControls.builtInControls, ...p.grantControls.termsOfUse.map((terms) => `termsOfUse:${terms}`)].join(` ${p.grantControls.operator} `) : '';
          return item(p.id, p.displayName, [
            [t('console.config.state'), p.state === 'enabledForReportingButNotEnforced' ? t('console.common.reportOnly') : p.state === 'enabled' ? t('console.common.on') : t('console.common.off')],
            [t('console.config.apps'), excludeApplications.length ? t('console.config.appsExcept', { apps: includeApplications.join(', '), excluded: excludeApplications.join(', ') }) : includeApplications.join(', ')],
            [t('console.common.grantControls'), grants || none],
          ], p);
        });
      case 'mail':
        return [item('', t('console.config.mailDelivery'), [[t('console.config.from'), config.mail.from], [t('console.config.smtpServer'), config.mail.smtp ? `${config.mail.smtp.host}:${config.mail.smtp.port}` : t('console.config.outbox')]], config.mail)];
    }
  }

  return router;
}
