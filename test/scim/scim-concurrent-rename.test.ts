/**
 * Two SCIM requests at the same moment renaming two users to the same userName (a provisioning
 * service retrying, or two services): the check that the name is free passes for both, and the
 * database's unique index decides. The loser gets SCIM's 409 `uniqueness`, never a 500, and is
 * left as it was; the winner has the name. On SQLite and on PostgreSQL (where the two transactions
 * really overlap), with PATCH and with PUT.
 */
import { describe, expect, it } from 'vitest';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';
import { useWorld } from '../support/world.js';
import { ERROR, PATCH_OP, ScimDriver, scimToken, USER } from './scim-driver.js';

const hr = scimToken();
const ROUNDS = 8;

describe('on SQLite', () => suite(() => ({})));
describeWithPostgres('on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});

function suite(storage: () => { databaseUrl?: string }) {
  const world = useWorld(() => ({
    ...storage(),
    customize: (config) => {
      config.scim = { clients: [{ id: 'hr', displayName: 'Contoso HR', tokenSha256: hr.sha256, provisions: 'members' }] };
    },
  }));
  const scim = () => new ScimDriver(world.issuer, hr.token);

  for (const method of ['PATCH', 'PUT'] as const) {
    it(`${method}: of two renames to one userName, one wins and the other is a 409 uniqueness, nothing half-written`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const names = [`${method.toLowerCase()}-a${round}@contoso.example`, `${method.toLowerCase()}-b${round}@contoso.example`];
        const ids: string[] = [];
        for (const name of names) {
          const created = await scim().createUser(name);
          expect(created.status).toBe(201);
          ids.push(created.body.id!);
        }
        const wanted = `${method.toLowerCase()}-taken${round}@contoso.example`;
        const rename = (id: string) =>
          method === 'PATCH'
            ? scim().send('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: wanted }] })
            : scim().send('PUT', `/Users/${id}`, { schemas: [USER], userName: wanted, name: { givenName: 'Taken', familyName: 'Test' }, active: true });
        const answers = await Promise.all(ids.map(rename));
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        const loser = answers.findIndex((a) => a.status === 409);
        expect(answers[loser]!.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
        const rows = await world.foyer.foyer.db('users').whereIn('id', ids).select('id', 'mail');
        expect(Object.fromEntries(rows.map((r) => [r.id, r.mail]))).toEqual({ [ids[1 - loser]!]: wanted, [ids[loser]!]: names[loser] });
        // The loser's audit has no rename in it.
        expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Update user', target_id: ids[loser] })).toEqual([]);
      }
    });
  }
}
