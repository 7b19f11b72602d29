/**
 * The operator's `foyer invitations reset`: the CLI is an administrator, so it may move a guest to
 * a new address. Run as the real command against the running Foyer's own config and database,
 * it ends the guest's sessions and refresh tokens at that Foyer, removes MFA and identities, and
 * the printed link is redeemed at the new address through the partner IdP.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { Browser } from '../support/browserless.js';
import { accountState, APP_URL, MEMBERS, outboxCount, refresh, signInAtWebApp, startRecoveryWorld } from './support/account-recovery-world.js';
import { later, useStarted } from '../support/world.js';

beforeAll(() => ensureBuilt());
const w = useStarted(() => startRecoveryWorld({ victims: ['vera'] }));
const vera = later(() => w.victims.vera, 'victim');
const cli = (args: string[]) => runCli(args, { config: join(w.world.foyer.dir, 'foyer.yaml') });

describe('foyer invitations reset', () => {
  it('refuses a member and an unknown user with exit 2, and changes nothing', async () => {
    const admin = await w.db('users').where({ mail: MEMBERS.admin }).first();
    const before = await accountState(w, admin.id);
    const member = await cli(['invitations', 'reset', MEMBERS.admin, '--email', 'mallory@partner.example']);
    expect([member.code, member.stderr]).toEqual([2, expect.stringContaining('notAGuest')]);
    const unknown = await cli(['invitations', 'reset', 'nobody@partner.example']);
    expect(unknown.code).toBe(2);
    expect(await accountState(w, admin.id)).toEqual(before);
  });

  it('moves the guest to a new address: signed out at the running Foyer, MFA gone, audited as the CLI, and the printed link redeems at the new address', async () => {
    const live = await refresh(w, vera.refreshToken);
    expect(live.sub).toBe(vera.userId);
    const mails = outboxCount(w);
    const res = await cli(['invitations', 'reset', vera.email, '--email', 'vera.new@partner.example', '--redirect', APP_URL, '--send']);
    expect([res.code, res.stderr]).toEqual([0, '']);
    expect(res.stdout).toContain(`reset ${vera.email} → vera.new@partner.example (user ${vera.userId}`);
    const link = res.stdout.trim().split('\n').at(-1)!;
    expect(link).toMatch(new RegExp(`^${w.issuer}/redeem\\?t=[A-Za-z0-9_-]{43}$`));
    expect(outboxCount(w)).toBe(mails + 1);

    expect(await accountState(w, vera.userId)).toMatchObject({ user: { mail: 'vera.new@partner.example', state: 'PendingAcceptance' }, identities: [], mfa: { totp: 0, codes: 0 }, sessions: 0, grants: 0 });
    expect(await refresh(w, live.refreshToken!)).toEqual({ error: 'invalid_grant' });
    const audit = await w.db('audit_log').where({ activity: 'Reset redemption', target_id: vera.userId }).first();
    expect(audit.actor_type).toBe('cli');
    expect(JSON.parse(audit.details)).toMatchObject({ previousAddress: vera.email, newAddress: 'vera.new@partner.example', mfaReset: true });

    expect((await redeemLink(w.world, new Browser(), link, 'vera.new', APP_URL)).stoppedAt).toBe(APP_URL);
    expect((await signInAtWebApp(w, 'vera.new@partner.example', 'vera.new')).sub).toBe(vera.userId);
    expect(await accountState(w, vera.userId)).toMatchObject({ groups: [w.groupId], assignments: ['web-app'] });
  });
});
