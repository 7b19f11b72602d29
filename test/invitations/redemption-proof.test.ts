/**
 * The redemption service checks the proof of the invited address itself (DESIGN.md: one function
 * decides what an email proves, email-authority.ts), so no caller can redeem on a claim alone: the
 * sign-in journey decides first, but a journey step that got it wrong, or a future caller, still
 * cannot link an identity to an invitation whose address it did not prove. Against a real Foyer's
 * database, with a real invitation and ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamIdentity } from '../../src/federation/upstream-identity.js';
import { HttpError } from '../../src/http/http-error.js';
import { InvitationsRepository } from '../../src/invitations/invitations-repository.js';
import { hashTicket } from '../../src/invitations/redeem-ticket.js';
import { RedemptionService, type RedemptionProof } from '../../src/invitations/redemption-service.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

let foyer: RunningFoyer;
let redemption: RedemptionService;

beforeAll(async () => {
  foyer = await startFoyer();
  const { db, config, users, identities, audit } = foyer.foyer;
  redemption = new RedemptionService({ db, settings: config.invitations, apps: config.apps, users, identities, invitations: new InvitationsRepository(db), audit });
});
afterAll(() => foyer?.stop());

/** A pending invitation for `email`: its id, the hash of its ticket, and the invited user. */
async function invite(email: string) {
  const created = await foyer.foyer.invitations.create(
    { invitedUserEmailAddress: email, inviteRedirectUrl: 'http://127.0.0.1:9999/callback', sendInvitationMessage: false, invitedUserType: 'Guest', resetRedemption: false },
    { type: 'cli', displayName: 'test' },
  );
  const ticket = new URL(created.inviteRedeemUrl!).searchParams.get('t')!;
  return { invitationId: created.id, ticketHash: hashTicket(ticket), userId: created.invitedUser.id };
}

/** IdP A's user, whose IdP says the victim's address (of a domain A is not authoritative for) is verified. */
const fromIdpA = (email: string, subject = 'mallory'): UpstreamIdentity => ({ idpId: 'idp-a', issuer: 'https://idp-a.example', subject, email, emailVerified: true, amr: [] });
const idpA = { domains: ['a.example'] };

async function state(userId: string) {
  const user = await foyer.foyer.db('users').where({ id: userId }).first();
  return { state: user.external_user_state, identities: (await foyer.foyer.db('identities').where({ user_id: userId })).length };
}

async function refusal(promise: Promise<unknown>): Promise<[number, string]> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(err)}`);
  return [err.status, err.code];
}

describe('completing a redemption', () => {
  const cases: [string, RedemptionProof][] = [
    ['an IdP not authoritative for the domain', { kind: 'upstreamEmail', idp: idpA }],
    ['an IdP the caller did not name', { kind: 'upstreamEmail', idp: undefined }],
    ['a passcode mailed to another address', { kind: 'emailPasscode', email: 'mallory@a.example' }],
    ['an identity said to be linked already, which is not', { kind: 'existingIdentity' }],
  ];
  it.each(cases)('refuses a proof from %s: 403, and the invitation stays pending with nothing linked', async (_name, proof) => {
    const inv = await invite(`victim-${Math.random().toString(36).slice(2, 8)}@b.example`);
    const email = (await foyer.foyer.db('users').where({ id: inv.userId }).first()).mail as string;
    expect(await refusal(redemption.complete({ ...inv, identity: fromIdpA(email), proof }))).toEqual([403, 'invitedAddressNotProven']);
    expect(await state(inv.userId)).toEqual({ state: 'PendingAcceptance', identities: 0 });
    const row = await foyer.foyer.db('invitations').where({ id: inv.invitationId }).first();
    expect(row.status).toBe('PendingAcceptance');
  });

  it('redeems with a proof that holds: the IdP authoritative for the domain, or the code mailed to the invited address', async () => {
    const a = await invite('ann@b.example');
    await redemption.complete({ ...a, identity: fromIdpA('ann@b.example', 'ann'), proof: { kind: 'upstreamEmail', idp: { domains: ['b.example'] } } });
    expect(await state(a.userId)).toEqual({ state: 'Accepted', identities: 1 });
    const b = await invite('ben@b.example');
    await redemption.complete({ ...b, identity: fromIdpA('mallory@a.example', 'ben'), proof: { kind: 'emailPasscode', email: 'Ben@B.example' } });
    expect(await state(b.userId)).toEqual({ state: 'Accepted', identities: 1 });
  });
});
