/**
 * PostgreSQL: every statement that bumps `inventory_state.version` (the triggers of 0002, 0006 and 0022) locks the
 * version row before it touches a row of its own. The bump runs after the statement, so until this migration its
 * lock came after the statement's row locks: a single statement (a vApp's delete, whose cascade reaches its VMs and
 * metadata) held its rows and waited for the version row, which a transaction holding it since an earlier write
 * held while it waited for one of those rows, and PostgreSQL failed one of the two as a deadlock (a 503). With
 * `Store.transaction` taking the row first, every bumping writer takes it before its rows, and all take turns.
 * Same tables, events and columns as the bumps; a lock, not a second bump. SQLite has one writer: nothing to do.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Each table whose writes bump the version, with the update columns its bump trigger names (null: every column). */
const BUMPED: ReadonlyArray<{ table: string; columns: string | null }> = [
  { table: 'vdcs', columns: null },
  { table: 'vapps', columns: null },
  { table: 'vms', columns: null },
  { table: 'metadata', columns: null },
  { table: 'tasks', columns: null },
  { table: 'orgs', columns: 'name, full_name, description, is_enabled, deployed_vm_quota, stored_vm_quota' },
  { table: 'users', columns: 'org_id, name, full_name, email, is_enabled, role_id, deployed_vm_quota, stored_vm_quota' },
  { table: 'roles', columns: 'name, description, read_only' },
  { table: 'groups', columns: 'org_id, name, role_id' },
];

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql
    .raw(
      'create function tessera_lock_inventory_version() returns trigger language plpgsql as ' +
        '$$ begin perform 1 from inventory_state where id = 1 for update; return null; end $$',
    )
    .execute(db);
  for (const { table, columns } of BUMPED) {
    const update = columns ? `update of ${columns}` : 'update';
    await sql
      .raw(
        `create trigger ${table}_inventory_version_lock before insert or delete or ${update} or truncate on ${table} ` +
          'for each statement execute function tessera_lock_inventory_version()',
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const { table } of BUMPED) await sql.raw(`drop trigger ${table}_inventory_version_lock on ${table}`).execute(db);
  await sql.raw('drop function tessera_lock_inventory_version()').execute(db);
}
