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

/**
 * The adapter's statements, written once. They never change shape, so knex's query builder, which
 * compiled each one anew on every call (about a tenth of Foyer's CPU in a guest sign-in on SQLite,
 * bench profile), is skipped; knex still runs them (its pool, so an open transaction is waited for,
 * its `query` events, which count statements, and its errors). The same SQL runs on SQLite and
 * PostgreSQL (both have `on conflict … do update` and `returning`).
 */
const STATEMENTS = {
  // The payload is the whole truth after an upsert: a re-saved consumable model carries its own
  // `consumed`, so a stale consumed_at must not survive.
  upsert: oneLine(`insert into ${TABLE} (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at) values (?, ?, ?, ?, ?, ?, ?, null)
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
    uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`),
  find: {
    id: findBy('id'),
    user_code: findBy('user_code'),
    uid: findBy('uid'),
  },
  consume: `update ${TABLE} set consumed_at = ? where model = ? and id = ?`,
  destroy: `delete from ${TABLE} where model = ? and id = ?`,
  claim: oneLine(`insert into ${TABLE} (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at) values (?, ?, '{}', null, null, null, ?, null)
    on conflict (model, id) do nothing returning id`),
};

/** Statements are logged and counted by their text: one line each. */
function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ');
}

function findBy(column: string): string {
  return `select payload, consumed_at from ${TABLE} where model = ? and ${column} = ? and (expires_at is null or expires_at > ?) limit 1`;
}

/** Rows of a raw select: better-sqlite3 gives the array, pg a result with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

/** Rows a raw write changed: better-sqlite3's `changes`, pg's `rowCount`. */
function changesOf(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** oidc-provider state in the `oidc_payloads` table; the contract is documented in ./index.ts. */
export class SqlAdapter implements Adapter {
  constructor(
    private readonly db: Database,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
    await guardStorage(() =>
      this.db.raw(STATEMENTS.upsert, [this.model, id, JSON.stringify(payload), payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresAt]),
    );
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  async consume(id: string): Promise<void> {
    await guardStorage(() => this.db.raw(STATEMENTS.consume, [Date.now(), this.model, id]));
  }

  async destroy(id: string): Promise<void> {
    await guardStorage(() => this.db.raw(STATEMENTS.destroy, [this.model, id]));
  }

  async take(id: string): Promise<boolean> {
    // One DELETE: the database lets exactly one of two concurrent deletes count the row.
    return changesOf(await guardStorage(() => this.db.raw(STATEMENTS.destroy, [this.model, id]))) === 1;
  }

  async claim(id: string, expiresIn: number): Promise<boolean> {
    // One INSERT that does nothing on a conflict: of two concurrent claims exactly one gets its row back.
    const inserted = rowsOf(await guardStorage(() => this.db.raw(STATEMENTS.claim, [this.model, id, Date.now() + expiresIn * 1000])));
    return inserted.length === 1;
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Across models, like the reference adapters: oidc-provider calls this once per model it thinks
    // is in use, and a grant's tokens must all go even if a client's grant types changed since.
    await guardStorage(() =>
      this.db(TABLE).where({ grant_id: grantId }).whereIn('model', GRANTABLE_MODELS).delete(),
    );
  }

  private async findWhere(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    // Expired rows linger until purgeExpired runs; to oidc-provider they are already gone.
    const [row] = rowsOf<Row>(await guardStorage(() => this.db.raw(STATEMENTS.find[column], [this.model, value, Date.now()])));
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
