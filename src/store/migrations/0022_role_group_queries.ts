/**
 * The query service lists roles (`type=role`, `adminRole`) and groups (`type=group`, `adminGroup`) since this
 * migration, so their writes must bump `inventory_state.version` like every table a cached query page depends on
 * (0002): roles already did for a new name only, now for every column a RoleRecord shows; groups did not at all.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const BUMP = 'update inventory_state set version = version + 1 where id = 1';
const ROLE_COLUMNS = 'name, description, read_only';
const GROUP_COLUMNS = 'org_id, name, role_id';

async function pgTriggers(db: Kysely<any>, table: string, columns: string): Promise<void> {
  await sql
    .raw(
      `create trigger ${table}_inventory_version after insert or delete or update of ${columns} on ${table} for each statement execute function tessera_bump_inventory_version()`,
    )
    .execute(db);
}

async function sqliteTriggers(db: Kysely<any>, table: string, columns: string): Promise<void> {
  const events = { insert: 'insert', delete: 'delete', update: `update of ${columns}` };
  for (const [name, event] of Object.entries(events)) {
    await sql.raw(`create trigger ${table}_inventory_version_${name} after ${event} on ${table} begin ${BUMP}; end`).execute(db);
  }
}

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    // The trigger function was created by 0002, and so was the roles' truncate trigger, which stays.
    await sql.raw('drop trigger roles_inventory_version on roles').execute(db);
    await pgTriggers(db, 'roles', ROLE_COLUMNS);
    await pgTriggers(db, 'groups', GROUP_COLUMNS);
    await sql
      .raw(
        'create trigger groups_inventory_version_truncate after truncate on groups for each statement execute function tessera_bump_inventory_version()',
      )
      .execute(db);
    return;
  }
  for (const name of ['insert', 'delete', 'update']) await sql.raw(`drop trigger roles_inventory_version_${name}`).execute(db);
  await sqliteTriggers(db, 'roles', ROLE_COLUMNS);
  await sqliteTriggers(db, 'groups', GROUP_COLUMNS);
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql.raw('drop trigger groups_inventory_version_truncate on groups').execute(db);
    await sql.raw('drop trigger groups_inventory_version on groups').execute(db);
    await sql.raw('drop trigger roles_inventory_version on roles').execute(db);
    await pgTriggers(db, 'roles', 'name');
    return;
  }
  for (const name of ['insert', 'delete', 'update']) {
    await sql.raw(`drop trigger groups_inventory_version_${name}`).execute(db);
    await sql.raw(`drop trigger roles_inventory_version_${name}`).execute(db);
  }
  await sqliteTriggers(db, 'roles', 'name');
}
