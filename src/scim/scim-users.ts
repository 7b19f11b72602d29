import { scimPatch, ScimError as PatchError, type ScimPatchOperation } from 'scim-patch';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { accessEnded, accountUsable } from '../directory/account-usable.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import { normalizeEmail, type User } from '../directory/user-model.js';
import { DuplicateEmailError, type UsersRepository } from '../directory/users-repository.js';
import { canonicalLanguageTag } from '../i18n/language-tag.js';
import { nowIso } from '../lib/clock.js';
import type { ScimClient } from './scim-auth.js';
import { ScimError } from './scim-error.js';
import { listResponse, parseListFilter, type ListFilter } from './scim-list.js';
import type { ScimResourceRow, ScimResourcesRepository } from './scim-resources-repository.js';
import { invalidValue, patchBody, scimBoolean, versionOf } from './scim-values.js';
import { writeUsers } from '../directory/user-writes.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

const nullableText = (max: number) => z.string().max(max).nullish();
const userInput = z.looseObject({
  userName: z.string().trim().pipe(z.email('userName must be an email address').max(320)),
  externalId: nullableText(256),
  displayName: nullableText(256),
  name: z.looseObject({ formatted: nullableText(256), givenName: nullableText(128), familyName: nullableText(128) }).nullish(),
  active: scimBoolean.optional(),
  // RFC 7643 §4.1.1: a language tag, or an Accept-Language list ("fr-CA, fr;q=0.9"); Foyer keeps the most preferred tag.
  preferredLanguage: z.string().max(256).nullish(),
});
type UserInput = z.infer<typeof userInput>;

export interface ScimUsersDeps {
  db: Database;
  users: UsersRepository;
  resources: ScimResourcesRepository;
  lifecycle: Pick<UserLifecycle, 'update' | 'delete' | 'revokeSessions'>;
  audit: AuditLog;
  issuer: string;
}

/**
 * SCIM Users for one client: it creates members (the host's HR or IdP) or its partner's people as
 * guests, and sees and changes only the users it created. An address outside its domains is a 403
 * before anything is written; an address someone else already has is a 409 (never a takeover).
 * Deactivating (active false) or deleting disables or removes the user and ends their sessions.
 * `active` is whether the user may sign in at the request's instant (the shared clock): false once
 * a guest's access end has passed, before the expiry sweep stores the disable. Asking for active
 * true on such a guest is refused (400 mutability, nothing written): only a new invitation with a
 * new end gives access back (extension links die at the end; README, guest lifecycle).
 */
export class ScimUsers {
  constructor(private readonly deps: ScimUsersDeps) {}

  toScim(user: User, row: ScimResourceRow, now: Date = this.deps.users.clock.now()): Record<string, unknown> {
    const resource: Record<string, unknown> = {
      schemas: [USER_SCHEMA],
      id: user.id,
      ...(row.external_id ? { externalId: row.external_id } : {}),
      userName: user.mail,
      name: { formatted: user.displayName },
      displayName: user.displayName,
      // What a provisioning client reads as "can sign in": the access end counts from its instant.
      active: accountUsable(user, now),
      emails: [{ value: user.mail, type: 'work', primary: true }],
      userType: user.userType,
      ...(user.preferredLanguage ? { preferredLanguage: user.preferredLanguage } : {}),
      meta: { resourceType: 'User', created: row.created_at, lastModified: row.updated_at, location: `${this.deps.issuer}/scim/v2/Users/${user.id}` },
    };
    (resource.meta as Record<string, unknown>).version = versionOf(resource);
    return resource;
  }

  async get(client: ScimClient, id: string): Promise<Record<string, unknown>> {
    const { user, row } = await this.own(client, id);
    return this.toScim(user, row);
  }

  async list(client: ScimClient, query: Record<string, unknown>, paging: { startIndex: number; count: number }) {
    const filter: ListFilter = parseListFilter(query.filter, ['userName', 'externalId', 'id']);
    const { rows, total } = await this.deps.resources.page(client.id, 'User', { resource_id: filter.id, external_id: filter.externalId, userName: filter.userName }, { offset: paging.startIndex - 1, limit: paging.count });
    const resources = [];
    const now = this.deps.users.clock.now(); // one instant for the whole page
    for (const row of rows) {
      const user = await this.deps.users.findById(row.resource_id);
      if (user) resources.push(this.toScim(user, row, now));
    }
    return listResponse(resources, total, paging.startIndex);
  }

  async create(client: ScimClient, body: unknown): Promise<Record<string, unknown>> {
    const input = parse(body);
    this.inScope(client, input.userName);
    const actor = actorOf(client);
    const now = nowIso();
    const { user, row } = await this.deps.db.transaction(async (trx) => {
      let user: User;
      try {
        user = await this.deps.users.create(
          { mail: input.userName, displayName: displayNameOf(input), userType: client.provisions === 'members' ? 'Member' : 'Guest', createdBy: `scim:${client.id}`, externalUserState: client.provisions === 'guests' ? 'Accepted' : null, provisionedByPartner: client.provisions === 'guests' ? client.partnerId : undefined },
          trx,
        );
      } catch (err) {
        if (err instanceof DuplicateEmailError) throw new ScimError(409, `A user with userName ${input.userName} already exists.`, 'uniqueness');
        throw err;
      }
      // What the body sets beyond what create() writes, in one update.
      const extra = { ...(input.active === false ? { account_enabled: false } : {}), ...(input.preferredLanguage ? { preferred_language: input.preferredLanguage } : {}) };
      if (Object.keys(extra).length) await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update(extra));
      const row: ScimResourceRow = { resource_type: 'User', resource_id: user.id, client_id: client.id, external_id: input.externalId ?? null, created_at: now, updated_at: now };
      await this.deps.resources.insert(row, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Add user', result: 'success', actor, target: { type: 'User', id: user.id }, details: { userType: user.userType, by: 'SCIM', partner: client.partnerId ?? null } }, trx);
      return { user: { ...user, accountEnabled: input.active !== false, preferredLanguage: input.preferredLanguage ?? null }, row };
    });
    return this.toScim(user, row);
  }

  /** PUT: the user becomes what the body says (attributes Foyer keeps: userName, externalId, display name, active). */
  async replace(client: ScimClient, id: string, body: unknown, ifMatch: (version: string) => void): Promise<Record<string, unknown>> {
    const current = await this.own(client, id);
    ifMatch(versionOf(this.toScim(current.user, current.row)));
    // A PUT without preferredLanguage keeps the one the user has (an admin's, or one they chose):
    // most clients send only the attributes they map, and would otherwise wipe it at every sync.
    return this.apply(client, current, parse(body));
  }

  /** PATCH: the operations applied (scim-patch) to the user as served, then saved like a PUT. */
  async patch(client: ScimClient, id: string, body: unknown, ifMatch: (version: string) => void): Promise<Record<string, unknown>> {
    const current = await this.own(client, id);
    const served = this.toScim(current.user, current.row);
    ifMatch(versionOf(served));
    // The operations applied to the served resource with active true and with active false: where
    // both results agree the operations set it; where they differ they left it alone. So a PATCH of
    // the display name of a guest whose access has ended (served active false, stored flag still
    // true until the sweep) does not disable them on the client's behalf.
    const [ifActive, ifInactive] = [true, false].map((active) => parse(applyPatch({ ...served, active }, body)));
    const input: UserInput = { ...ifActive!, active: ifActive!.active === ifInactive!.active ? ifActive!.active : undefined };
    // The served resource had it: gone after the operations means a `remove` cleared it.
    return this.apply(client, current, input.preferredLanguage === undefined && current.user.preferredLanguage ? { ...input, preferredLanguage: null } : input);
  }

  async delete(client: ScimClient, id: string, ifMatch: (version: string) => void): Promise<void> {
    const current = await this.own(client, id);
    ifMatch(versionOf(this.toScim(current.user, current.row)));
    // Deleting ends every session (user-lifecycle.ts); the SCIM row of a user that is gone is only bookkeeping.
    try {
      await this.deps.lifecycle.delete(id, actorOf(client));
    } finally {
      await this.deps.resources.remove('User', id, this.deps.db);
    }
  }

  private async apply(client: ScimClient, current: { user: User; row: ScimResourceRow }, input: UserInput): Promise<Record<string, unknown>> {
    this.inScope(client, input.userName);
    const { user } = current;
    if (input.active === true && accessEnded(user, this.deps.users.clock.now())) throw accessEndedError(user);
    const now = nowIso();
    const changesMail = normalizeEmail(input.userName) !== normalizeEmail(user.mail);
    await this.deps.db.transaction(async (trx) => {
      const taken = () => new ScimError(409, `A user with userName ${input.userName} already exists.`, 'uniqueness');
      if (changesMail && (await this.deps.users.findByEmail(input.userName, trx))) throw taken();
      try {
        await writeUsers(trx, user.id, (users) =>
          users.where({ id: user.id }).update({
            mail: input.userName,
            mail_normalized: normalizeEmail(input.userName),
            display_name: displayNameOf(input) ?? user.displayName,
            ...(input.preferredLanguage !== undefined ? { preferred_language: input.preferredLanguage } : {}),
            updated_at: now,
          }),
        );
      } catch (err) {
        // Two renames to one name at once both pass the check above; the unique index decides.
        if (isUniqueViolation(err)) throw taken();
        throw err;
      }
      await this.deps.resources.update('User', user.id, { external_id: input.externalId ?? null, updated_at: now }, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Update user', result: 'success', actor: actorOf(client), target: { type: 'User', id: user.id }, details: { by: 'SCIM', mailChanged: changesMail } }, trx);
    });
    // Enabling or disabling goes through the lifecycle: disabling ends every session and refresh token.
    if (input.active !== undefined && input.active !== user.accountEnabled) await this.deps.lifecycle.update(user.id, { accountEnabled: input.active }, actorOf(client));
    return this.get(client, user.id);
  }

  private inScope(client: ScimClient, userName: string): void {
    const domain = userName.slice(userName.lastIndexOf('@') + 1).toLowerCase();
    if (!client.domains.includes(domain)) {
      const whose = client.provisions === 'members' ? "the host's member domains" : `the domains of partner ${client.partnerId}`;
      throw new ScimError(403, `This client may provision only addresses of ${whose} (${client.domains.join(', ')}); ${domain} is not one of them.`);
    }
  }

  private async own(client: ScimClient, id: string): Promise<{ user: User; row: ScimResourceRow }> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.resources.own(client.id, 'User', id) : undefined;
    const user = row ? await this.deps.users.findById(id) : undefined;
    // Another client's user, or anyone not provisioned by SCIM, does not exist for this client.
    if (!row || !user) throw new ScimError(404, `No user ${id} provisioned by this client.`);
    return { user, row };
  }
}

/**
 * active true for a user whose access end has passed: refused before anything is written. The
 * lifecycle ended that access; re-enabling the account would not give it back (every sign-in checks
 * the end) and would only make the client believe it had. RFC 7644 §3.12: mutability, "not
 * compatible with the attribute's current state".
 */
function accessEndedError(user: User): ScimError {
  return new ScimError(
    400,
    `active cannot be set to true: this user's access ended at ${user.accessExpiresAt ?? 'an unknown time'} (accessExpired). Only a new invitation with a new accessExpirationDateTime gives access back.`,
    'mutability',
  );
}

function parse(body: unknown): UserInput {
  const parsed = userInput.safeParse(body);
  if (!parsed.success) throw invalidValue(parsed.error);
  const input = parsed.data;
  // An empty value is no value (clients write "" for an unmapped source attribute).
  if (typeof input.preferredLanguage === 'string') input.preferredLanguage = input.preferredLanguage.trim() ? scimLanguage(input.preferredLanguage) : null;
  return input;
}

/** The most preferred well-formed tag of a SCIM preferredLanguage (a tag or an Accept-Language list); 400 invalidValue otherwise. */
function scimLanguage(value: string): string {
  const ranked = value
    .split(',')
    .map((entry, i) => {
      const [tag = '', ...params] = entry.split(';').map((p) => p.trim());
      const q = params.find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((e) => e.tag && e.tag !== '*' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const tag = ranked[0] ? canonicalLanguageTag(ranked[0].tag) : undefined;
  if (!tag) throw new ScimError(400, `preferredLanguage: ${JSON.stringify(value.slice(0, 60))} is not a language tag (such as fr-FR) or an Accept-Language list`, 'invalidValue');
  return tag;
}

function displayNameOf(input: UserInput): string | undefined {
  const fromName = [input.name?.givenName, input.name?.familyName].filter(Boolean).join(' ');
  return input.displayName?.trim() || input.name?.formatted?.trim() || fromName || undefined;
}

export function actorOf(client: ScimClient) {
  return { type: 'app' as const, id: `scim:${client.id}` };
}

/** PATCH operations applied to the served resource with scim-patch; its errors become SCIM 400s. */
export function applyPatch(served: Record<string, unknown>, body: unknown, normalise: (op: ScimPatchOperation) => ScimPatchOperation[] = (op) => [op]): Record<string, unknown> {
  const parsed = patchBody.safeParse(body);
  if (!parsed.success) throw invalidValue(parsed.error);
  const ops = parsed.data.Operations.flatMap((o) => normalise(flattenDotted(o as ScimPatchOperation)));
  try {
    return scimPatch({ ...served, meta: { ...(served.meta as object) } } as never, ops, { mutateDocument: false, treatMissingAsAdd: true }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof PatchError) throw new ScimError(400, err.message, /path/i.test(err.message) ? 'invalidPath' : 'invalidValue');
    throw err;
  }
}

/**
 * Okta and Entra send a path-less replace whose value has dotted keys ("name.givenName") or
 * "True"/"False" for active; scim-patch expects nested objects and leaves strings be (the input
 * schema turns them into booleans afterwards).
 */
function flattenDotted(op: ScimPatchOperation): ScimPatchOperation {
  if (op.op === 'remove' || op.path || typeof op.value !== 'object' || op.value === null || Array.isArray(op.value)) return op;
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(op.value as Record<string, unknown>)) {
    const [head, ...rest] = key.split('.');
    if (!rest.length || head!.includes(':')) value[key] = v;
    else value[head!] = { ...((value[head!] as object | undefined) ?? {}), [rest.join('.')]: v };
  }
  return { ...op, value };
}
