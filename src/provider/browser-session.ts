import type { Context } from 'koa';
import type Provider from 'oidc-provider';

/**
 * The account this browser is signed in to at Foyer (oidc-provider's session cookie), if any.
 * For pages outside the protocol routes that must not act for one person while another is
 * signed in (accepting an invitation while signed in as someone else).
 */
export async function signedInAccountId(provider: Provider, ctx: Context): Promise<string | undefined> {
  try {
    const session = await provider.Session.get(ctx as never);
    return typeof session.accountId === 'string' ? session.accountId : undefined;
  } catch {
    // A cookie that does not verify or a session that cannot be read: nobody is signed in.
    return undefined;
  }
}
