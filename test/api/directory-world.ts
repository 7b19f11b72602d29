/**
 * A Foyer for the directory API tests (a preset of test/support/world.ts): apps with each
 * application permission alone (so every route's refusals can be tested against a real token),
 * members who sign in with a password, and user tokens for the API obtained through a real
 * authorization code flow.
 */
import type { Database } from '../../src/db/connect.js';
import { api, appToken, type ApiResponse } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { signIn, webAppClient } from '../support/oidc-client.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { daemonApp, startWorld } from '../support/world.js';

export { APP_URL, PASSWORD } from '../support/world.js';

/** One app per permission set the tests need; the key is the app id. */
export const PERMISSION_APPS: Record<string, string[]> = {
  'admin-app': ['User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'User.Invite.All', 'AuditLog.Read.All'],
  'reader-app': ['User.Read.All'],
  'writer-app': ['User.ReadWrite.All'],
  'groups-app': ['Group.ReadWrite.All'],
  'inviter-app': ['User.Invite.All'],
  'nothing-app': [],
};

export interface DirectoryWorld {
  foyer: RunningFoyer;
  issuer: string;
  db: Database;
  /** App tokens by app id (from PERMISSION_APPS). */
  tokens: Record<string, string>;
  call<T = Record<string, unknown>>(token: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export async function startDirectoryWorld(customize: (config: Record<string, unknown>) => void = () => {}, storage: { databaseUrl?: string } = {}): Promise<DirectoryWorld> {
  const world = await startWorld({
    apps: Object.entries(PERMISSION_APPS).map(([id, permissions]) => daemonApp(id, permissions)),
    customize,
    databaseUrl: storage.databaseUrl,
  });
  const { foyer } = world;
  const tokens: Record<string, string> = {};
  for (const id of Object.keys(PERMISSION_APPS)) tokens[id] = await appToken(foyer.issuer, id);
  return {
    foyer,
    issuer: foyer.issuer,
    db: foyer.foyer.db,
    tokens,
    call: (token, method, path, body, headers) => api(foyer.issuer, token, method, path, body, headers),
    stop: world.stop,
  };
}

/**
 * A user token for the API: the member signs in to the first-party web app with
 * `resource=<issuer>/v1.0` and the given scopes, as an admin tool acting for its user would.
 */
export async function userApiToken(issuer: string, email: string, password: string, scopes: string[]): Promise<{ accessToken: string; refreshToken?: string; browser: Browser }> {
  const browser = new Browser();
  const config = await webAppClient(issuer);
  const { tokens } = await signIn(browser, config, { email, password, params: { resource: `${issuer}/v1.0`, scope: ['openid', ...scopes].join(' ') } });
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, browser };
}

/** The Graph error code of a response. */
export const codeOf = (res: ApiResponse) => (res.body.error as { code?: string } | undefined)?.code;

/** A fresh guest row, as an invitation would create it (tests of listing do not need the invitation flow). */
export async function insertGuest(world: DirectoryWorld, mail: string, state: 'PendingAcceptance' | 'Accepted' = 'PendingAcceptance'): Promise<string> {
  const user = await world.foyer.foyer.users.create({ mail, userType: 'Guest', externalUserState: state });
  return user.id;
}
