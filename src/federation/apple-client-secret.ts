/**
 * Sign in with Apple's client secret: not a shared string but an ES256 JWT signed with the
 * developer's Sign in with Apple key (iss = Team ID, sub = Services ID, aud = Apple, kid = Key ID).
 * Apple allows up to six months; Foyer mints one per token request valid for five minutes, so a
 * secret that leaks from a log or a proxy is worthless almost at once and no cache can go stale.
 */
import { importPKCS8, SignJWT } from 'jose';
import type * as client from 'openid-client';

export const APPLE_AUDIENCE = 'https://appleid.apple.com';
const LIFETIME_SECONDS = 300;

export interface AppleKey {
  teamId: string;
  keyId: string;
  privateKey: string;
}

export async function mintAppleClientSecret(key: AppleKey, clientId: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  const signingKey = await importPKCS8(key.privateKey, 'ES256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.keyId })
    .setIssuer(key.teamId)
    .setSubject(clientId)
    .setAudience(APPLE_AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + LIFETIME_SECONDS)
    .sign(signingKey);
}

/** openid-client client authentication: client_id and a freshly minted client_secret in the form body (client_secret_post). */
export function appleClientSecretPost(key: AppleKey): client.ClientAuth {
  return async (_as, clientMetadata, body) => {
    body.set('client_id', clientMetadata.client_id);
    body.set('client_secret', await mintAppleClientSecret(key, clientMetadata.client_id));
  };
}
