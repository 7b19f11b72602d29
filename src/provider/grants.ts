import type { KoaContextWithOIDC, Grant } from 'oidc-provider';

/**
 * First-party apps (marked in config) never show a consent screen: the grant is created or
 * widened to what they ask for. Third-party apps keep the grant the user consented to.
 */
export function createLoadExistingGrant(firstParty: ReadonlySet<string>) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { oidc } = ctx;
    const client = oidc.client!;
    const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!firstParty.has(client.clientId)) return existing;
    // A grant that belongs to someone else (a different account in this browser) is never reused.
    const grant =
      existing && existing.accountId === oidc.session!.accountId
        ? existing
        : new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
    const scope = oidc.params?.scope as string | undefined;
    if (scope) grant.addOIDCScope(scope);
    // oidc-provider has already validated the claims parameter as JSON by the time grants load.
    const claims = oidc.params?.claims as string | undefined;
    if (claims) {
      const parsed = JSON.parse(claims) as { id_token?: object; userinfo?: object };
      grant.addOIDCClaims([...Object.keys(parsed.id_token ?? {}), ...Object.keys(parsed.userinfo ?? {})]);
    }
    // Resource servers only ever receive the scopes they declare, whatever is requested here.
    for (const resource of Object.keys(oidc.resourceServers ?? {})) {
      if (scope) grant.addResourceScope(resource, scope);
    }
    await grant.save();
    return grant;
  };
}
