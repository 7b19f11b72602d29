/**
 * `foyer keys rotate` reaches a running node without a restart: the node re-reads its keys every
 * server.keysReloadSeconds, publishes a new key at once, and signs with it only after
 * server.keysPrePublishSeconds, so apps and other nodes that cache JWKS know it first. Tokens
 * signed with the retired key keep verifying. (Two nodes: test/scale/multi-node.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const PRE_PUBLISH = 3;
let foyer: RunningFoyer;
beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.server = { ...(config.server as object), keysReloadSeconds: 1, keysPrePublishSeconds: PRE_PUBLISH };
    (config.apps as Record<string, unknown>[]).push({ id: 'reader', displayName: 'Reader', clientSecret: 'reader-secret-0123456789abcdefghijklmn', grantTypes: ['client_credentials'], permissions: ['User.Invite.All'] });
  });
}, 60_000);
afterAll(() => foyer?.stop());

const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const token = () => appToken(foyer.issuer, 'reader', 'reader-secret-0123456789abcdefghijklmn');
const published = async () => ((await (await fetch(`${foyer.issuer}/jwks`)).json()) as { keys: { kid: string; d?: string }[] }).keys;

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('signing keys reload without a restart', () => {
  it('publishes a rotated key within the reload interval, signs with it after the pre-publication period', async () => {
    const before = await token();
    const oldKid = kidOf(before);
    const rotatedAt = Date.now();
    const { added } = await foyer.foyer.keys.rotate(3600);
    await until(async () => (await published()).some((k) => added.includes(k.kid)), 5_000);
    const keys = await published();
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining([...added, oldKid]));
    for (const k of keys) expect(k).not.toHaveProperty('d');

    const during = await token();
    if (Date.now() - rotatedAt < (PRE_PUBLISH - 0.5) * 1000) expect(kidOf(during)).toBe(oldKid);

    let after = '';
    await until(async () => added.includes(kidOf((after = await token()))), (PRE_PUBLISH + 5) * 1000);
    // The API on this node verifies both the new token and the one signed before the rotation.
    expect((await api(foyer.issuer, after, 'GET', '/invitations')).status).toBe(200);
    expect((await api(foyer.issuer, before, 'GET', '/invitations')).status).toBe(200);

    const metrics = await (await fetch(`${foyer.issuer}/metrics`)).text();
    expect(metrics).toMatch(/foyer_signing_key_reloads_total\{result="changed"\} [1-9]/);
  }, 30_000);
});
