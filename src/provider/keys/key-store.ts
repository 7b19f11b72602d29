import type { Database } from '../../db/connect.js';
import { isoIn, nowIso } from '../../lib/clock.js';
import { generateCookieSecret, generateSigningKey, type PrivateJwk, type SigningAlg } from './generate-key.js';

/** Every algorithm Foyer can sign with; the configured default is listed first in JWKS. */
export const SIGNING_ALGS: SigningAlg[] = ['ES256', 'RS256'];

interface KeyRow {
  kid: string;
  purpose: 'token' | 'cookie';
  alg: string;
  private_jwk: string;
  created_at: string;
  retired_at: string | null;
  expires_at: string | null;
}

export interface KeyMaterial {
  /** Private JWKs for oidc-provider: active keys first (newest first), then retired-but-published. */
  jwks: PrivateJwk[];
  /** Cookie signing secrets, newest first (keygrip signs with the first, verifies with all). */
  cookieKeys: string[];
}

/**
 * Signing keys live in the database so they survive restarts and every node signs with the same
 * keys. They are created on first start and only change by an explicit rotation.
 */
export class KeyStore {
  constructor(private readonly db: Database) {}

  /** Creates whatever is missing (one active key per algorithm, one cookie secret); idempotent. */
  async ensureKeys(): Promise<void> {
    const active = await this.activeRows();
    for (const alg of SIGNING_ALGS) {
      if (!active.some((r) => r.purpose === 'token' && r.alg === alg)) await this.insert('token', await generateSigningKey(alg));
    }
    if (!active.some((r) => r.purpose === 'cookie')) await this.insert('cookie', generateCookieSecret());
  }

  /**
   * Adds a new key per algorithm and retires the current ones; retired keys stay published
   * (so tokens they signed still verify) until `retiredKeyTtlSeconds` have passed.
   */
  async rotate(retiredKeyTtlSeconds: number): Promise<{ added: string[]; retired: string[] }> {
    const fresh = await Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg)));
    return this.db.transaction(async (trx) => {
      const current = await trx<KeyRow>('signing_keys').where({ purpose: 'token' }).whereNull('retired_at');
      await trx('signing_keys')
        .whereIn('kid', current.map((r) => r.kid))
        .update({ retired_at: nowIso(), expires_at: isoIn(retiredKeyTtlSeconds) });
      for (const jwk of fresh) await this.insert('token', jwk, trx);
      return { added: fresh.map((k) => k.kid), retired: current.map((r) => r.kid) };
    });
  }

  /**
   * The keys to publish and sign with. `prePublishSeconds`: an active key younger than this is
   * published but ranked after the retired keys, so nodes keep signing with the previous key until
   * every node (reloading periodically) and every app caching JWKS has seen the new one.
   */
  async load(defaultAlg: SigningAlg, opts: { prePublishSeconds?: number } = {}): Promise<KeyMaterial> {
    const rows = await this.db<KeyRow>('signing_keys')
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', nowIso()))
      .orderBy('created_at', 'desc');
    const tokenRows = rows.filter((r) => r.purpose === 'token');
    const readyBefore = new Date(Date.now() - (opts.prePublishSeconds ?? 0) * 1000).toISOString();
    // oidc-provider signs with the first key of an algorithm, so active keys lead, default alg first;
    // pre-published keys come last (they still sign when nothing else of their algorithm exists).
    const rank = (r: KeyRow) => (r.retired_at ? 2 : r.created_at > readyBefore ? 4 : 0) + (r.alg === defaultAlg ? 0 : 1);
    const ordered = [...tokenRows].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at));
    return {
      jwks: ordered.map((r) => JSON.parse(r.private_jwk) as PrivateJwk),
      cookieKeys: rows.filter((r) => r.purpose === 'cookie').map((r) => String((JSON.parse(r.private_jwk) as PrivateJwk).k)),
    };
  }

  async list(): Promise<Omit<KeyRow, 'private_jwk'>[]> {
    return this.db<KeyRow>('signing_keys').select('kid', 'purpose', 'alg', 'created_at', 'retired_at', 'expires_at').orderBy('created_at', 'desc');
  }

  private async activeRows(): Promise<KeyRow[]> {
    return this.db<KeyRow>('signing_keys').whereNull('retired_at');
  }

  private async insert(purpose: KeyRow['purpose'], jwk: PrivateJwk, trx: Database = this.db): Promise<void> {
    await trx('signing_keys')
      .insert({ kid: jwk.kid, purpose, alg: jwk.alg, private_jwk: JSON.stringify(jwk), created_at: nowIso() })
      .onConflict('kid')
      .ignore();
  }
}

/** Changes whenever the published keys, their signing order, or the cookie secrets change. */
export function keysFingerprint(material: KeyMaterial): string {
  return JSON.stringify([material.jwks.map((k) => k.kid), material.cookieKeys.length]);
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** The public half of signing keys, for verifying Foyer's own tokens in-process. */
export function publicJwks(jwks: PrivateJwk[]): { keys: Record<string, unknown>[] } {
  return { keys: jwks.map((k) => Object.fromEntries(Object.entries(k).filter(([name]) => !PRIVATE_MEMBERS.includes(name)))) };
}
