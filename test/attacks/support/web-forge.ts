/**
 * Forged bearer tokens for Foyer's API: a real token's claims re-signed by a key Foyer never
 * published (under Foyer's own kid), left unsigned (`alg: none`), signed with HMAC keyed by Foyer's
 * public key (algorithm confusion), or signed with Foyer's real private key but saying something
 * else (another issuer, long expired). The last two prove the claim checks themselves, since the
 * signature there is genuine.
 */
import { createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import type { RunningFoyer } from '../../support/start-foyer.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The header and claims of a real token, to start a forgery from. */
export function partsOf(token: string): { header: Record<string, unknown>; claims: JWTPayload } {
  return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) };
}

/** Signed by a fresh key of the same algorithm, claiming Foyer's kid: the signature cannot verify. */
export async function signedByForeignKey(token: string, change: (c: JWTPayload) => JWTPayload = (c) => c): Promise<string> {
  const { header, claims } = partsOf(token);
  const alg = String(header.alg);
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return new SignJWT(change(claims)).setProtectedHeader({ ...header, alg }).sign(privateKey);
}

/** The same claims with `alg: none` and no signature. */
export function unsigned(token: string, change: (c: JWTPayload) => JWTPayload = (c) => c): string {
  const { header, claims } = partsOf(token);
  return `${b64({ ...header, alg: 'none' })}.${b64(change(claims))}.`;
}

/** HS256 keyed with Foyer's published public key (the classic RS/ES→HS confusion). */
export async function hmacWithPublicKey(foyer: RunningFoyer, token: string, change: (c: JWTPayload) => JWTPayload = (c) => c): Promise<string> {
  const { header, claims } = partsOf(token);
  const jwks = (await (await fetch(`${foyer.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
  const jwk = jwks.keys.find((k) => k.kid === header.kid) ?? jwks.keys[0]!;
  const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return new SignJWT(change(claims)).setProtectedHeader({ ...header, alg: 'HS256' }).sign(new TextEncoder().encode(String(pem)));
}

/** Signed with Foyer's own current private key (the one that signed `token`): only the claims are wrong. */
export async function signedByFoyer(
  foyer: RunningFoyer,
  token: string,
  change: (c: JWTPayload) => JWTPayload,
  changeHeader: (h: Record<string, unknown>) => Record<string, unknown> = (h) => h,
): Promise<string> {
  const { header, claims } = partsOf(token);
  const material = await foyer.foyer.keys.load(foyer.foyer.config.keys.algorithm);
  const jwk = material.jwks.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`Foyer has no private key ${String(header.kid)}`);
  const key = await importJWK(jwk as never, String(header.alg));
  return new SignJWT(change(claims)).setProtectedHeader(changeHeader(header) as never).sign(key);
}
