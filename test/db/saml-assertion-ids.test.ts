/**
 * The single-use store of unsolicited SAML assertion IDs (src/federation/saml-assertion-ids.ts):
 * an ID is accepted once per IdP, also when several nodes (connections) race with the same one,
 * on SQLite and on PostgreSQL; expired IDs are purged, live ones kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { SamlAssertionIds } from '../../src/federation/saml-assertion-ids.js';
import { CLOCK_SKEW_MS } from '../../src/federation/saml-connector.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const T0 = Date.parse('2026-12-07T12:00:00Z');

function contract(nodes: () => Database[]) {
  it('accepts an assertion ID once per IdP', async () => {
    const [db] = nodes();
    const ids = new SamlAssertionIds(db!, () => T0);
    expect(await ids.useOnce('contoso', '_a1', T0 + 300_000)).toBe(true);
    expect(await ids.useOnce('contoso', '_a1', T0 + 300_000)).toBe(false);
    // Another IdP's ID space is its own.
    expect(await ids.useOnce('fabrikam', '_a1', T0 + 300_000)).toBe(true);
    expect(await ids.useOnce('contoso', 'x'.repeat(257), T0 + 300_000)).toBe(false);
    expect(Number((await db!('saml_assertion_ids').where({ idp_id: 'contoso' }).count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('of several nodes racing with one ID, exactly one is first', async () => {
    const all = nodes();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => new SamlAssertionIds(all[i % all.length]!, () => T0).useOnce('contoso', '_race', T0 + 300_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('purges expired IDs and keeps live ones, also those the clock skew still accepts', async () => {
    const [db] = nodes();
    const ids = new SamlAssertionIds(db!, () => T0);
    await ids.useOnce('contoso', '_old', T0 - CLOCK_SKEW_MS - 1);
    await ids.useOnce('contoso', '_in_skew', T0 - CLOCK_SKEW_MS / 2);
    await ids.useOnce('contoso', '_live', T0 + 60_000);
    expect(await ids.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await ids.useOnce('contoso', '_live', T0 + 60_000)).toBe(false);
    // Past its NotOnOrAfter but within the skew the connector still accepts: a replay stays refused.
    expect(await ids.useOnce('contoso', '_in_skew', T0 - CLOCK_SKEW_MS / 2)).toBe(false);
    expect(await ids.useOnce('contoso', '_old', T0 + 60_000)).toBe(true);
  });
}

describe('SAML assertion IDs on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-assertion-ids-'));
  let db: Database;
  beforeAll(async () => {
    db = connectDatabase(`sqlite://${join(dir, 'foyer.db')}`);
    await migrateLatest(db);
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  contract(() => [db]);
});

describeWithPostgres('SAML assertion IDs on PostgreSQL', () => {
  const schema = freshPostgresSchema();
  const nodes: Database[] = [];
  beforeAll(async () => {
    await migrateLatest(schema.db);
    nodes.push(schema.db, connectDatabase(schema.url), connectDatabase(schema.url));
  });
  afterAll(async () => {
    await Promise.all(nodes.slice(1).map((db) => db.destroy()));
  });
  contract(() => nodes);
});
