import type { FoyerConfig } from '../config/schema.js';
import { PASSCODE_IDP } from '../interaction/home-realm-discovery.js';
import { HttpError } from '../http/http-error.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import type { AdmissionDecision, RefusalCode } from './admission.js';
import type { PartnerSettings } from './partner-directory.js';

/** The names a refusal speaks of. */
export interface RefusalNames {
  tenantName: string;
  apps: Map<string, string>;
  idps: Map<string, string>;
}

export function refusalNames(config: Pick<FoyerConfig, 'tenant' | 'apps' | 'identityProviders'>): RefusalNames {
  return {
    tenantName: config.tenant.displayName,
    apps: new Map([...config.apps.map((a) => [a.id, a.displayName] as [string, string]), [PORTAL_CLIENT_ID, 'My Apps']]),
    idps: new Map([...config.identityProviders.map((i) => [i.id, i.displayName] as [string, string]), [PASSCODE_IDP, 'a code sent by email']]),
  };
}

/** A refused decision as the error pages and API answers show (403, the stable code, why and what to do). */
export function refusalError(decision: AdmissionDecision | undefined, names: RefusalNames, appId?: string): HttpError | undefined {
  if (!decision || decision.allowed) return undefined;
  const { code, partner, why } = decision.refusal!;
  return new HttpError(403, code, explainRefusal(code, partner, names, appId), { partner: partner.id, reason: why });
}

/** What a refused person reads: why, and what they can do about it. Each says nothing was changed where that matters to them. */
export function explainRefusal(code: RefusalCode, partner: PartnerSettings, names: RefusalNames, appId?: string): string {
  const tenant = names.tenantName;
  const org = partner.id ? partner.displayName : 'your organisation';
  const contact = partner.invitations.sponsor ? `your contact at ${tenant} (${partner.invitations.sponsor})` : `your contact at ${tenant}`;
  switch (code) {
    case 'partnerBlocked':
      return `${tenant} does not let people from ${org} sign in at the moment. Nothing was changed. If you need access, ask ${contact}.`;
    case 'partnerUserNotAllowed':
      return `${tenant} lets only some people from ${org} sign in, and this account is not one of them. Nothing was changed. Ask ${contact} to add you, or sign in with the account you were invited with.`;
    case 'partnerIdentityProviderNotAllowed': {
      const ways = partner.identityProviders.map((id) => names.idps.get(id) ?? id);
      return `People from ${org} sign in to ${tenant} with ${ways.join(' or ')}. Nothing was changed. Go back to the app and sign in that way.`;
    }
    case 'partnerAppNotAllowed': {
      const app = appId ? (names.apps.get(appId) ?? appId) : 'this app';
      return `${tenant} does not let people from ${org} use ${app}. Nothing was changed. Your other apps are on My Apps; if you need ${app}, ask ${contact}.`;
    }
  }
}
