import type { Database } from '../db/connect.js';

/** What the directory says about one user for one app: their groups, and the app's assignments that reach them. */
export interface DirectoryFacts {
  /** Every group the user is a member of. */
  groupIds: string[];
  /** The role ids granted to the user at this app, directly or through a group (lower case). */
  roleIds: Set<string>;
  /** The user's groups that are assigned to this app (in any role): Entra's ApplicationGroup. */
  assignedGroupIds: Set<string>;
}

interface FactRow {
  kind: string;
  id: string;
  role: string | null;
}

/**
 * One query per token (the token path is hot; docs/benchmarks.md): the user's memberships, and the
 * app's assignments to the user or to any of those groups, as one UNION ALL.
 */
export async function directoryFacts(db: Database, appId: string, userId: string): Promise<DirectoryFacts> {
  const rows: FactRow[] = await db
    .select(db.raw("'Member' as kind"), 'group_id as id', db.raw('null as role'))
    .from('group_members')
    .where({ user_id: userId })
    .unionAll((q) =>
      q
        .select('principal_type as kind', 'principal_id as id', 'app_role_id as role')
        .from('app_assignments')
        .where({ app_id: appId })
        .andWhere((w) =>
          w
            .where({ principal_type: 'User', principal_id: userId })
            .orWhere((g) => g.where({ principal_type: 'Group' }).whereIn('principal_id', db('group_members').select('group_id').where({ user_id: userId }))),
        ),
    );
  const facts: DirectoryFacts = { groupIds: [], roleIds: new Set(), assignedGroupIds: new Set() };
  for (const row of rows) {
    if (row.kind === 'Member') facts.groupIds.push(row.id);
    else {
      if (row.role) facts.roleIds.add(row.role.toLowerCase());
      if (row.kind === 'Group') facts.assignedGroupIds.add(row.id);
    }
  }
  return facts;
}
