import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';

export interface Passkey {
  id: string;
  userId: string;
  /** base64url of the credential's raw id, as the browser reports it. */
  credentialId: string;
  /** base64url of the COSE public key. */
  publicKey: string;
  signCount: number;
  transports: string[];
  /** multiDevice: backup eligible (a synced passkey); singleDevice: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface Row {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  sign_count: number | string;
  transports: string;
  device_type: string;
  backed_up: boolean | number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** The passkeys table: several credentials per user, each found by its credential id. */
export class PasskeyRepository {
  constructor(private readonly db: Database) {}

  async listFor(userId: string): Promise<Passkey[]> {
    const rows = await this.db<Row>('passkeys').where({ user_id: userId }).orderBy('created_at');
    return rows.map(toPasskey);
  }

  async countFor(userId: string): Promise<number> {
    const row = await this.db('passkeys').where({ user_id: userId }).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async findByCredentialId(credentialId: string): Promise<Passkey | undefined> {
    const row = await this.db<Row>('passkeys').where({ credential_id: credentialId }).first();
    return row ? toPasskey(row) : undefined;
  }

  /** Inserts a new credential; the unique credential id refuses one registered before (by anyone). */
  async insert(input: Omit<Passkey, 'id' | 'createdAt' | 'lastUsedAt'>, trx?: Knex.Transaction): Promise<Passkey> {
    const passkey: Passkey = { ...input, id: randomUUID(), createdAt: nowIso(), lastUsedAt: null };
    await (trx ?? this.db)('passkeys').insert({
      id: passkey.id,
      user_id: passkey.userId,
      credential_id: passkey.credentialId,
      public_key: passkey.publicKey,
      sign_count: passkey.signCount,
      transports: JSON.stringify(passkey.transports),
      device_type: passkey.deviceType,
      backed_up: passkey.backedUp,
      name: passkey.name,
      created_at: passkey.createdAt,
      last_used_at: null,
    });
    return passkey;
  }

  /**
   * Records a use: the new counter and backup state. Conditional on the counter the check saw, so of
   * two requests racing with one assertion only one counts; false when the other won.
   */
  async recordUse(passkey: Passkey, use: { signCount: number; backedUp: boolean }): Promise<boolean> {
    const updated = await this.db('passkeys')
      .where({ id: passkey.id, sign_count: passkey.signCount })
      .update({ sign_count: use.signCount, backed_up: use.backedUp, last_used_at: nowIso() });
    return updated === 1;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    return (await this.db('passkeys').where({ user_id: userId, id }).delete()) === 1;
  }

  async removeAll(userId: string, trx?: Knex.Transaction): Promise<number> {
    return (trx ?? this.db)('passkeys').where({ user_id: userId }).delete();
  }
}

function toPasskey(row: Row): Passkey {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    signCount: Number(row.sign_count),
    transports: JSON.parse(row.transports) as string[],
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: Boolean(row.backed_up),
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
