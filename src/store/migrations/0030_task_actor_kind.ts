/**
 * A task records what kind of principal started it (`tasks.user_kind`): null for a user (every task until this
 * migration), `service_account` for a service account's session. The Task's `User` reference names whoever started
 * it, and a service account is no user: its reference is its cloudapi entity (inventory/documents/task.ts), not
 * `/api/admin/user/{id}`, which answers 404 for it. One nullable column (instant on PostgreSQL; a node still on the
 * previous release ignores it, and the tasks it records read as a user's), and the kept tasks of service accounts
 * that still exist are marked now, so their references resolve too.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('user_kind', 'text').execute();
  await db
    .updateTable('tasks')
    .set({ user_kind: 'service_account' })
    .where('user_id', 'in', db.selectFrom('service_accounts').select('id'))
    .execute();
}
