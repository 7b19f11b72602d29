/**
 * An in-memory oidc-provider adapter for the bench's partner IdP: indexed by uid and grant (the
 * test helper's adapter scans every entry on findByUid, which oidc-provider calls on every code
 * exchange, so it slows down as a run goes on) and expiring entries, so a long run stays flat.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

export function memoryAdapterFactory(): { factory: (model: string) => Adapter; size(): number } {
  const store = new Map<string, Entry>();
  const byUid = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, e] of store) if (e.expiresAt <= now) drop(key);
  }, 5_000);
  sweep.unref();

  function drop(key: string): void {
    const e = store.get(key);
    if (!e) return;
    store.delete(key);
    if (e.payload.uid && byUid.get(`${key.split(':')[0]}:${e.payload.uid}`) === key) byUid.delete(`${key.split(':')[0]}:${e.payload.uid}`);
    if (e.payload.grantId) byGrant.get(e.payload.grantId)?.delete(key);
  }

  const get = (key: string) => {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      drop(key);
      return undefined;
    }
    return e.payload;
  };

  const factory = (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      const key = `${model}:${id}`;
      store.set(key, { payload, expiresAt: Date.now() + (expiresIn ?? 3600) * 1000 });
      if (payload.uid) byUid.set(`${model}:${payload.uid}`, key);
      if (payload.grantId) {
        let set = byGrant.get(payload.grantId);
        if (!set) byGrant.set(payload.grantId, (set = new Set()));
        set.add(key);
      }
    },
    async find(id) {
      return get(`${model}:${id}`);
    },
    async findByUid(uid) {
      const key = byUid.get(`${model}:${uid}`);
      return key ? get(key) : undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id) {
      const p = get(`${model}:${id}`);
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      drop(`${model}:${id}`);
    },
    async revokeByGrantId(grantId) {
      for (const key of byGrant.get(grantId) ?? []) store.delete(key);
      byGrant.delete(grantId);
    },
  });
  return { factory, size: () => store.size };
}
