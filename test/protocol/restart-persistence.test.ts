import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { hashPassword } from '../../src/directory/password-hash.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { signIn, webAppClient } from '../support/oidc-client.js';
import { baseConfig, freePort } from '../support/start-foyer.js';

const EMAIL = 'quentin@contoso.example';
const PASSWORD = 'survives restarts 5';

/** startFoyer picks a new port and deletes its files on stop; a restart needs the same port and SQLite file. */
async function startOn(port: number, dir: string): Promise<Foyer> {
  const raw = baseConfig(port);
  raw.storage = { databaseUrl: `sqlite:${join(dir, 'foyer.sqlite')}` };
  const file = join(dir, 'foyer.yaml');
  writeFileSync(file, stringify(raw));
  const foyer = await createFoyer(loadConfig(file, {}), { logger: createLogger('silent') });
  await foyer.listen(port, '127.0.0.1');
  return foyer;
}

const kids = async (issuer: string) =>
  ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();

describe('sessions, tokens and keys survive a restart on the SQL adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-restart-'));
  let port: number;
  let issuer: string;
  let foyer: Foyer | undefined;
  const browser = new Browser();
  let memberId: string;
  let before: { kids: string[]; refreshToken: string; accessToken: string };

  beforeAll(async () => {
    port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    foyer = await startOn(port, dir);
    memberId = (await foyer.users.create({ mail: EMAIL, userType: 'Member', passwordHash: await hashPassword(PASSWORD) })).id;
    const first = await signIn(browser, await webAppClient(issuer), { email: EMAIL, password: PASSWORD });
    expect(first.sawLogin).toBe(true);
    before = { kids: await kids(issuer), refreshToken: first.tokens.refresh_token!, accessToken: first.tokens.access_token };

    await foyer.close();
    foyer = undefined;
    await expect(fetch(`${issuer}/jwks`)).rejects.toThrow();
    foyer = await startOn(port, dir);
  });
  afterAll(async () => {
    await foyer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the same signing keys', async () => {
    expect(await kids(issuer)).toEqual(before.kids);
  });

  it('signs the same browser in without the login form (the session and its cookie keys persisted)', async () => {
    const config = await webAppClient(issuer);
    const again = await signIn(browser, config, { email: EMAIL, password: 'not asked for' });
    expect(again.sawLogin).toBe(false);
    expect(again.tokens.claims()).toMatchObject({ sub: memberId, amr: ['pwd'] });
  });

  it('still accepts the access token and the refresh token issued before the restart', async () => {
    const config = await webAppClient(issuer);
    expect(await client.fetchUserInfo(config, before.accessToken, memberId)).toMatchObject({ email: EMAIL });
    const refreshed = await client.refreshTokenGrant(config, before.refreshToken);
    expect(refreshed.claims()!.sub).toBe(memberId);
    expect(refreshed.refresh_token).not.toBe(before.refreshToken);
  });

  it('does not sign in a browser that was never signed in', async () => {
    const stranger = await signIn(new Browser(), await webAppClient(issuer), { email: EMAIL, password: PASSWORD });
    expect(stranger.sawLogin).toBe(true);
  });
});
