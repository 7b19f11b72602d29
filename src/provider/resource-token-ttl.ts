/** The part of an access token the lifetime depends on: the API it is for, if any. */
interface TokenForTtl {
  resourceServer?: { accessTokenTTL?: number };
}

/**
 * An access token's lifetime: its API's `accessTokenTtlSeconds` (resourceServers in config, passed
 * to oidc-provider as the resource server's `accessTokenTTL`), else `withoutResource` (the opaque
 * tokens that are only good at userinfo). oidc-provider's own default TTL functions read
 * `accessTokenTTL` this way; a `ttl.AccessToken` or `ttl.ClientCredentials` of Foyer's replaces
 * them, so without this an API configured for 5 minutes got tokens for an hour.
 *
 * The resource server is looked up per grant (getResourceServerInfo, from the composition's map),
 * so a config reload's new lifetime reaches the next grant. Nothing is allocated per token.
 */
export function resourceTokenTtl(withoutResource: number): (ctx: unknown, token: TokenForTtl) => number {
  return (_ctx, token) => token.resourceServer?.accessTokenTTL ?? withoutResource;
}
