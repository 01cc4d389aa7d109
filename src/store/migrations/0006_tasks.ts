/**
 * VCD tasks (types in store/schema.ts `TaskTable`): the rows `/api/task/{id}` and `/api/query?type=task` read.
 * No foreign keys: a task outlives what it was about (the task of an org's deletion names a deleted org), so
 * owner and org names are kept on the row. Indexed for the org's list (newest first) and for the pruning of
 * expired rows. Listed by the query service (`type=task`), so its writes bump `inventory_state.version` like the
 * inventory tables' (0002), or a cached count would outlive a new task.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('org_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('operation_name', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('owner_name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_org_id', 'text')
    .addColumn('user_org_name', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_status', 'integer')
    .addColumn('error_message', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tasks_org_started').on('tasks').columns(['org_id', 'started_at']).execute();
  await db.schema.createIndex('tasks_expires').on('tasks').column('expires_at').execute();

  const bump = 'update inventory_state set version = version + 1 where id = 1';
  if (dialect === 'postgres') {
    // The trigger function was created by 0002.
    await sql
      .raw(
        'create trigger tasks_inventory_version after insert or delete or update on tasks for each statement execute function tessera_bump_inventory_version()',
      )
      .execute(db);
    await sql
      .raw(
        'create trigger tasks_inventory_version_truncate after truncate on tasks for each statement execute function tessera_bump_inventory_version()',
      )
      .execute(db);
    return;
  }
  for (const event of ['insert', 'delete', 'update']) {
    await sql.raw(`create trigger tasks_inventory_version_${event} after ${event} on tasks begin ${bump}; end`).execute(db);
  }
}
