/**
 * A node applying an ended access review is killed (a child process, kill -9) and another node
 * finishes: on PostgreSQL, with the job under a lease. Killed inside a decision's transaction, or
 * after a removal committed but before the guest's sessions ended: either way no decision is half
 * applied, every decision is applied exactly once and audited once, and every removed guest's
 * sessions and grants end once (one logout token owed per app session, reason `disabled`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateLatest } from '../../src/db/migrate.js';
import { manualClock } from '../../src/lib/clock.js';
import { createAdapterFactory } from '../../src/provider/adapters/index.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const START = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
const LOGOUT_URI = 'http://127.0.0.1:9/backchannel-logout';
const REVIEW = { id: 'quarterly', displayName: 'Quarterly guest review', scope: 'allGuests', reviewers: ['sponsors'], recurrence: { every: '90d' }, durationInDays: 14, defaultDecision: 'keep' };
const DECISIONS = { ann: 'Deny', ben: 'Deny', cat: 'Approve', dan: 'Deny' } as const;

for (const stopAt of ['inTransaction', 'afterCommit'] as const) {
  describeWithPostgres(`an access review whose applying node is killed (${stopAt})`, () => {
    const pg = freshPostgresSchema();
    const guests: Record<string, string> = {};
    let survivor: RunningFoyer | undefined;

    beforeAll(async () => {
      await migrateLatest(pg.db);
      const sessions = createAdapterFactory({ db: pg.db });
      const minutesAgo = (m: number) => new Date(Date.parse(START) - m * 60_000).toISOString();
      await pg.db('access_review_instances').insert({ id: 'instance-1', definition_id: REVIEW.id, starts_at: minutesAgo(14 * 24 * 60), ends_at: minutesAgo(1), status: 'InProgress' });
      let n = 0;
      for (const [name, decision] of Object.entries(DECISIONS)) {
        n++;
        const id = `00000000-0000-4000-8000-00000000000${n}`;
        guests[name] = id;
        await pg.db('users').insert({ id, mail: `${name}@partner.example`, mail_normalized: `${name}@partner.example`, display_name: name, user_type: 'Guest', account_enabled: true, external_user_state: 'Accepted', created_at: minutesAgo(60 * 24 * 100), updated_at: minutesAgo(60) });
        await pg.db('access_review_decisions').insert({ id: `decision-${n}`, instance_id: 'instance-1', principal_id: id, recommendation: 'Approve', decision, reviewed_at: minutesAgo(60) });
        // A session at the web app (which has a back-channel logout URI) and its grant, as oidc-provider stores them.
        await sessions('Session').upsert(`session-${n}`, { accountId: id, authorizations: { 'web-app': { sid: `sid-${n}`, grantId: `grant-${n}` } } }, 3600);
        await sessions('Grant').upsert(`grant-${n}`, { accountId: id, clientId: 'web-app' }, 3600);
      }
    });
    afterAll(() => survivor?.stop());

    it('the doomed node applies part of it and dies; another node finishes it whole, each decision once', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/review-applier.ts'), pg.url, START, stopAt, JSON.stringify(REVIEW), JSON.stringify([{ id: 'web-app', backchannelLogoutUri: LOGOUT_URI }])], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('midway') && resolve());
        child.once('exit', (code) => reject(new Error(`the review applier exited before midway (${code})`)));
      });
      child.kill('SIGKILL');
      await exited;

      // What the dead node left: ann applied whole; ben's removal rolled back (inTransaction) or committed with its sessions still owed (afterCommit).
      const applied = async () => Object.fromEntries((await pg.db('access_review_decisions').orderBy('id').select('principal_id', 'applied_at', 'sessions_ended_at')).map((r) => [r.principal_id, [Boolean(r.applied_at), Boolean(r.sessions_ended_at)]]));
      expect(await applied()).toEqual({
        [guests.ann!]: [true, true],
        [guests.ben!]: stopAt === 'inTransaction' ? [false, false] : [true, false],
        [guests.cat!]: [false, false],
        [guests.dan!]: [false, false],
      });
      expect(await pg.db('users').where({ id: guests.ben, account_enabled: false })).toHaveLength(stopAt === 'inTransaction' ? 0 : 1);

      // Another node, once the dead node's 60-second lease has run out.
      survivor = await startFoyer(
        (config) => {
          Object.assign((config.apps as Record<string, unknown>[])[0]!, { backchannelLogoutUri: LOGOUT_URI });
          config.accessReviews = [REVIEW];
        },
        { databaseUrl: pg.url, clock: manualClock(new Date(Date.parse(START) + 61_000)) },
      );
      expect((await survivor.foyer.jobs.runDue())['lifecycle: access reviews']).toBe('ran');

      expect(Object.values(await applied())).toEqual([[true, true], [true, true], [true, true], [true, true]]);
      expect((await pg.db('access_review_instances').where({ id: 'instance-1' }).first()).status).toBe('Completed');
      for (const [name, decision] of Object.entries(DECISIONS)) {
        const id = guests[name]!;
        const removed = decision === 'Deny';
        const audited = async (activity: string) => pg.db('audit_log').where({ activity, target_id: id, result: 'success' }).count({ n: '*' }).first().then((r) => Number(r!.n));
        expect({ name, enabled: (await pg.db('users').where({ id }).first()).account_enabled }).toEqual({ name, enabled: !removed });
        expect({ name, disabled: await audited('Disable account'), revoked: await audited('Revoke sign-in sessions') }).toEqual({ name, disabled: removed ? 1 : 0, revoked: removed ? 1 : 0 });
        const left = await pg.db('oidc_payloads').whereIn('model', ['Session', 'Grant']).whereRaw('payload like ?', [`%${id}%`]).pluck('model');
        expect({ name, left: left.sort() }).toEqual({ name, left: removed ? [] : ['Grant', 'Session'] });
        expect({ name, owed: await pg.db('logout_deliveries').where({ account_id: id }).pluck('reason') }).toEqual({ name, owed: removed ? ['disabled'] : [] });
      }
    }, 120_000);
  });
}
