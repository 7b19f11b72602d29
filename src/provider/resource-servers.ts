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
  // Built once per composition (a config reload builds a new provider, and with it a new map): the
  // answer for a resource is the same on every request, so no object is made per token. Frozen,
  // since oidc-provider keeps `jwt` by reference on each token's ResourceServer.
  const infoById = new Map([api, ...servers].map((s) => [s.identifier, resourceServerInfo(s, alg)]));
  return {
    enabled: true,
    // Without an explicit `resource`, tokens stay opaque and are meant for userinfo only.
    defaultResource: () => undefined,
    useGrantedResource: () => true,
    getResourceServerInfo(_ctx: unknown, resourceIndicator: string): ResourceServer {
      const info = infoById.get(resourceIndicator);
      if (!info) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}; register it under resourceServers in config`);
      return info;
    },
  };
}

function resourceServerInfo(server: ResourceServerConfig, alg: SigningAlg): ResourceServer {
  return Object.freeze({
    scope: server.scopes.join(' '),
    audience: server.identifier,
    accessTokenTTL: server.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: Object.freeze({ sign: Object.freeze({ alg }) }),
  });
}
