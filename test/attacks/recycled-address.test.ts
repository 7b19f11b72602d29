/**
 * A recycled address at a guest's home IdP (found by the audit). A partner IdP marked
 * `trustedForDomains` may link an existing user by a verified address of its domain. When the partner
 * gives a departed guest's address to someone new (a new account there, so a new subject), that
 * person's verified address used to link them to the old guest's account here: same id, groups,
 * assignments. An account that already has an identity from that IdP is now never linked by address
 * through it again (upstreamIdentifierChanged): the newcomer is refused with 409 and nothing changes;
 * the guest still signs in.
 * A real Foyer and a real partner oidc-provider.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import type { PartnerUser } from '../support/partner-idp.js';
import { WEB, finish, invitedGuest, is, PAGES, start } from '../e2e-access/access-support.js';
import { useWorld } from '../support/world.js';

const ADDRESS = 'gwen@partner.example';
const person = (sub: string, name: string): PartnerUser => ({ sub, email: ADDRESS, emailVerified: true, name, amr: ['pwd'] });

const world = useWorld({
  oidc: [{ users: { departed: person('gwen-2019', 'Gwen (left in 2026)'), newcomer: person('gwen-2026', 'Gwen (joined in 2026)') }, entry: { trustedForDomains: true } }],
  portal: true,
});
let guestId: string;

beforeAll(async () => {
  ({ userId: guestId } = await invitedGuest(world.foyer, await appToken(world.foyer.issuer, 'portal-app'), ADDRESS, 'departed'));
});

async function rowsOf(userId: string) {
  const { db } = world.foyer.foyer;
  return {
    user: await db('users').where({ id: userId }).first(),
    identities: await db('identities').where({ user_id: userId }).orderBy('id'),
    sessions: (await db('oidc_payloads').where({ model: 'Session' }).select('payload')).filter((s: { payload: string }) => s.payload.includes(userId)).length,
  };
}

async function signInAtApp(login: string) {
  const auth = await start(new Browser(), world.foyer.issuer, WEB);
  const partner = await auth.submit(auth.page, { email: ADDRESS });
  expect(is(partner, PAGES.partner)).toBe(true);
  return { auth, landed: await auth.submit(partner, { login }) };
}

describe("a guest's address given to someone new at the partner (a new subject)", () => {
  it("does not link the newcomer to the old guest's account: 409, and nothing changes", async () => {
    const before = await rowsOf(guestId);
    expect(before.identities.map((i: { subject: string }) => i.subject)).toEqual(['gwen-2019']);
    const { landed } = await signInAtApp('newcomer');
    expect(landed.stoppedAt).toBeUndefined();
    expect([landed.status, errorCodeOf(landed.body)]).toEqual([409, 'upstreamIdentifierChanged']);
    expect(await rowsOf(guestId)).toEqual(before);
  });

  it('still signs the guest in with the identity that was linked', async () => {
    const { auth, landed } = await signInAtApp('departed');
    expect((await finish(auth, landed)).sub).toBe(guestId);
  });
});
