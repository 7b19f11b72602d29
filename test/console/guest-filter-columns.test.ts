/**
 * The guest table's state and IdP filters read facts kept on the user row
 * (open_invitation_expires_at, home_idp; migration 20261207_17_guest_filter_columns). Every
 * invitation and identity write goes through InvitationsRepository / IdentitiesRepository, which
 * keep those columns true in the same transaction: here each write is made as the services make
 * it and the table's filters are read after it, on SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestListQuery, type GuestListFilter } from '../../src/console/guests/guest-list-query.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { IdentitiesRepository } from '../../src/directory/identities-repository.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import type { InvitationRow } from '../../src/invitations/invitation-model.js';
import { InvitationsRepository } from '../../src/invitations/invitations-repository.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const NOW = '2026-12-07T12:00:00.000Z';
let seq = 0;

function suite(database: () => Database) {
  let users: UsersRepository;
  let invitations: InvitationsRepository;
  let identities: IdentitiesRepository;
  let query: GuestListQuery;

  beforeAll(async () => {
    const db = database();
    await migrateLatest(db);
    users = new UsersRepository(db);
    invitations = new InvitationsRepository(db);
    identities = new IdentitiesRepository(db);
    query = new GuestListQuery(db);
  });

  const invitation = (userId: string, expiresAt: string, status: InvitationRow['status'] = 'PendingAcceptance', invitedById: string | null = null): InvitationRow => ({
    id: randomUUID(),
    user_id: userId,
    invited_email: 'x@partner.example',
    invite_redirect_url: 'https://app.example/',
    ticket_hash: randomUUID(),
    status,
    invited_user_type: 'Guest',
    invited_by_type: 'cli',
    invited_by_id: invitedById,
    invited_by_name: null,
    message_body: null,
    cc_recipients: '[]',
    message_language: null,
    send_invitation_message: false,
    sent_count: 0,
    last_sent_at: null,
    expires_at: expiresAt,
    created_at: new Date(Date.parse(NOW) + seq++).toISOString(),
    redeemed_at: null,
    revoked_at: null,
  });
  const matches = async (filter: GuestListFilter) => (await query.page({ filter, sort: 'invited', dir: 'desc', size: 100, now: NOW })).users.map((u) => u.mail).sort();
  const stateOf = async (mail: string) => {
    for (const state of ['pending', 'expired', 'accepted', 'withdrawn', 'disabled'] as const) if ((await matches({ state })).includes(mail)) return state;
    return undefined;
  };

  it('follows invitations: pending, expired, resent, revoked, superseded, redeemed', async () => {
    const guest = await users.create({ mail: 'ivy@partner.example', userType: 'Guest', externalUserState: 'PendingAcceptance' });
    expect(await stateOf('ivy@partner.example')).toBe('withdrawn');
    const first = invitation(guest.id, '2026-12-10T00:00:00.000Z');
    await database().transaction((trx) => invitations.insert(first, trx));
    expect(await stateOf('ivy@partner.example')).toBe('pending');
    await invitations.update(first.id, { expires_at: '2026-12-01T00:00:00.000Z' });
    expect(await stateOf('ivy@partner.example')).toBe('expired');
    await invitations.update(first.id, { expires_at: '2026-12-30T00:00:00.000Z' }); // resent: a new expiry
    expect(await stateOf('ivy@partner.example')).toBe('pending');
    await invitations.update(first.id, { status: 'Revoked', revoked_at: NOW });
    expect(await stateOf('ivy@partner.example')).toBe('withdrawn');

    const second = invitation(guest.id, '2026-12-20T00:00:00.000Z');
    await invitations.insert(second);
    await database().transaction((trx) => invitations.supersedePending(guest.id, trx));
    expect(await stateOf('ivy@partner.example')).toBe('withdrawn');

    const third = invitation(guest.id, '2026-12-20T00:00:00.000Z');
    await invitations.insert(third);
    expect(await stateOf('ivy@partner.example')).toBe('pending');
    // A rolled-back change leaves the row as it was.
    await expect(
      database().transaction(async (trx) => {
        await invitations.markRedeemed(third.id, third.ticket_hash!, trx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await stateOf('ivy@partner.example')).toBe('pending');
    await database().transaction(async (trx) => {
      expect(await invitations.markRedeemed(third.id, third.ticket_hash!, trx)).toBe(true);
      await trx('users').where({ id: guest.id }).update({ external_user_state: 'Accepted' });
    });
    expect(await stateOf('ivy@partner.example')).toBe('accepted');
    await database()('users').where({ id: guest.id }).update({ account_enabled: false });
    expect(await stateOf('ivy@partner.example')).toBe('disabled');
  });

  it('follows invitations: the inviter of the first invitation; a rolled-back invitation leaves nothing', async () => {
    const guest = await users.create({ mail: 'kim@partner.example', userType: 'Guest', externalUserState: 'PendingAcceptance' });
    expect(await matches({ invitedById: 'alice' })).not.toContain('kim@partner.example');
    await expect(
      database().transaction(async (trx) => {
        await invitations.insert(invitation(guest.id, '2026-12-10T00:00:00.000Z', 'PendingAcceptance', 'mallory'), trx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await matches({ invitedById: 'mallory' })).not.toContain('kim@partner.example');
    await database().transaction((trx) => invitations.insert(invitation(guest.id, '2026-12-10T00:00:00.000Z', 'PendingAcceptance', 'alice'), trx));
    expect(await matches({ invitedById: 'alice' })).toContain('kim@partner.example');
    // A re-invitation by someone else keeps the first inviter.
    await invitations.insert(invitation(guest.id, '2026-12-20T00:00:00.000Z', 'PendingAcceptance', 'bob'));
    expect(await matches({ invitedById: 'alice' })).toContain('kim@partner.example');
    expect(await matches({ invitedById: 'bob' })).not.toContain('kim@partner.example');
  });

  it('partner: the email domain or the home IdP, each guest once, counted', async () => {
    const byDomain = await users.create({ mail: 'lu@acme.example', userType: 'Guest', externalUserState: 'Accepted' });
    const byIdp = await users.create({ mail: 'mo@gmail.example', userType: 'Guest', externalUserState: 'Accepted' });
    const both = await users.create({ mail: 'ned@acme.example', userType: 'Guest', externalUserState: 'Accepted' });
    const other = await users.create({ mail: 'oz@other.example', userType: 'Guest', externalUserState: 'Accepted' });
    await identities.link(byIdp.id, { idpId: 'acme-idp', issuer: 'https://acme.example/', subject: 'mo' });
    await identities.link(both.id, { idpId: 'acme-idp', issuer: 'https://acme.example/', subject: 'ned' });
    // A partner IdP linked second is not the home IdP.
    await identities.link(other.id, { idpId: 'google', issuer: 'https://google.example/', subject: 'oz' });
    await identities.link(other.id, { idpId: 'acme-idp', issuer: 'https://acme.example/', subject: 'oz' });
    const partner = { domains: ['acme.example', 'acme2.example'], idps: ['acme-idp'] };
    expect(await matches({ partner })).toEqual(['lu@acme.example', 'mo@gmail.example', 'ned@acme.example']);
    expect(await query.count({ partner }, NOW)).toBe(3);
    expect(await matches({ partner: { domains: [], idps: [] } })).toEqual([]);
    // Paged two at a time, every guest once, in order.
    const first = await query.page({ filter: { partner }, sort: 'email', dir: 'asc', size: 2, now: NOW });
    expect(first.users.map((u) => u.mail)).toEqual(['lu@acme.example', 'mo@gmail.example']);
    expect(first.hasMoreAfter).toBe(true);
    const last = first.users[1]!;
    const second = await query.page({ filter: { partner }, sort: 'email', dir: 'asc', size: 2, now: NOW, after: { sort: 'email:asc', value: first.keys[1]!, id: last.id } });
    expect(second.users.map((u) => u.mail)).toEqual(['ned@acme.example']);
    expect(second.hasMoreAfter).toBe(false);
    expect([byDomain.id, both.id]).toContain(first.users[0]!.id);
  });

  it('follows identities: the first linked IdP is the home IdP; removing all clears it', async () => {
    const guest = await users.create({ mail: 'jo@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    expect(await matches({ idp: 'partner' })).not.toContain('jo@partner.example');
    await database().transaction((trx) => identities.link(guest.id, { idpId: 'partner', issuer: 'https://partner.example/', subject: 'jo' }, trx));
    await identities.link(guest.id, { idpId: 'google', issuer: 'https://google.example/', subject: 'jo' });
    expect(await matches({ idp: 'partner' })).toContain('jo@partner.example');
    expect(await matches({ idp: 'google' })).not.toContain('jo@partner.example');
    await identities.removeAllForUser(guest.id);
    expect(await matches({ idp: 'partner' })).not.toContain('jo@partner.example');
    await identities.link(guest.id, { idpId: 'google', issuer: 'https://google.example/', subject: 'jo2' });
    expect(await matches({ idp: 'google' })).toContain('jo@partner.example');
  });
}

describe('guest filter columns on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-guest-columns-'));
  let db: Database;
  beforeAll(() => {
    db = connectDatabase(`sqlite:${join(dir, 'test.sqlite')}`);
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  suite(() => db);
});

describeWithPostgres('guest filter columns on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => pg.db);
});
