import { connectDatabase } from '../db/connect.js';
import { KeyStore } from '../provider/keys/key-store.js';
import type { FoyerConfig } from '../config/schema.js';
import { reloadRequestKey } from './reload-request-signature.js';

/**
 * The key `foyer config reload` signs its Redis request with: derived from the newest cookie secret
 * in the database the nodes share (which the CLI reads with the same config as they do).
 */
export async function reloadRequestKeyFromDatabase(config: FoyerConfig): Promise<Buffer> {
  const db = connectDatabase(config.storage.databaseUrl);
  try {
    const { cookieKeys } = await new KeyStore(db).load(config.keys.algorithm);
    if (!cookieKeys[0]) throw new Error('the database holds no keys yet: start Foyer once (it creates them) before asking it to reload');
    return reloadRequestKey(cookieKeys[0]);
  } finally {
    await db.destroy();
  }
}
