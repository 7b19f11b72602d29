/** Access reviews that cannot run as written are refused at start, one `file: key.path: problem` line each. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { startFoyer } from '../support/start-foyer.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-reviews-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = { id: 'wiki', displayName: 'Wiki', clientSecret: 'x'.repeat(32), redirectUris: ['https://wiki.example/cb'] };
const review = (extra: Record<string, unknown>) => ({ id: 'quarterly', displayName: 'Quarterly', scope: 'allGuests', reviewers: ['sponsors'], recurrence: { every: '90d' }, durationInDays: 14, ...extra });

function problemsOf(accessReviews: unknown[]): string[] {
  const file = join(mkdtempSync(join(dir, 'cfg-')), 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'] }, apps: [app], accessReviews }));
  try {
    loadConfig(file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

it('accepts a well-formed review, in days or as an ISO duration', () => {
  expect(problemsOf([review({}), review({ id: 'wiki-owners', scope: { app: 'wiki' }, reviewers: [{ users: ['ann@contoso.example'] }], recurrence: { every: 'P12W' } })])).toEqual([]);
});

it('refuses bad schedules, unknown apps, partners and reviewers, and reviewers that do not fit the scope', () => {
  const problems = problemsOf([
    review({ id: 'a1', recurrence: { every: 'monthly' } }),
    review({ id: 'a2', recurrence: { every: '7d' }, durationInDays: 14 }),
    review({ id: 'a3', scope: { app: 'nope' } }),
    review({ id: 'a4', scope: { partner: 'nobody' } }),
    review({ id: 'a5', reviewers: ['appOwners'] }),
    review({ id: 'a6', scope: { app: 'wiki' }, reviewers: ['appOwners'] }),
    review({ id: 'a7', reviewers: ['groupOwners'] }),
    review({ id: 'a8', reviewers: [{ users: ['not-an-email'] }] }),
    review({ id: 'a8' }),
    review({ id: 'a9', reviewers: [{ users: ['someone@elsewhere.example'] }] }),
  ]).join('\n');
  expect(problems).toMatch(/accessReviews\[0\]\.recurrence\.every: "monthly" is not a schedule/);
  expect(problems).toMatch(/accessReviews\[1\]\.durationInDays: a review lasts 14 days but a new one starts every 7/);
  expect(problems).toMatch(/accessReviews\[2\]\.scope\.app: unknown app "nope"/);
  expect(problems).toMatch(/accessReviews\[3\]\.scope\.partner: unknown partner "nobody"/);
  expect(problems).toMatch(/accessReviews\[4\]\.reviewers\[0\]: appOwners reviews need an app scope/);
  expect(problems).toMatch(/accessReviews\[5\]\.reviewers\[0\]: app "wiki" has no owners/);
  expect(problems).toMatch(/accessReviews\[6\]\.reviewers\[0\]: groupOwners reviews need a group scope/);
  expect(problems).toMatch(/accessReviews\[7\]\.reviewers\[0\]\.users\[0\]: is not a valid email/);
  expect(problems).toMatch(/accessReviews\[9\]\.reviewers\[0\]\.users\[0\]: unknown reviewer "someone@elsewhere\.example"/);
  expect(problems).toMatch(/accessReviews\[8\]\.id: duplicate access review id "a8"/);
});

it('refuses to start with a review of a group that is not in the directory', async () => {
  const started = startFoyer((config) => {
    config.accessReviews = [review({ id: 'team', scope: { group: '00000000-0000-4000-8000-000000000000' }, reviewers: ['groupOwners'] })];
  });
  await expect(started).rejects.toThrow(/accessReviews\[0\]\.scope\.group: unknown group "00000000-0000-4000-8000-000000000000"/);
});
