import { describe, expect, it } from 'vitest';
import { Browser, headingOf } from '../support/browserless.js';
import { finishAuthorization, isPasswordPage, openSignIn, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { PASSWORD, useWorld } from '../support/world.js';

/**
 * Members through the host's own IdP (a second oidc-provider as Contoso's workforce IdP): member
 * addresses are sent there, the first sign-in creates the member, its groups claim maps to groups
 * and roles, and with local passwords off only the break-glass admin still signs in with one.
 */
const IDP = 'contoso-idp';
const world = useWorld({
  smtp: true,
  oidc: [
    {
      id: IDP,
      displayName: 'Contoso workforce',
      domains: ['contoso.example'],
      users: {
        zoe: { sub: 'zoe-1', email: 'zoe@contoso.example', emailVerified: true, name: 'Zoe Member', amr: ['pwd'], groups: ['eng', 'foyer-admins'] },
        kim: { sub: 'kim-1', email: 'kim@contoso.example', emailVerified: true, name: 'Kim', amr: ['pwd'], groups: [] },
        eve: { sub: 'eve-1', email: 'eve@partner.example', emailVerified: true, name: 'Eve', amr: ['pwd'] },
      },
    },
  ],
  members: ['root@contoso.example', 'kim@contoso.example'],
  customize: (config) => {
    (config.tenant as Record<string, unknown>).memberIdentityProvider = {
      idp: IDP,
      groupMapping: { eng: 'Engineering' },
      roleMapping: { 'foyer-admins': 'admin' },
      localPasswords: false,
      breakGlassAdmins: ['root@contoso.example'],
    };
  },
});

const db = () => world.foyer.foyer.db;

/** Types `email` on the sign-in page and signs in at the workforce IdP as `login`; returns the ID token claims. */
async function signInThroughIdp(email: string, login: string) {
  const browser = new Browser();
  const config = await webAppClient(world.issuer);
  const pending = await startAuthorization(config);
  const first = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  const atIdp = await browser.submit(first, { email });
  expect(headingOf(atIdp.body)).toBe('Partner IdP sign-in');
  const callback = `${world.issuer}/federation/${IDP}/callback`;
  const params = await signInAtPartner(browser, atIdp.url, login, callback);
  const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });
  return { landed, finish: () => finishAuthorization(config, landed.stoppedAt!, pending) };
}

describe("members through the host's IdP", () => {
  it('a member address is sent to the IdP; the first sign-in creates the member with the groups and roles its claim maps to', async () => {
    const { finish } = await signInThroughIdp('zoe@contoso.example', 'zoe');
    const tokens = await finish();
    const zoe = await world.foyer.foyer.users.findByEmail('zoe@contoso.example');
    expect(zoe).toMatchObject({ userType: 'Member', displayName: 'Zoe Member', hasPassword: false, roles: ['admin'] });
    expect(tokens.claims()!.sub).toBe(zoe!.id);
    const groups = await db()('groups').join('group_members', 'groups.id', 'group_members.group_id').where('group_members.user_id', zoe!.id).select('display_name');
    expect(groups.map((g: { display_name: string }) => g.display_name)).toEqual(['Engineering']);
  });

  it('an existing member is linked, not duplicated, and loses mapped groups and roles the claim no longer names', async () => {
    const kimId = world.members['kim@contoso.example']!;
    await db()('users').where({ id: kimId }).update({ roles: JSON.stringify(['admin', 'guestInviter']) });
    const { finish } = await signInThroughIdp('kim@contoso.example', 'kim');
    expect((await finish()).claims()!.sub).toBe(kimId);
    expect((await world.foyer.foyer.users.findById(kimId))!.roles).toEqual(['guestInviter']);
  });

  it('with local passwords off, a member’s password is refused like a wrong one, and no reset link is mailed', async () => {
    const browser = new Browser();
    const config = await webAppClient(world.issuer);
    const { page } = await openSignIn(browser, config);
    // The attacker posts the password form for a member whose password still exists in the database.
    const login = await browser.submit(page, { email: 'root@contoso.example' });
    expect(isPasswordPage(login)).toBe(true);
    const refused = await browser.submit(login, { email: 'kim@contoso.example', password: PASSWORD });
    expect(refused.status).toBe(401);
    const service = world.foyer.foyer.passwordReset;
    await service.request('kim@contoso.example', '198.51.100.1');
    await service.settled();
    expect(world.smtp.messages.filter((m) => m.to.includes('kim@contoso.example'))).toEqual([]);
  });

  it('the break-glass admin keeps the password form and signs in with it', async () => {
    const browser = new Browser();
    const config = await webAppClient(world.issuer);
    const pending = await startAuthorization(config);
    const first = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    const login = await browser.submit(first, { email: 'root@contoso.example' });
    expect(isPasswordPage(login)).toBe(true);
    const done = await browser.submit(login, { email: 'root@contoso.example', password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
    expect(tokens.claims()!.sub).toBe(world.members['root@contoso.example']);
  });

  it('an answer of the IdP for an address outside the member domains creates nobody', async () => {
    const before = await db()('users').count({ n: '*' });
    const { landed } = await signInThroughIdp('zoe2@contoso.example', 'eve');
    expect(landed.status).toBe(403);
    expect(await db()('users').count({ n: '*' })).toEqual(before);
    expect(await world.foyer.foyer.users.findByEmail('eve@partner.example')).toBeUndefined();
  });
});

describe('provisioning: linkOnly', () => {
  it('links a member that exists, refuses one that does not (memberNotProvisioned), and never makes a guest a member', async () => {
    const { MemberIdentity } = await import('../../src/interaction/member-identity.js');
    const members = new MemberIdentity({ idp: IDP, provisioning: 'linkOnly', groupsClaim: 'groups', groupMapping: {}, roleMapping: {}, localPasswords: true, breakGlassAdmins: [] }, ['contoso.example']);
    const authority = { domains: ['contoso.example'] };
    const identity = (email: string) => ({ idpId: IDP, issuer: 'https://idp.example', subject: email, email, emailVerified: true, amr: [] });
    const deps = { users: world.foyer.foyer.users };
    expect((await members.resolve(identity('root@contoso.example'), authority, deps)).user?.id).toBe(world.members['root@contoso.example']);
    await expect(members.resolve(identity('new@contoso.example'), authority, deps)).rejects.toMatchObject({ status: 403, code: 'memberNotProvisioned' });
    await world.foyer.foyer.users.create({ mail: 'gwen@contoso.example', userType: 'Guest', externalUserState: 'Accepted' });
    await expect(members.resolve(identity('gwen@contoso.example'), authority, deps)).rejects.toMatchObject({ status: 403, code: 'notAMember' });
    // An address the IdP is not authoritative for proves nothing.
    await expect(members.resolve({ ...identity('root@contoso.example'), emailVerified: false }, authority, deps)).rejects.toMatchObject({ code: 'memberAddressNotProven' });
  });
});
