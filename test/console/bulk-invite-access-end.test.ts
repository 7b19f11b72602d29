/**
 * The bulk invitation runner and access ends. The runner sends a confirmed file's rows as its
 * uploader is *when each row is sent*: a guest holding Guest Inviter whose access end has passed
 * (one second after, before any sweep, the stored flag still on) sends nothing more, every
 * remaining row failed with consolePermissionRequired, nothing invited or mailed. And a row naming
 * a guest whose access has ended is refused (accessEndRequired: a CSV row has no new end, so its
 * link could never work): nothing written or mailed for that guest, who still may not sign in. Real Foyer and its runner, the jobs stored as the console stores them, the lifecycle
 * clock moved by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountUsable } from '../../src/directory/account-usable.js';
import { BulkInvitationJobs } from '../../src/invitations/bulk/bulk-jobs.js';
import type { BulkRow } from '../../src/invitations/bulk/bulk-validate.js';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
const db = () => world.foyer.foyer.db;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();
const justAfter = (end: string) => clock.set(new Date(Date.parse(end) + 1000));

beforeAll(async () => {
  world = await startWorld({ portal: true, smtp: true, clock, members: ['sponsor@contoso.example', 'inviter@contoso.example'] });
  await world.foyer.foyer.users.setRoles(world.members['inviter@contoso.example']!, ['guestInviter']);
});
afterAll(() => world?.stop());

const row = (line: number, email: string): BulkRow => ({ line, email, sendMail: true });

/** A file stored and confirmed as the console does it, then sent by the node's runner. */
async function sendFile(uploader: { id: string; displayName: string }, rows: BulkRow[]) {
  const jobs = new BulkInvitationJobs(db());
  const job = await jobs.create(uploader, 'guests.csv', rows);
  await jobs.confirm(job);
  await world.foyer.foyer.bulkInvitations.drain();
  return { progress: await jobs.progress((await jobs.find(job.id))!), results: await jobs.results(job.id) };
}

const written = async () => ({
  users: await db()('users').orderBy('id').select('id', 'account_enabled', 'access_expires_at', 'external_user_state', 'updated_at'),
  invitations: await db()('invitations').orderBy('id').select('id', 'status', 'user_id'),
  mails: world.smtp.messages.length,
});

/** A guest invited with an access end, by the sponsor's portal, accepted by nobody yet. */
async function guestWithEnd(email: string, end: string): Promise<string> {
  const { userId } = await world.invite(email, { sendInvitationMessage: false, invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], accessExpirationDateTime: end });
  return userId;
}

describe('an uploader whose access has ended', () => {
  it('sends nothing more: every remaining row fails with consolePermissionRequired, nothing invited or mailed', async () => {
    const end = inDays(5);
    const uploaderId = await guestWithEnd('pat@partner.example', end);
    await world.foyer.foyer.users.setRoles(uploaderId, ['guestInviter']);
    const uploader = { id: uploaderId, displayName: 'Pat' };

    // Before the end the same uploader sends (the check below is about the end, not the role).
    const sent = await sendFile(uploader, [row(2, 'one@bulk.example')]);
    expect(sent.progress).toMatchObject({ status: 'done', invited: 1, failed: 0 });

    justAfter(end);
    const user = (await world.foyer.foyer.users.findById(uploaderId))!;
    expect([user.accountEnabled, accountUsable(user, clock.now())]).toEqual([true, false]); // no sweep has run
    const before = await written();
    const refused = await sendFile(uploader, [row(2, 'two@bulk.example'), row(3, 'three@bulk.example')]);
    expect(refused.progress).toMatchObject({ status: 'done', invited: 0, failed: 2 });
    expect(refused.results.map((r) => [r.line, r.status, r.errorCode, r.invitationId])).toEqual([
      [2, 'failed', 'consolePermissionRequired', null],
      [3, 'failed', 'consolePermissionRequired', null],
    ]);
    expect(await written()).toEqual(before);
  });
});

describe('a row naming a guest whose access has ended', () => {
  it('is refused, not invited: the row failed with accessEndRequired, users, invitations and mails unchanged, the guest still may not sign in', async () => {
    const end = inDays(5);
    const guestId = await guestWithEnd('gus@partner.example', end);
    justAfter(end);
    const before = await written();
    const { progress, results } = await sendFile({ id: world.members['inviter@contoso.example']!, displayName: 'Inviter' }, [row(2, 'gus@partner.example'), row(3, 'new@bulk.example')]);
    // A CSV row has no accessExpirationDateTime: it cannot carry the new end that gives access back,
    // so its link could never work. The other rows are sent as usual.
    expect(progress).toMatchObject({ status: 'done', invited: 1, failed: 1 });
    expect(results.map((r) => [r.line, r.status, r.errorCode])).toEqual([
      [2, 'failed', 'accessEndRequired'],
      [3, 'invited', null],
    ]);
    expect(results[0]!.errorMessage).toContain(`ended on ${end}`);
    const after = await written();
    const gus = (w: Awaited<ReturnType<typeof written>>) => ({ user: w.users.find((u) => u.id === guestId), invitations: w.invitations.filter((i) => i.user_id === guestId) });
    expect(gus(after)).toEqual(gus(before));
    expect(after.mails).toBe(before.mails + 1); // the other row's mail only
    expect(await world.smtp.waitForMessage('new@bulk.example')).toBeTruthy();
    const guest = (await world.foyer.foyer.users.findById(guestId))!;
    expect([guest.accessExpiresAt, accountUsable(guest, clock.now())]).toEqual([end, false]);
  });
});
