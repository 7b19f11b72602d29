import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Redis } from '../../db/redis.js';
import { GRANTABLE_MODELS } from './sql-adapter.js';
import { guardStorage } from './storage-unavailable.js';

export const DEFAULT_REDIS_PREFIX = 'foyer:oidc:';

const grantable = new Set<string>(GRANTABLE_MODELS);

/*
 * Key layout (P = prefix), after oidc-provider's example/adapters/redis.js:
 *   P<Model>:<id>              hash { payload: JSON, consumed?: epoch seconds }
 *   P grant:<grantId>          list of the keys above issued under that grant
 *   P uid:<Model>:<uid>        id of the Session with that uid
 *   P userCode:<Model>:<code>  id of the DeviceCode with that user code
 * Unlike the example, every model is a hash, not only the consumable ones: a consume() on a model
 * stored as a string would fail with WRONGTYPE, and the set of consumable models grows over time
 * (PushedAuthorizationRequest, PreAuthorizedCode, ...). Index keys are namespaced per model.
 * Several scripts touch keys they were not passed in KEYS, so this needs a standalone Redis (or
 * Sentinel), not Redis Cluster.
 */

// Adds a token key to its grant's list and makes the list live as long as its longest member.
// A script so that two tokens of one grant saved at once (access + refresh token) cannot race and
// leave the list expiring before the longer-lived token.
const PUSH_GRANT_MEMBER = `
local current = redis.call('PTTL', KEYS[1])
redis.call('RPUSH', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  redis.call('PERSIST', KEYS[1])
elseif current == -2 or (current >= 0 and current < tonumber(ARGV[2])) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

// Atomic so a token issued while its grant is being revoked cannot slip between read and delete.
const REVOKE_GRANT = `
local members = redis.call('LRANGE', KEYS[1], 0, -1)
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members`;

// HSET on a missing key would create a payload-less hash that never expires.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'consumed', ARGV[1]) end
return 1`;

export class RedisAdapter implements Adapter {
  constructor(
    private readonly redis: Redis,
    private readonly model: string,
    private readonly prefix = DEFAULT_REDIS_PREFIX,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    // At least 1 ms: PEXPIRE 0 deletes at once, which would also wipe a grant list's other members.
    const ttlMs = typeof expiresIn === 'number' ? Math.max(Math.ceil(expiresIn * 1000), 1) : undefined;
    const multi = this.redis.multi();
    // DEL first: the new payload is the whole truth, a stale `consumed` field must not survive.
    multi.del(key);
    multi.hset(key, 'payload', JSON.stringify(payload));
    if (ttlMs !== undefined) multi.pexpire(key, ttlMs);
    if (payload.grantId && grantable.has(this.model)) {
      multi.eval(PUSH_GRANT_MEMBER, 1, this.grantKey(payload.grantId), key, ttlMs === undefined ? '' : String(ttlMs));
    }
    if (payload.userCode) this.setIndex(multi, this.indexKey('userCode', payload.userCode), id, ttlMs);
    if (payload.uid) this.setIndex(multi, this.indexKey('uid', payload.uid), id, ttlMs);
    await guardStorage(async () => {
      const results = await multi.exec();
      // ioredis reports per-command failures inside the results rather than rejecting.
      const failed = results?.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const data = await guardStorage(() => this.redis.hgetall(this.key(id)));
    if (!data.payload) return undefined;
    const payload = JSON.parse(data.payload) as AdapterPayload;
    if (data.consumed) payload.consumed = Number(data.consumed);
    return payload;
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findByIndex(this.indexKey('uid', uid));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByIndex(this.indexKey('userCode', userCode));
  }

  async consume(id: string): Promise<void> {
    await guardStorage(() => this.redis.eval(CONSUME, 1, this.key(id), String(Math.floor(Date.now() / 1000))));
  }

  async destroy(id: string): Promise<void> {
    // Index keys are left to expire: they only lead here, and find() of a missing key is undefined.
    // Deleting them blindly could break a Session whose new id already took over the same uid.
    await guardStorage(() => this.redis.del(this.key(id)));
  }

  async take(id: string): Promise<boolean> {
    // DEL is atomic: of two concurrent calls only one sees the key removed.
    return (await guardStorage(() => this.redis.del(this.key(id)))) === 1;
  }

  async claim(id: string, expiresIn: number): Promise<boolean> {
    // SET NX is atomic: of two concurrent claims only one sets the key.
    const set = await guardStorage(() => this.redis.set(this.key(id), '1', 'PX', Math.max(Math.ceil(expiresIn * 1000), 1), 'NX'));
    return set === 'OK';
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await guardStorage(() => this.redis.eval(REVOKE_GRANT, 1, this.grantKey(grantId)));
  }

  private async findByIndex(indexKey: string): Promise<AdapterPayload | undefined> {
    const id = await guardStorage(() => this.redis.get(indexKey));
    return id ? this.find(id) : undefined;
  }

  private setIndex(multi: ReturnType<Redis['multi']>, key: string, id: string, ttlMs: number | undefined): void {
    if (ttlMs === undefined) multi.set(key, id);
    else multi.set(key, id, 'PX', ttlMs);
  }

  private key(id: string): string {
    return `${this.prefix}${this.model}:${id}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:${grantId}`;
  }

  private indexKey(kind: 'uid' | 'userCode', value: string): string {
    return `${this.prefix}${kind}:${this.model}:${value}`;
  }
}
