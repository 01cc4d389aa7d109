/**
 * Migration 0030 (`tasks.user_kind`): the tasks kept from before it that a still existing service account started
 * are marked as its, so their `User` reference resolves (inventory/documents/task.ts); a user's stay a user's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { registerFunctions } from '../../src/store/sqlite.js';
import { migrateTo } from '../../src/store/migrate.js';

test("migration 0030 marks the kept tasks of existing service accounts as theirs, and no user's", async (t) => {
  const database = new Database(':memory:');
  registerFunctions(database);
  database.pragma('foreign_keys = OFF'); // a service account and tasks alone, without their org and role
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  t.after(() => db.destroy());
  await migrateTo(db, 'sqlite', '0029_revocations_by_subject');

  const account = randomUUID();
  const [user, gone] = [randomUUID(), randomUUID()];
  await db
    .insertInto('service_accounts')
    .values({
      id: account,
      org_id: randomUUID(),
      name: 'agent',
      name_lower: 'agent',
      software_id: randomUUID(),
      role_id: randomUUID(),
      status: 'ACTIVE',
      created_at: 0,
      last_used_ips: '[]',
    })
    .execute();
  const task = (id: string, userId: string) => ({
    id,
    org_id: 'o',
    org_name: 'o',
    status: 'success',
    operation_name: 'orgCreateOrg',
    operation: 'Created',
    progress: 100,
    owner_kind: 'org',
    owner_id: 'o',
    owner_name: 'o',
    user_id: userId,
    user_name: 'n',
    user_org_id: null,
    user_org_name: 'System',
    started_at: 0,
    ended_at: 0,
    expires_at: 1,
  });
  // A user's task, a service account's, and one of an account deleted since (nothing tells it from a user's).
  await db
    .insertInto('tasks')
    .values([task('by-user', user), task('by-account', account), task('by-gone', gone)])
    .execute();

  await migrateTo(db, 'sqlite', '0030_task_actor_kind');
  const kinds = await db.selectFrom('tasks').select(['id', 'user_kind']).orderBy('id').execute();
  assert.deepEqual(kinds, [
    { id: 'by-account', user_kind: 'service_account' },
    { id: 'by-gone', user_kind: null },
    { id: 'by-user', user_kind: null },
  ]);
});
