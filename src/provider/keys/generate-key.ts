import { generateKeyPair, randomBytes, createHash } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export type SigningAlg = 'ES256' | 'RS256';
export type PrivateJwk = Record<string, unknown> & { kid: string; alg: string; kty: string };

/** Generates a signing key off the event loop (key generation is CPU-heavy, RSA especially). */
export async function generateSigningKey(alg: SigningAlg): Promise<PrivateJwk> {
  const { privateKey } =
    alg === 'ES256'
      ? await generate('ec', { namedCurve: 'P-256' })
      : await generate('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  // A kid derived from the public part only: stable, unique and safe to publish.
  const publicPart = alg === 'ES256' ? `${String(jwk.x)}.${String(jwk.y)}` : String(jwk.n);
  const kid = createHash('sha256').update(publicPart).digest('base64url').slice(0, 22);
  return { ...jwk, kty: String(jwk.kty), kid, alg, use: 'sig' };
}

/** Cookie signing secret for oidc-provider's keygrip. */
export function generateCookieSecret(): PrivateJwk {
  const secret = randomBytes(32).toString('base64url');
  const kid = createHash('sha256').update(secret).digest('base64url').slice(0, 22);
  return { kty: 'oct', kid, alg: 'HS256', k: secret };
}
