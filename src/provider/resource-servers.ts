import { errors, type ResourceServer } from 'oidc-provider';
import type { ResourceServerConfig } from '../config/resource-servers-schema.js';
import type { SigningAlg } from './keys/generate-key.js';
import { API_SCOPES, apiResource } from '../api/api-resource.js';

/**
 * RFC 8707 resource indicators: an access token for a registered API is a JWT whose `aud` is that
 * API, so the API can verify it offline against Foyer's JWKS. Unknown resources are refused.
 */
export function resourceIndicators(servers: ResourceServerConfig[], alg: SigningAlg, issuer: string) {
  // Foyer's own API is always registered; its scopes are the Graph permission names.
  const api: ResourceServerConfig = { identifier: apiResource(issuer), scopes: [...API_SCOPES], accessTokenTtlSeconds: 3600 };
  const byId = new Map([api, ...servers].map((s) => [s.identifier, s]));
  return {
    enabled: true,
    // Without an explicit `resource`, tokens stay opaque and are meant for userinfo only.
    defaultResource: () => undefined,
    useGrantedResource: () => true,
    getResourceServerInfo(_ctx: unknown, resourceIndicator: string): ResourceServer {
      const server = byId.get(resourceIndicator);
      if (!server) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}; register it under resourceServers in config`);
      return {
        scope: server.scopes.join(' '),
        audience: server.identifier,
        accessTokenTTL: server.accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      };
    },
  };
}
