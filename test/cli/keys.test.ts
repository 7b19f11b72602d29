import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { connectDatabase } from '../../src/db/connect.js';
import { createLogger } from '../../src/logging/logger.js';
import { API, DAEMON_SECRET, ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

interface KeyLine {
  kid: string;
  purpose: string;
  alg: string;
  retired: boolean;
}

/** `keys list` prints a header, then `kid  purpose  alg  created  active|retired …`, one key a line. */
function parseKeyList(stdout: string): KeyLine[] {
  const [header, ...lines] = stdout.trim().split('\n');
  expect(header).toMatch(/^KID\s+PURPOSE\s+ALG\s+CREATED\s+STATE$/);
  return lines
    .map((line) => {
      const [kid, purpose, alg] = line.split(/\s+/);
      return { kid: kid!, purpose: purpose!, alg: alg!, retired: /\bretired\b.*published until/.test(line) };
    });
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Every private JWK member stored in the database, so the output can be searched for any of them. */
async function privateMaterial(databaseUrl: string): Promise<string[]> {
  const db = connectDatabase(databaseUrl);
  try {
    const rows = (await db('signing_keys').select('private_jwk')) as { private_jwk: string }[];
    return rows.flatMap((r) => {
      const jwk = JSON.parse(r.private_jwk) as Record<string, unknown>;
      return PRIVATE_MEMBERS.filter((m) => typeof jwk[m] === 'string').map((m) => jwk[m] as string);
    });
  } finally {
    await db.destroy();
  }
}

async function running(file: string): Promise<{ foyer: Foyer; base: string }> {
  const foyer = await createFoyer(loadConfig(file, {}), { logger: createLogger('silent') });
  const { port } = await foyer.listen(0, '127.0.0.1');
  return { foyer, base: `http://127.0.0.1:${port}` };
}

async function jwksKids(base: string): Promise<string[]> {
  const res = await fetch(`${base}/jwks`);
  expect(res.status).toBe(200);
  const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
  for (const key of keys) for (const m of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(m);
  return keys.map((k) => String(k.kid));
}

/** A JWT access token for the API, signed like an ID token: with the first key of the default alg. */
async function apiToken(base: string): Promise<string> {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`daemon-app:${DAEMON_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }),
  });
  const body = (await res.json()) as { access_token?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

function headerOf(jwt: string): { kid: string; alg: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };
}

/** Verifies an ES256 JWT against a JWKS document, as an API would. */
async function verifiesAgainstJwks(base: string, jwt: string): Promise<boolean> {
  const { keys } = (await (await fetch(`${base}/jwks`)).json()) as { keys: (Record<string, unknown> & { kid: string })[] };
  const jwk = keys.find((k) => k.kid === headerOf(jwt).kid);
  if (!jwk) return false;
  const [h, p, s] = jwt.split('.');
  return verify('sha256', Buffer.from(`${h}.${p}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'));
}

// One key history, built up step by step: list → token → rotate → list → token.
describe.sequential('foyer keys', () => {
  let cfg: TempConfig;
  let before: KeyLine[];
  let oldToken: string;
  let added: string[];

  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig();
  });
  afterAll(() => cfg.remove());

  it('list creates the first keys: one active signing key per algorithm and a cookie secret', async () => {
    const result = await runCli(['keys', 'list'], { config: cfg.file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    before = parseKeyList(result.stdout);
    expect(before.map((k) => [k.purpose, k.alg, k.retired]).sort()).toEqual([
      ['cookie', 'HS256', false],
      ['token', 'ES256', false],
      ['token', 'RS256', false],
    ]);
  });

  it('list never prints private key material', async () => {
    const result = await runCli(['keys', 'list'], { config: cfg.file });
    const secrets = await privateMaterial(cfg.databaseUrl);
    expect(secrets.length).toBeGreaterThanOrEqual(1 + 5 + 1); // EC d; RSA d, p, q, dp, dq, qi; cookie k
    for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout).not.toMatch(/"d"|private/i);
  });

  it('a running Foyer publishes the keys and signs with the active ES256 key', async () => {
    const { foyer, base } = await running(cfg.file);
    try {
      const kids = await jwksKids(base);
      const signing = before.filter((k) => k.purpose === 'token').map((k) => k.kid);
      expect(kids.sort()).toEqual(signing.sort());
      oldToken = await apiToken(base);
      expect(headerOf(oldToken)).toEqual(expect.objectContaining({ alg: 'ES256', kid: before.find((k) => k.alg === 'ES256')!.kid }));
    } finally {
      await foyer.close();
    }
  });

  it('rotate adds new keys and retires the old ones, without printing private material', async () => {
    const result = await runCli(['keys', 'rotate'], { config: cfg.file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const match = /^added (\S+), (\S+); retired (\S+), (\S+) \(published for 1209600 s more\)$/m.exec(result.stdout);
    expect(match, result.stdout).not.toBeNull();
    added = [match![1]!, match![2]!];
    const oldSigning = before.filter((k) => k.purpose === 'token').map((k) => k.kid);
    expect([match![3], match![4]].sort()).toEqual(oldSigning.sort());
    expect(result.stdout).toMatch(/restart running Foyer nodes/);
    for (const secret of await privateMaterial(cfg.databaseUrl)) expect(result.stdout).not.toContain(secret);
  });

  it('after rotation list shows the old kids as retired but still published, and new active ones', async () => {
    const result = await runCli(['keys', 'list'], { config: cfg.file });
    expect(result.code).toBe(0);
    const after = parseKeyList(result.stdout);
    for (const old of before.filter((k) => k.purpose === 'token')) {
      expect(after.find((k) => k.kid === old.kid)).toMatchObject({ alg: old.alg, retired: true });
    }
    const active = after.filter((k) => k.purpose === 'token' && !k.retired);
    expect(active.map((k) => k.kid).sort()).toEqual([...added].sort());
    expect(active.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    // The cookie secret is not a token key and is left alone by rotation.
    expect(after.filter((k) => k.purpose === 'cookie')).toEqual(before.filter((k) => k.purpose === 'cookie'));
    for (const secret of await privateMaterial(cfg.databaseUrl)) expect(result.stdout).not.toContain(secret);
  });

  it('a restarted Foyer publishes old and new kids and signs new tokens with the new key', async () => {
    const { foyer, base } = await running(cfg.file);
    try {
      const kids = await jwksKids(base);
      const oldKids = before.filter((k) => k.purpose === 'token').map((k) => k.kid);
      expect(kids.sort()).toEqual([...oldKids, ...added].sort());

      const newEs256 = parseKeyList((await runCli(['keys', 'list'], { config: cfg.file })).stdout).find((k) => k.alg === 'ES256' && !k.retired)!.kid;
      // oidc-provider signs ID tokens and JWTs with the first key of the algorithm.
      const { jwks } = await foyer.keys.load(foyer.config.keys.algorithm);
      expect(jwks[0]?.kid).toBe(newEs256);
      expect(jwks.find((k) => k.alg === 'RS256')?.kid).toBe(added.find((kid) => kid !== newEs256));

      const newToken = await apiToken(base);
      expect(headerOf(newToken)).toMatchObject({ alg: 'ES256', kid: newEs256 });
      // Tokens signed before the rotation still verify against what is published now.
      expect(await verifiesAgainstJwks(base, newToken)).toBe(true);
      expect(await verifiesAgainstJwks(base, oldToken)).toBe(true);
    } finally {
      await foyer.close();
    }
  });
});
