import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { ScimError } from './scim-error.js';

export type ScimResourceType = 'User' | 'Group';

export interface ScimResourceRow {
  resource_type: ScimResourceType;
  resource_id: string;
  client_id: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Which client provisioned what (a client sees and changes only its own), with its externalId. */
export class ScimResourcesRepository {
  constructor(private readonly db: Database) {}

  async own(clientId: string, type: ScimResourceType, id: string, trx: Database = this.db): Promise<ScimResourceRow | undefined> {
    return trx<ScimResourceRow>('scim_resources').where({ client_id: clientId, resource_type: type, resource_id: id }).first();
  }

  /** The client's resources matching a filter on `id` or `externalId`, oldest first, one page, and how many in all. */
  async page(clientId: string, type: ScimResourceType, where: { resource_id?: string; external_id?: string; userName?: string }, page: { offset: number; limit: number }): Promise<{ rows: ScimResourceRow[]; total: number }> {
    const base = () => {
      const q = this.db<ScimResourceRow>('scim_resources').where({ client_id: clientId, resource_type: type });
      if (where.resource_id !== undefined) q.where({ resource_id: where.resource_id });
      if (where.external_id !== undefined) q.where({ external_id: where.external_id });
      if (where.userName !== undefined) q.whereIn('resource_id', this.db('users').select('id').where({ mail_normalized: where.userName.trim().toLowerCase() }));
      return q;
    };
    const [{ n }] = (await base().count({ n: '*' })) as [{ n: number | string }];
    const rows = page.limit === 0 ? [] : await base().orderBy([{ column: 'created_at' }, { column: 'resource_id' }]).offset(page.offset).limit(page.limit);
    return { rows, total: Number(n) };
  }

  async insert(row: ScimResourceRow, trx: Database): Promise<void> {
    try {
      await trx('scim_resources').insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ScimError(409, `This client already has a ${row.resource_type} with externalId "${row.external_id}".`, 'uniqueness');
      throw err;
    }
  }

  async update(type: ScimResourceType, id: string, changes: { external_id?: string | null; updated_at: string }, trx: Database): Promise<void> {
    try {
      await trx('scim_resources').where({ resource_type: type, resource_id: id }).update(changes);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ScimError(409, `This client already has a ${type} with externalId "${changes.external_id}".`, 'uniqueness');
      throw err;
    }
  }

  async remove(type: ScimResourceType, id: string, trx: Database): Promise<void> {
    await trx('scim_resources').where({ resource_type: type, resource_id: id }).delete();
  }
}
