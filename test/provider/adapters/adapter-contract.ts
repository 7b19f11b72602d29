/**
 * The oidc-provider adapter contract (documented in src/provider/adapters/index.ts), as one suite
 * that every adapter runs against its real storage. Not a test file itself: the *.test.ts files
 * call runAdapterContract with their own storage.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AdapterPayload } from 'oidc-provider';
import type { AdapterFactory } from '../../../src/provider/adapters/index.js';

const id = () => randomUUID();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function token(kind: string, grantId: string, extra: Partial<AdapterPayload> = {}): AdapterPayload {
  return { jti: id(), kind, grantId, accountId: 'user-1', clientId: 'app-1', iat: nowSeconds(), exp: nowSeconds() + 600, ...extra };
}

/** `makeFactory` is called inside each test, so it may read storage set up in beforeAll. */
export function runAdapterContract(name: string, makeFactory: () => AdapterFactory): void {
  const adapter = (model: string) => makeFactory()(model);

  describe(`${name}: oidc-provider adapter contract`, () => {
    it('finds what was upserted', async () => {
      const payload = token('AccessToken', id(), { scope: 'openid email' });
      await adapter('AccessToken').upsert(payload.jti!, payload, 60);
      expect(await adapter('AccessToken').find(payload.jti!)).toStrictEqual(payload);
    });

    it('keeps models apart: the same id under another model is not found', async () => {
      const payload = token('AccessToken', id());
      await adapter('AccessToken').upsert(payload.jti!, payload, 60);
      expect(await adapter('RefreshToken').find(payload.jti!)).toBeUndefined();
    });

    it('replaces the whole payload on a second upsert of the same id', async () => {
      const key = id();
      await adapter('Interaction').upsert(key, { jti: key, kind: 'Interaction', returnTo: '/a', params: { x: 1 } }, 60);
      const second: AdapterPayload = { jti: key, kind: 'Interaction', returnTo: '/b' };
      await adapter('Interaction').upsert(key, second, 60);
      expect(await adapter('Interaction').find(key)).toStrictEqual(second);
    });

    it('stores payloads without expiry when expiresIn is undefined', async () => {
      const key = id();
      await adapter('Client').upsert(key, { client_id: key, redirect_uris: ['https://app.example/cb'] });
      expect(await adapter('Client').find(key)).toStrictEqual({ client_id: key, redirect_uris: ['https://app.example/cb'] });
    });

    it('returns undefined for an unknown id, uid or user code', async () => {
      expect(await adapter('AccessToken').find(id())).toBeUndefined();
      expect(await adapter('Session').findByUid(id())).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode('NOPE-NOPE')).toBeUndefined();
    });

    it('finds a Session by its uid', async () => {
      const key = id();
      const session: AdapterPayload = { jti: key, uid: id(), kind: 'Session', accountId: 'user-1', loginTs: nowSeconds() };
      await adapter('Session').upsert(key, session, 60);
      expect(await adapter('Session').findByUid(session.uid!)).toStrictEqual(session);
    });

    it('finds a Session by uid after its id was regenerated and the old id destroyed', async () => {
      const uid = id();
      const [oldId, newId] = [id(), id()];
      await adapter('Session').upsert(oldId, { jti: oldId, uid, kind: 'Session' }, 60);
      await adapter('Session').upsert(newId, { jti: newId, uid, kind: 'Session' }, 60);
      await adapter('Session').destroy(oldId);
      expect((await adapter('Session').findByUid(uid))?.jti).toBe(newId);
    });

    it('finds a DeviceCode by its user code', async () => {
      const payload = token('DeviceCode', id(), { userCode: `U${id().slice(0, 8)}`, params: { scope: 'openid' } });
      await adapter('DeviceCode').upsert(payload.jti!, payload, 60);
      expect(await adapter('DeviceCode').findByUserCode(payload.userCode!)).toStrictEqual(payload);
    });

    it('marks a payload consumed (epoch seconds) and still finds it', async () => {
      const code = token('AuthorizationCode', id(), { redirectUri: 'https://app.example/cb' });
      await adapter('AuthorizationCode').upsert(code.jti!, code, 60);
      const before = nowSeconds();
      await adapter('AuthorizationCode').consume(code.jti!);
      const found = await adapter('AuthorizationCode').find(code.jti!);
      expect(found).toMatchObject(code);
      expect(found?.consumed).toBeTypeOf('number');
      expect(found?.consumed).toBeGreaterThanOrEqual(before);
      expect(found?.consumed).toBeLessThanOrEqual(nowSeconds());
    });

    it('forgets consumed state when the payload is upserted again (the payload is the whole truth)', async () => {
      const code = token('AuthorizationCode', id());
      await adapter('AuthorizationCode').upsert(code.jti!, code, 60);
      await adapter('AuthorizationCode').consume(code.jti!);
      await adapter('AuthorizationCode').upsert(code.jti!, code, 60);
      expect((await adapter('AuthorizationCode').find(code.jti!))?.consumed).toBeUndefined();
    });

    it('does not create anything when consuming an unknown id', async () => {
      const key = id();
      await adapter('RefreshToken').consume(key);
      expect(await adapter('RefreshToken').find(key)).toBeUndefined();
    });

    it('destroys a payload', async () => {
      const key = id();
      const uid = id();
      await adapter('Session').upsert(key, { jti: key, uid, kind: 'Session' }, 60);
      await adapter('Session').destroy(key);
      expect(await adapter('Session').find(key)).toBeUndefined();
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
    });

    it('takes a payload exactly once, even when several callers take it at the same moment', async () => {
      const key = id();
      await adapter('FederationState').upsert(key, { uid: 'interaction-1' }, 60);
      const results = await Promise.all(Array.from({ length: 5 }, () => adapter('FederationState').take(key)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await adapter('FederationState').find(key)).toBeUndefined();
      expect(await adapter('FederationState').take(id())).toBe(false);
    });

    it('claims a key exactly once, even when several callers claim it at the same moment, until it expires', async () => {
      const key = id();
      const results = await Promise.all(Array.from({ length: 5 }, () => adapter('UpstreamStateUsed').claim(key, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await adapter('UpstreamStateUsed').claim(key, 60)).toBe(false);
      // Another model's key of the same name is another claim.
      expect(await adapter('FederationState').claim(key, 60)).toBe(true);
    });

    it('revokes every token of a grant across models and leaves other grants and non-token models alone', async () => {
      const [grant, other] = [id(), id()];
      const revoked = [token('AccessToken', grant), token('RefreshToken', grant), token('AuthorizationCode', grant)];
      // An Interaction carries the grantId too, but it is not a credential: only tokens are revoked.
      const kept = [token('AccessToken', other), token('RefreshToken', other), token('Interaction', grant)];
      for (const t of [...revoked, ...kept]) await adapter(t.kind!).upsert(t.jti!, t, 60);
      // A refresh token that lives longer than the access token saved after it stays revocable.
      const longLived = token('RefreshToken', grant);
      await adapter('RefreshToken').upsert(longLived.jti!, longLived, 3600);
      revoked.push(longLived);

      await adapter('AccessToken').revokeByGrantId(grant);

      for (const t of revoked) expect(await adapter(t.kind!).find(t.jti!), t.kind).toBeUndefined();
      for (const t of kept) expect(await adapter(t.kind!).find(t.jti!), t.kind).toStrictEqual(t);
    });

    it('treats expired payloads as absent, also through the uid and user code indexes', async () => {
      const grant = id();
      const shortLived = token('AccessToken', grant);
      const longLived = token('RefreshToken', grant);
      const session: AdapterPayload = { jti: id(), uid: id(), kind: 'Session' };
      const device = token('DeviceCode', id(), { userCode: `U${id().slice(0, 8)}` });
      await adapter('AccessToken').upsert(shortLived.jti!, shortLived, 1);
      await adapter('RefreshToken').upsert(longLived.jti!, longLived, 60);
      await adapter('Session').upsert(session.jti!, session, 1);
      await adapter('DeviceCode').upsert(device.jti!, device, 1);

      await sleep(1200); // a correctness test of expiry, not a timing benchmark

      expect(await adapter('AccessToken').find(shortLived.jti!)).toBeUndefined();
      expect(await adapter('Session').findByUid(session.uid!)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(device.userCode!)).toBeUndefined();
      expect(await adapter('RefreshToken').find(longLived.jti!)).toStrictEqual(longLived);
      // The grant index outlived the short token, so the long one is still revocable.
      await adapter('RefreshToken').revokeByGrantId(grant);
      expect(await adapter('RefreshToken').find(longLived.jti!)).toBeUndefined();
    });

    it('round-trips nested JSON and unicode exactly', async () => {
      const key = id();
      const payload: AdapterPayload = {
        jti: key,
        kind: 'Interaction',
        params: { claims: '{"id_token":{"email":{"essential":true}}}', ui_locales: 'ja fr' },
        result: { login: { accountId: 'zoë', amr: ['pwd', 'otp'] }, nested: { deep: [1, 2.5, -3, { ok: true, none: null }] } },
        lastSubmission: { name: 'Zoë Ångström 日本語 👩‍💻', quote: 'she said "hi"\n\t\\', empty: '' },
      };
      await adapter('Interaction').upsert(key, payload, 60);
      expect(await adapter('Interaction').find(key)).toStrictEqual(payload);
    });
  });
}
