import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../../db/connect.js';
import { guardStorage } from './storage-unavailable.js';

const TABLE = 'oidc_payloads';

/**
 * Models whose payloads carry the grantId of the grant they were issued under; revokeByGrantId
 * removes these and only these (an Interaction also carries a grantId but is not a credential, and
 * the Grant itself is destroyed separately by oidc-provider according to revokeGrantPolicy).
 */
export const GRANTABLE_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
] as const;

interface Row {
  payload: string;
  consumed_at: number | string | null; // pg returns bigint columns as strings
}

/** oidc-provider state in the `oidc_payloads` table; the contract is documented in ./index.ts. */
export class SqlAdapter implements Adapter {
  constructor(
    private readonly db: Database,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expires_at: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null,
      // The payload is the whole truth after an upsert: a re-saved consumable model carries its own
      // `consumed`, so a stale consumed_at must not survive.
      consumed_at: null,
    };
    await guardStorage(() => this.db(TABLE).insert(row).onConflict(['model', 'id']).merge());
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere({ id });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere({ user_code: userCode });
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere({ uid });
  }

  async consume(id: string): Promise<void> {
    await guardStorage(() => this.db(TABLE).where({ model: this.model, id }).update({ consumed_at: Date.now() }));
  }

  async destroy(id: string): Promise<void> {
    await guardStorage(() => this.db(TABLE).where({ model: this.model, id }).delete());
  }

  async take(id: string): Promise<boolean> {
    // One DELETE: the database lets exactly one of two concurrent deletes count the row.
    return (await guardStorage(() => this.db(TABLE).where({ model: this.model, id }).delete())) === 1;
  }

  async claim(id: string, expiresIn: number): Promise<boolean> {
    const row = { model: this.model, id, payload: '{}', grant_id: null, user_code: null, uid: null, expires_at: Date.now() + expiresIn * 1000, consumed_at: null };
    // One INSERT that does nothing on a conflict: of two concurrent claims exactly one gets its row back.
    const inserted = await guardStorage(() => this.db(TABLE).insert(row).onConflict(['model', 'id']).ignore().returning('id'));
    return inserted.length === 1;
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Across models, like the reference adapters: oidc-provider calls this once per model it thinks
    // is in use, and a grant's tokens must all go even if a client's grant types changed since.
    await guardStorage(() =>
      this.db(TABLE).where({ grant_id: grantId }).whereIn('model', GRANTABLE_MODELS).delete(),
    );
  }

  private async findWhere(where: Record<string, string>): Promise<AdapterPayload | undefined> {
    const row: Row | undefined = await guardStorage(() =>
      this.db(TABLE)
        .select('payload', 'consumed_at')
        .where({ model: this.model, ...where })
        // Expired rows linger until purgeExpired runs; to oidc-provider they are already gone.
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', Date.now()))
        .first(),
    );
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(Number(row.consumed_at) / 1000);
    return payload;
  }
}

/**
 * Deletes up to `batch` rows that expired over a minute ago (the minute keeps rows a request is
 * still reading from vanishing under it). Call it periodically; returns how many rows went, so a
 * caller can loop while it returns a full batch.
 */
export async function purgeExpired(db: Database, batch = 1000): Promise<number> {
  const cutoff = Date.now() - 60_000;
  return guardStorage(() =>
    db(TABLE)
      .whereIn(
        ['model', 'id'],
        db(TABLE).select('model', 'id').whereNotNull('expires_at').andWhere('expires_at', '<', cutoff).limit(batch),
      )
      .delete(),
  );
}
