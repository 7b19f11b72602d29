/**
 * The MFA attack tests' Foyer: members who sign in with a password, an app that conditional access
 * puts behind MFA, one behind MFA and terms of use, and the same MFA store and key Foyer uses, so a
 * test can give a member an active authenticator (as enrolling would) without walking the pages.
 * The attacker knows the member's password; the second factor is what they lack.
 */
import { generate } from 'otplib';
import { expect } from 'vitest';
import { resolveMfaKey } from '../../../src/mfa/mfa-key.js';
import { MfaService } from '../../../src/mfa/mfa-service.js';
import { createThrottle } from '../../../src/http/throttle.js';
import type { Browser, Page } from '../../support/browserless.js';
import type { RunningFoyer } from '../../support/start-foyer.js';
import { startWorld } from '../../support/world.js';
import { appEntries, is, PAGES, requireMfaFor, start, STRICT, TERMS, type Authorization, type TestApp } from '../../e2e-access/access-support.js';

export const PASSWORD = 'second factors matter 42';
export { STRICT, TERMS };
export { get, post } from './web-forms.js';

export interface MfaWorld {
  foyer: RunningFoyer;
  issuer: string;
  mfa: MfaService;
  /** A member with a confirmed authenticator: its secret and recovery codes. */
  enrolledMember(email: string): Promise<{ userId: string; secret: string; recoveryCodes: string[] }>;
  stop(): Promise<void>;
}

export async function startMfaWorld(): Promise<MfaWorld> {
  const world = await startWorld({
    apps: appEntries([STRICT, TERMS]),
    customize: (config) => {
      config.termsOfUse = [{ id: 'nda', displayName: 'Contoso NDA', version: '1', text: 'Keep what you see here to yourself.' }];
      config.conditionalAccess = [
        requireMfaFor(STRICT.id, { id: 'strict-mfa', displayName: 'The strict app needs MFA' }),
        {
          id: 'terms-mfa-and-nda',
          displayName: 'The terms app needs MFA and the NDA',
          state: 'enabled',
          conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [TERMS.id] } },
          grantControls: { operator: 'AND', builtInControls: ['mfa'], termsOfUse: ['nda'] },
        },
      ];
    },
  });
  const { foyer } = world;
  const key = resolveMfaKey({ databaseUrl: foyer.foyer.config.storage.databaseUrl })!.key;
  const mfa = new MfaService({ db: foyer.foyer.db, key, throttle: createThrottle({ name: 'attack-test', points: 100, durationSeconds: 60 }), issuer: 'Contoso Test' });
  return {
    foyer,
    issuer: foyer.issuer,
    mfa,
    async enrolledMember(email) {
      const userId = await foyer.createMember(email, PASSWORD);
      const { secret } = await mfa.pendingEnrolment({ id: userId, mail: email });
      const confirmed = await mfa.confirmEnrolment(userId, await generate({ secret }));
      expect(confirmed.ok).toBe(true);
      return { userId, secret, recoveryCodes: confirmed.recoveryCodes! };
    },
    stop: world.stop,
  };
}

/** The app sends a new browser to Foyer; the member types the email and the password. Returns the MFA page and its interaction uid. */
export async function atMfaStep(browser: Browser, issuer: string, app: TestApp, email: string, params: Record<string, string> = {}): Promise<{ auth: Authorization; page: Page; uid: string }> {
  const auth = await start(browser, issuer, app, params);
  const password = is(auth.page, PAGES.identify) ? await auth.submit(auth.page, { email }) : auth.page;
  const page = await auth.submit(password, { email, password: PASSWORD });
  expect([PAGES.verify, PAGES.enrol]).toContain(/<h1>([\s\S]*?)<\/h1>/.exec(page.body)?.[1]?.trim());
  return { auth, page, uid: interactionUidOf(page) };
}

export function interactionUidOf(page: Page): string {
  const uid = /\/interaction\/([^/?#]+)/.exec(page.url)?.[1];
  if (!uid) throw new Error(`not an interaction page: ${page.url}`);
  return uid;
}

/** The number of authorization codes Foyer has issued (and not yet expired). */
export async function codesIssued(foyer: RunningFoyer): Promise<number> {
  const now = Date.now();
  const row = await foyer.foyer.db('oidc_payloads').where({ model: 'AuthorizationCode' }).andWhere('expires_at', '>', now).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
