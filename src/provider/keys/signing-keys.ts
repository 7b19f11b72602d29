import { KeyStore, keysFingerprint, type KeyMaterial } from './key-store.js';
import type { Database } from '../../db/connect.js';
import type { SigningAlg } from './generate-key.js';

export type KeysListener = (material: KeyMaterial) => Promise<void> | void;

/**
 * The node's signing keys and cookie secrets as loaded from the database, and their reload: a
 * `foyer keys rotate` on any node (or the CLI) reaches this one at the next reload. Whoever holds
 * keys in memory (the provider, the API's token check) listens for a change instead of being
 * rebuilt by the composition root.
 */
export interface SigningKeys {
  readonly store: KeyStore;
  current(): KeyMaterial;
  onChange(listener: KeysListener): void;
  /** Loads the keys again; when they changed, tells every listener (in order) before taking them as current. */
  reload(): Promise<'changed' | 'unchanged'>;
}

export async function loadSigningKeys(db: Database, opts: { algorithm: SigningAlg; prePublishSeconds: number }): Promise<SigningKeys> {
  const store = new KeyStore(db);
  await store.ensureKeys();
  const load = () => store.load(opts.algorithm, { prePublishSeconds: opts.prePublishSeconds });
  let material = await load();
  let fingerprint = keysFingerprint(material);
  const listeners: KeysListener[] = [];
  return {
    store,
    current: () => material,
    onChange: (listener) => void listeners.push(listener),
    async reload() {
      const fresh = await load();
      const seen = keysFingerprint(fresh);
      if (seen === fingerprint) return 'unchanged';
      // A listener that refuses the new keys (a bad key) leaves the old ones current: tried again next time.
      for (const listener of listeners) await listener(fresh);
      material = fresh;
      fingerprint = seen;
      return 'changed';
    },
  };
}
