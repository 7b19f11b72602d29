/**
 * Every write to `users` in src/ goes through writeUsers (src/directory/user-writes.ts): a node's
 * copy of a user is dropped only when the write announced itself, so a write that bypasses it
 * would let a disabled user's refresh tokens keep working on a node that had a copy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Writes of `users` not inside a writeUsers call, as "file:line: text". */
export function directUserWrites(file: string, text: string): string[] {
  const found: string[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const lines = text.split('\n');
  const inWriteUsers = (index: number) => /writeUsers\(/.test(lines[lineOf(index) - 1] ?? '');
  // Query builders on the table (db('users'), trx('users'), .into('users'), .table('users')), statement by statement.
  let at = 0;
  for (const statement of text.split(';')) {
    const table = /\(\s*['"`]users['"`]\s*\)/.exec(statement);
    if (table && !/writeUsers\(/.test(statement) && /\.(?:insert|update|upsert|delete|del|truncate|increment|decrement|merge)\s*\(/.test(statement)) found.push(`${file}:${lineOf(at + table.index)}`);
    at += statement.length + 1;
  }
  // Raw SQL.
  for (const m of text.matchAll(/\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?users["`]?(?![\w.])/gi)) {
    if (!inWriteUsers(m.index)) found.push(`${file}:${lineOf(m.index)}`);
  }
  // A table name chosen at run time could be `users`: not allowed either.
  // (A helper that takes any table must refuse this one at run time, as deleteInBatches does.)
  if (!text.includes("table === 'users'")) for (const m of text.matchAll(/\b(?:trx|db)\(\s*table\s*\)/g)) found.push(`${file}:${lineOf(m.index)}`);
  return found;
}

describe('the one write path of users', () => {
  it('no file in src/ writes users except through writeUsers', () => {
    const offenders = sourceFiles(SRC).flatMap((f) => directUserWrites(relative(SRC, f), readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the check finds each kind of direct write (so the test above can fail)', () => {
    const samples = [
      "await trx('users').where({ id }).update({ account_enabled: false });",
      "await this.db('users')\n  .where({ id })\n  .delete();",
      "await db.insert(row).into('users');",
      "await trx.raw('UPDATE users SET mail = ? WHERE id = ?', [m, id]);",
      'await db.raw(`DELETE FROM "users" WHERE id = ?`, [id]);',
      "const n = await trx(table).where({ id }).update(patch);",
    ];
    for (const sample of samples) expect(directUserWrites('sample.ts', sample), sample).toHaveLength(1);
    const allowed = [
      "await writeUsers(trx, id, (users) => users.where({ id }).update({ roles }));",
      "await writeUsers(trx, id, () => trx.raw('UPDATE users SET invited_by_id = ? WHERE id = ?', [x, id]));",
      "const row = await trx('users').where({ id }).first();",
      "await trx('user_sponsors').where({ user_id: id }).delete();",
    ];
    for (const sample of allowed) expect(directUserWrites('sample.ts', sample), sample).toEqual([]);
  });
});
