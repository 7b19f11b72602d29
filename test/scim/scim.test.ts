import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/directory/password-hash.js';
import { oauthErrorOf, signedInWebApp } from '../support/oidc-client.js';
import { PASSWORD, useWorld } from '../support/world.js';
import { ERROR, GROUP, ScimDriver, scimToken, USER, type ScimAnswer } from './scim-driver.js';

/**
 * SCIM 2.0 inbound, driven the way Entra's and Okta's provisioning drive it: the host's HR/IdP
 * client provisions members and groups; a partner's client pushes its people in as guests, only
 * at its own domains; bad input gets RFC 7644 errors, never a 500.
 */
const hr = scimToken();
const fabrikam = scimToken();
const northwind = scimToken();

const world = useWorld({
  members: ['admin@contoso.example'],
  customize: (config) => {
    config.partners = [
      { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'] },
      { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'] },
    ];
    config.scim = {
      clients: [
        { id: 'hr', displayName: 'Contoso HR', tokenSha256: hr.sha256, provisions: 'members' },
        { id: 'fabrikam-sync', tokenSha256: fabrikam.sha256, provisions: 'guests', partner: 'fabrikam' },
        { id: 'northwind-sync', tokenSha256: northwind.sha256, provisions: 'guests', partner: 'northwind' },
      ],
    };
  },
});

const scim = (token: string) => new ScimDriver(world.issuer, token);
const db = () => world.foyer.foyer.db;
const userRow = (mail: string) => db()('users').where({ mail_normalized: mail }).first();
const counts = async () => ({ users: Number((await db()('users').count({ n: '*' }))[0]!.n), groups: Number((await db()('groups').count({ n: '*' }))[0]!.n), links: Number((await db()('scim_resources').count({ n: '*' }))[0]!.n) });

function expectScimError(answer: ScimAnswer, status: number, scimType?: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/scim+json');
  expect(answer.body.schemas).toEqual([ERROR]);
  expect(answer.body.status).toBe(String(status));
  if (scimType) expect(answer.body.scimType).toBe(scimType);
  expect(answer.body.detail).toEqual(expect.any(String));
}

/** A provisioned member who signs in (a password set for the test), holding a refresh token. */
async function signedInMember(mail: string) {
  await db()('users').where({ mail_normalized: mail }).update({ password_hash: await hashPassword(PASSWORD) });
  return signedInWebApp(world.issuer, mail, PASSWORD);
}

describe('discovery and authentication', () => {
  it('ServiceProviderConfig, ResourceTypes and Schemas describe what is supported', async () => {
    const spc = await scim(hr.token).send('GET', '/ServiceProviderConfig');
    expect(spc.status).toBe(200);
    expect(spc.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, etag: { supported: true }, bulk: { supported: false } });
    const types = await scim(hr.token).send('GET', '/ResourceTypes');
    expect(types.body.Resources!.map((r) => r.endpoint)).toEqual(['/Users', '/Groups']);
    const user = await scim(hr.token).send('GET', `/Schemas/${USER}`);
    expect((user.body.attributes as { name: string }[]).map((a) => a.name)).toContain('userName');
  });

  it('no token, a wrong token, or another scheme: 401 in SCIM’s shape', async () => {
    for (const token of ['', 'not-a-configured-token-at-all-0123456789']) expectScimError(await scim(token).send('GET', '/Users'), 401);
    const res = await fetch(`${world.issuer}/scim/v2/Users`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(res.status).toBe(401);
  });
});

describe('the host’s HR or IdP provisions members (Entra and Okta shapes)', () => {
  it('Entra: looks up, creates, updates with capitalised ops and "False", and deactivation signs the member out everywhere', async () => {
    const entra = scim(hr.token);
    const none = await entra.findUser('hana@contoso.example');
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await entra.createUser('hana@contoso.example', { externalId: 'E-1001' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${world.issuer}/scim/v2/Users/${created.body.id}`);
    expect(created.headers.get('etag')).toMatch(/^W\/"[0-9a-f]+"$/);
    expect(created.body).toMatchObject({ schemas: [USER], userName: 'hana@contoso.example', externalId: 'E-1001', active: true, userType: 'Member', displayName: 'hana Test' });
    expect(await userRow('hana@contoso.example')).toMatchObject({ user_type: 'Member', password_hash: null });
    expect((await entra.send('GET', `/Users?filter=${encodeURIComponent('externalId eq "E-1001"')}`)).body.totalResults).toBe(1);

    const id = created.body.id!;
    const renamed = await entra.patch(`/Users/${id}`, [{ op: 'Replace', path: 'displayName', value: 'Hana Fischer' }]);
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Hana Fischer');

    const session = await signedInMember('hana@contoso.example');
    const off = await entra.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await userRow('hana@contoso.example')).toMatchObject({ account_enabled: expect.toSatisfy((v) => !v) });
    expect(await oauthErrorOf(client.refreshTokenGrant(session.config, session.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const audit = await db()('audit_log').where({ target_id: id }).select('activity', 'actor_id');
    expect(audit).toEqual(expect.arrayContaining([{ activity: 'Disable account', actor_id: 'scim:hr' }, expect.objectContaining({ activity: 'Revoke sign-in sessions' })]));
  });

  it('Okta: a path-less replace deactivates, PUT replaces, DELETE removes the member and their sessions', async () => {
    const okta = scim(hr.token);
    const { body } = await okta.createUser('ivo@contoso.example');
    const id = body.id!;
    const session = await signedInMember('ivo@contoso.example');
    const off = await okta.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false, 'name.givenName': 'Ivo' } }]);
    expect(off.body.active).toBe(false);
    const on = await okta.send('PUT', `/Users/${id}`, { schemas: [USER], userName: 'ivo@contoso.example', displayName: 'Ivo Novak', active: true, externalId: 'okta-77' });
    expect(on.body).toMatchObject({ active: true, displayName: 'Ivo Novak', externalId: 'okta-77' });
    const fresh = await signedInMember('ivo@contoso.example');
    expect((await okta.send('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await userRow('ivo@contoso.example')).toBeUndefined();
    expectScimError(await okta.send('GET', `/Users/${id}`), 404);
    for (const s of [session, fresh]) expect(await oauthErrorOf(client.refreshTokenGrant(s.config, s.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
  });

  it('preferredLanguage (SCIM core): set at creation, replaced by PATCH (an Accept-Language list keeps its first choice), kept by a PUT that leaves it out, cleared by remove', async () => {
    const c = scim(hr.token);
    const created = await c.createUser('kai@contoso.example', { preferredLanguage: 'fr-ca' });
    expect(created.body.preferredLanguage).toBe('fr-CA');
    const id = created.body.id!;
    const patched = await c.patch(`/Users/${id}`, [{ op: 'replace', path: 'preferredLanguage', value: 'en;q=0.5, de-DE' }]);
    expect([patched.status, patched.body.preferredLanguage]).toEqual([200, 'de-DE']);
    const put = await c.send('PUT', `/Users/${id}`, { schemas: [USER], userName: 'kai@contoso.example', displayName: 'Kai' });
    expect([put.status, put.body.preferredLanguage]).toEqual([200, 'de-DE']);
    const removed = await c.patch(`/Users/${id}`, [{ op: 'remove', path: 'preferredLanguage' }]);
    expect([removed.status, removed.body.preferredLanguage]).toEqual([200, undefined]);
    expect((await userRow('kai@contoso.example')).preferred_language).toBeNull();
  });

  it('a user created inactive and with a language is stored that way, both in the one creation', async () => {
    const created = await scim(hr.token).createUser('lou@contoso.example', { active: false, preferredLanguage: 'fr' });
    expect([created.status, created.body.active, created.body.preferredLanguage]).toEqual([201, false, 'fr']);
    const row = await userRow('lou@contoso.example');
    expect([Boolean(row.account_enabled), row.preferred_language]).toEqual([false, 'fr']);
  });

  it('ETags: a change against a stale version is 412 and changes nothing', async () => {
    const c = scim(hr.token);
    const { body, headers } = await c.createUser('jo@contoso.example');
    const stale = headers.get('etag')!;
    const changed = await c.patch(`/Users/${body.id}`, [{ op: 'replace', path: 'displayName', value: 'Jo One' }], { 'if-match': stale });
    expect(changed.status).toBe(200);
    const current = changed.headers.get('etag')!;
    expect(current).not.toBe(stale);
    expectScimError(await c.send('PUT', `/Users/${body.id}`, { schemas: [USER], userName: 'jo@contoso.example', displayName: 'Jo Two' }, { 'if-match': stale }), 412);
    expectScimError(await c.send('DELETE', `/Users/${body.id}`, undefined, { 'if-match': stale }), 412);
    expect((await userRow('jo@contoso.example')).display_name).toBe('Jo One');
    expect((await c.send('GET', `/Users/${body.id}`)).headers.get('etag')).toBe(current);
  });

  it('paging: startIndex and count walk the client’s users', async () => {
    const c = scim(hr.token);
    for (const n of [1, 2, 3]) await c.createUser(`page${n}@contoso.example`);
    const first = await c.send('GET', '/Users?startIndex=1&count=2');
    const total = first.body.totalResults as number;
    expect(first.body).toMatchObject({ startIndex: 1, itemsPerPage: 2 });
    const rest = await c.send('GET', `/Users?startIndex=3&count=200`);
    expect((rest.body.Resources as unknown[]).length).toBe(total - 2);
    expect(new Set([...first.body.Resources!, ...rest.body.Resources!].map((r) => r.id)).size).toBe(total);
    expect((await c.send('GET', '/Users?count=0')).body).toMatchObject({ totalResults: total, Resources: [] });
  });

  it('groups: created with members, members added (Entra), removed by value (Entra) and by filter path (Okta), renamed, deleted', async () => {
    const c = scim(hr.token);
    const [a, b, d] = await Promise.all(['ga@contoso.example', 'gb@contoso.example', 'gd@contoso.example'].map(async (m) => (await c.createUser(m)).body.id!));
    const created = await c.send('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', externalId: 'grp-eng', members: [{ value: a }] });
    expect(created.status).toBe(201);
    const id = created.body.id!;
    const members = async () => ((await c.send('GET', `/Groups/${id}`)).body.members as { value: string }[]).map((m) => m.value).sort();
    await c.patch(`/Groups/${id}`, [{ op: 'Add', path: 'members', value: [{ value: b }, { value: d }] }]);
    expect(await members()).toEqual([a, b, d].sort());
    await c.patch(`/Groups/${id}`, [{ op: 'Remove', path: 'members', value: [{ value: b }] }]);
    expect(await members()).toEqual([a, d].sort());
    await c.patch(`/Groups/${id}`, [{ op: 'remove', path: `members[value eq "${d}"]` }, { op: 'replace', path: 'displayName', value: 'Engineering EU' }]);
    expect(await members()).toEqual([a]);
    expect((await world.foyer.foyer.db('groups').where({ id }).first()).display_name).toBe('Engineering EU');
    expect((await c.send('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Engineering EU"')}&excludedAttributes=members`)).body.Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect((await c.send('DELETE', `/Groups/${id}`)).status).toBe(204);
    expect(await world.foyer.foyer.db('groups').where({ id }).first()).toBeUndefined();
  });

  it('a member address outside the member domains is 403, nothing written', async () => {
    const before = await counts();
    expectScimError(await scim(hr.token).createUser('mallory@fabrikam.example'), 403);
    expect(await counts()).toEqual(before);
  });
});

describe('a partner pushes its people in as guests (cross-tenant synchronization)', () => {
  it('creates guests at its own domains: accepted, no invitation mail, no password', async () => {
    const created = await scim(fabrikam.token).createUser('ann@fabrikam.example', { externalId: 'fab-ann' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userType: 'Guest', active: true });
    expect(await userRow('ann@fabrikam.example')).toMatchObject({ user_type: 'Guest', external_user_state: 'Accepted', password_hash: null });
    expect(await db()('invitations').where({ invited_email: 'ann@fabrikam.example' })).toEqual([]);
  });

  it('an attacker’s partner token cannot create anyone at another partner’s domain or a member domain: 403, nothing written', async () => {
    const before = await counts();
    for (const userName of ['eve@northwind.example', 'eve@contoso.example', 'EVE@Contoso.Example', 'admin@contoso.example']) {
      expectScimError(await scim(fabrikam.token).createUser(userName), 403);
    }
    expect(await counts()).toEqual(before);
    expect(await userRow('eve@northwind.example')).toBeUndefined();
  });

  it('cannot move its guest to another domain, touch another client’s users, see them, or manage groups', async () => {
    const ann = (await scim(fabrikam.token).findUser('ann@fabrikam.example')).body.Resources![0]!;
    const annBefore = await userRow('ann@fabrikam.example');
    expectScimError(await scim(fabrikam.token).patch(`/Users/${ann.id}`, [{ op: 'replace', path: 'userName', value: 'ann@northwind.example' }]), 403);
    expectScimError(await scim(fabrikam.token).send('PUT', `/Users/${ann.id}`, { schemas: [USER], userName: 'admin2@contoso.example' }), 403);
    // Northwind's client, and the HR client, see nothing of Fabrikam's guest, and cannot change it.
    for (const other of [northwind.token, hr.token]) {
      expect((await scim(other).findUser('ann@fabrikam.example')).body.totalResults).toBe(0);
      expectScimError(await scim(other).send('GET', `/Users/${ann.id}`), 404);
      expectScimError(await scim(other).patch(`/Users/${ann.id}`, [{ op: 'replace', path: 'active', value: false }]), 404);
      expectScimError(await scim(other).send('DELETE', `/Users/${ann.id}`), 404);
    }
    expect(await userRow('ann@fabrikam.example')).toEqual(annBefore);
    // Nor can a partner's client reach a member the HR client made, or groups at all.
    const hana = (await scim(hr.token).findUser('hana@contoso.example')).body.Resources![0]!;
    expectScimError(await scim(fabrikam.token).send('DELETE', `/Users/${hana.id}`), 404);
    expect(await userRow('hana@contoso.example')).toBeDefined();
    expectScimError(await scim(fabrikam.token).send('POST', '/Groups', { schemas: [GROUP], displayName: 'Admins' }), 403);
    expectScimError(await scim(fabrikam.token).send('GET', '/Groups'), 403);
  });

  it('an address that already has an account here is a 409: never linked to the partner’s client', async () => {
    await world.foyer.foyer.users.create({ mail: 'bob@fabrikam.example', userType: 'Guest', externalUserState: 'Accepted' });
    const before = await counts();
    expectScimError(await scim(fabrikam.token).createUser('Bob@fabrikam.example'), 409, 'uniqueness');
    expect(await counts()).toEqual(before);
    expect((await scim(fabrikam.token).findUser('bob@fabrikam.example')).body.totalResults).toBe(0);
  });

  it('deactivating its guest disables them', async () => {
    const ann = (await scim(fabrikam.token).findUser('ann@fabrikam.example')).body.Resources![0]!;
    expect((await scim(fabrikam.token).patch(`/Users/${ann.id}`, [{ op: 'Replace', path: 'active', value: 'False' }])).body.active).toBe(false);
    expect(Boolean((await userRow('ann@fabrikam.example')).account_enabled)).toBe(false);
  });
});

describe('bad SCIM input: RFC 7644 errors with a 4xx, never a 500, nothing written', () => {
  it('each malformed request', async () => {
    const c = scim(hr.token);
    const before = await counts();
    const someone = (await c.findUser('jo@contoso.example')).body.Resources![0]!.id as string;
    const cases: [Promise<ScimAnswer>, number, string?][] = [
      [c.send('POST', '/Users', '{"userName": '), 400, 'invalidSyntax'],
      [c.send('POST', '/Users', '[1,2]'), 400, 'invalidSyntax'],
      [c.send('POST', '/Users', { schemas: [USER] }), 400, 'invalidValue'],
      [c.send('POST', '/Users', { schemas: [USER], userName: 'not an email' }), 400, 'invalidValue'],
      [c.send('POST', '/Users', { schemas: [USER], userName: 'x@contoso.example', active: 'maybe' }), 400, 'invalidValue'],
      [c.send('POST', '/Users', { schemas: [USER], userName: 'x@contoso.example', displayName: 'x'.repeat(5000) }), 400, 'invalidValue'],
      [c.send('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter'],
      [c.send('GET', `/Users?filter=${encodeURIComponent('userName co "a"')}`), 400, 'invalidFilter'],
      [c.send('GET', `/Users?filter=${encodeURIComponent('title eq "boss"')}`), 400, 'invalidFilter'],
      [c.send('GET', '/Users?startIndex=abc'), 400, 'invalidValue'],
      [c.patch(`/Users/${someone}`, [{ op: 'explode', path: 'active', value: true }]), 400, 'invalidValue'],
      [c.send('PATCH', `/Users/${someone}`, { schemas: [USER], Operations: [] }), 400, 'invalidValue'],
      [c.patch(`/Users/${someone}`, [{ op: 'remove' }]), 400],
      [c.patch(`/Users/${someone}`, [{ op: 'replace', path: 'emails[type eq', value: 'x' }]), 400],
      [c.patch(`/Users/${someone}`, [{ op: 'replace', path: 'userName', value: 42 }]), 400, 'invalidValue'],
      [c.send('POST', '/Users', { schemas: [USER], userName: 'x@contoso.example', preferredLanguage: 'not a language!' }), 400, 'invalidValue'],
      [c.patch(`/Users/${someone}`, [{ op: 'replace', path: 'preferredLanguage', value: 'fr_FR' }]), 400, 'invalidValue'],
      [c.send('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: '00000000-0000-0000-0000-000000000000' }] }), 400, 'invalidValue'],
      [c.send('GET', '/Users/not-an-id'), 404],
      [c.send('GET', '/Bulk'), 404],
      [c.send('POST', '/Users', 'x'.repeat(2_000_000)), 413],
    ];
    for (const [answer, status, scimType] of cases) expectScimError(await answer, status, scimType);
    expect(await counts()).toEqual(before);
  });
});
