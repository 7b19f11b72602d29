import type { ScimPatchOperation } from 'scim-patch';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import type { Group, GroupsRepository } from '../directory/groups-repository.js';
import { nowIso } from '../lib/clock.js';
import type { ScimClient } from './scim-auth.js';
import { ScimError } from './scim-error.js';
import { listResponse, parseListFilter } from './scim-list.js';
import type { ScimResourceRow, ScimResourcesRepository } from './scim-resources-repository.js';
import { actorOf, applyPatch } from './scim-users.js';
import { invalidValue, versionOf } from './scim-values.js';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const groupInput = z.looseObject({
  displayName: z.string().trim().min(1).max(256),
  externalId: z.string().max(256).nullish(),
  members: z.array(z.looseObject({ value: z.string().max(64) })).max(10_000).nullish(),
});
type GroupInput = z.infer<typeof groupInput>;

/**
 * SCIM Groups for a client that provisions members: groups it created, whose members are users it
 * created (a group cannot pull in anyone else). A client that provisions a partner's guests has no
 * groups: cross-tenant synchronization brings people, not the host's groups.
 */
export class ScimGroups {
  constructor(private readonly deps: { db: Database; groups: GroupsRepository; resources: ScimResourcesRepository; audit: AuditLog; issuer: string }) {}

  async toScim(group: Group, row: ScimResourceRow, opts: { members: boolean } = { members: true }, trx: Database = this.deps.db): Promise<Record<string, unknown>> {
    const members = opts.members ? (await this.deps.groups.listLinked('members', group.id, { top: 100_000, skip: 0 }, trx)).map((u) => ({ value: u.id, display: u.displayName, $ref: `${this.deps.issuer}/scim/v2/Users/${u.id}` })) : undefined;
    const resource: Record<string, unknown> = {
      schemas: [GROUP_SCHEMA],
      id: group.id,
      ...(row.external_id ? { externalId: row.external_id } : {}),
      displayName: group.displayName,
      ...(members ? { members } : {}),
      meta: { resourceType: 'Group', created: row.created_at, lastModified: row.updated_at, location: `${this.deps.issuer}/scim/v2/Groups/${group.id}` },
    };
    (resource.meta as Record<string, unknown>).version = versionOf(resource);
    return resource;
  }

  async get(client: ScimClient, id: string, opts?: { members: boolean }): Promise<Record<string, unknown>> {
    const { group, row } = await this.own(client, id);
    return this.toScim(group, row, opts);
  }

  async list(client: ScimClient, query: Record<string, unknown>, paging: { startIndex: number; count: number }, opts: { members: boolean }) {
    this.allowed(client);
    const filter = parseListFilter(query.filter, ['displayName', 'externalId', 'id']);
    const where = { resource_id: filter.id, external_id: filter.externalId };
    const { rows, total: all } = await this.deps.resources.page(client.id, 'Group', where, { offset: 0, limit: filter.displayName === undefined ? paging.startIndex - 1 + paging.count : 100_000 });
    const resources = [];
    for (const row of rows) {
      const group = await this.deps.groups.findById(row.resource_id);
      if (group && (filter.displayName === undefined || group.displayName === filter.displayName)) resources.push(await this.toScim(group, row, opts));
    }
    const total = filter.displayName !== undefined ? resources.length : all;
    return listResponse(resources.slice(paging.startIndex - 1, paging.startIndex - 1 + paging.count), total, paging.startIndex);
  }

  async create(client: ScimClient, body: unknown): Promise<Record<string, unknown>> {
    this.allowed(client);
    const input = parse(body);
    const now = nowIso();
    return this.deps.db.transaction(async (trx) => {
      const group = await this.deps.groups.create({ displayName: input.displayName }, trx);
      const row: ScimResourceRow = { resource_type: 'Group', resource_id: group.id, client_id: client.id, external_id: input.externalId ?? null, created_at: now, updated_at: now };
      await this.deps.resources.insert(row, trx);
      await this.setMembers(client, group.id, input.members ?? [], trx);
      await this.deps.audit.record({ category: 'GroupManagement', activity: 'Add group', result: 'success', actor: actorOf(client), target: { type: 'Group', id: group.id }, details: { by: 'SCIM' } }, trx);
      return this.toScim(group, row, { members: true }, trx);
    });
  }

  async replace(client: ScimClient, id: string, body: unknown, ifMatch: (version: string) => void): Promise<Record<string, unknown>> {
    const current = await this.own(client, id);
    ifMatch(versionOf(await this.toScim(current.group, current.row)));
    return this.apply(client, current.group, parse(body));
  }

  async patch(client: ScimClient, id: string, body: unknown, ifMatch: (version: string) => void): Promise<Record<string, unknown>> {
    const current = await this.own(client, id);
    const served = await this.toScim(current.group, current.row);
    ifMatch(versionOf(served));
    return this.apply(client, current.group, parse(applyPatch(served, body, entraMemberRemoval)));
  }

  async delete(client: ScimClient, id: string, ifMatch: (version: string) => void): Promise<void> {
    const current = await this.own(client, id);
    ifMatch(versionOf(await this.toScim(current.group, current.row)));
    await this.deps.db.transaction(async (trx) => {
      await this.deps.groups.delete(id, trx);
      await this.deps.resources.remove('Group', id, trx);
      await this.deps.audit.record({ category: 'GroupManagement', activity: 'Delete group', result: 'success', actor: actorOf(client), target: { type: 'Group', id }, details: { by: 'SCIM' } }, trx);
    });
  }

  private async apply(client: ScimClient, group: Group, input: GroupInput): Promise<Record<string, unknown>> {
    await this.deps.db.transaction(async (trx) => {
      const now = nowIso();
      await trx('groups').where({ id: group.id }).update({ display_name: input.displayName });
      await this.deps.resources.update('Group', group.id, { external_id: input.externalId ?? null, updated_at: now }, trx);
      await this.setMembers(client, group.id, input.members ?? [], trx);
      await this.deps.audit.record({ category: 'GroupManagement', activity: 'Update group', result: 'success', actor: actorOf(client), target: { type: 'Group', id: group.id }, details: { by: 'SCIM' } }, trx);
    });
    return this.get(client, group.id);
  }

  /** The group's members become exactly `members`, each a user this client provisioned. */
  private async setMembers(client: ScimClient, groupId: string, members: { value: string }[], trx: Database): Promise<void> {
    const wanted = new Set(members.map((m) => m.value.toLowerCase()));
    for (const id of wanted) {
      if (!(await this.deps.resources.own(client.id, 'User', id, trx))) throw new ScimError(400, `members: ${id} is not a user provisioned by this client.`, 'invalidValue');
    }
    const current = (await this.deps.groups.listLinked('members', groupId, { top: 100_000, skip: 0 }, trx)).map((u) => u.id);
    for (const id of current) if (!wanted.has(id)) await this.deps.groups.removeLink('members', groupId, id, trx);
    for (const id of wanted) if (!current.includes(id)) await this.deps.groups.addLink('members', groupId, id, trx);
  }

  private allowed(client: ScimClient): void {
    if (client.provisions !== 'members') throw new ScimError(403, "A client that provisions a partner's guests cannot manage groups.");
  }

  private async own(client: ScimClient, id: string): Promise<{ group: Group; row: ScimResourceRow }> {
    this.allowed(client);
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.resources.own(client.id, 'Group', id) : undefined;
    const group = row ? await this.deps.groups.findById(id) : undefined;
    if (!row || !group) throw new ScimError(404, `No group ${id} provisioned by this client.`);
    return { group, row };
  }
}

function parse(body: unknown): GroupInput {
  const parsed = groupInput.safeParse(body);
  if (!parsed.success) throw invalidValue(parsed.error);
  return parsed.data;
}

/**
 * Entra removes members with `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`, which
 * by RFC 7644 would remove every member; it means those members, so it is rewritten as one
 * `members[value eq "<id>"]` removal per member.
 */
function entraMemberRemoval(op: ScimPatchOperation): ScimPatchOperation[] {
  if (op.op.toLowerCase() !== 'remove' || op.path?.toLowerCase() !== 'members' || !Array.isArray(op.value)) return [op];
  return (op.value as { value?: unknown }[]).filter((m) => typeof m.value === 'string').map((m) => ({ op: 'remove', path: `members[value eq "${String(m.value).replace(/["\\]/g, '')}"]` }));
}
