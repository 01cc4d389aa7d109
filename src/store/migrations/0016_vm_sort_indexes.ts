/**
 * The VM list sorted by any column at 100,000 VMs (issue 14, docs/performance.md §6), both dialects.
 *
 * 1. Joined names copied onto `vms`: `vapp_name`, `vdc_name` and `owner_name` (null when the VM has no owner).
 *    An index on `vms` cannot order rows by a column of `vapps`, `vdcs` or `users`, so sorting by vApp, VDC or
 *    owner sorted every VM of the scope. The copies are kept exact by triggers, not by the code that writes:
 *    a VM's row gets the names of its vApp, VDC and owner whenever it is inserted or its vApp, VDC or owner
 *    changes (however that happens: the generator, the declarative apply and its moves, the sync API, owner
 *    reassignment, ON DELETE SET NULL), and renaming a vApp, a VDC or a user rewrites the copies of its VMs in the
 *    same statement. A path that forgets the names cannot make the sort wrong; one that supplies them (the
 *    generator and the declarative apply do) saves SQLite a second write of the row.
 * 2. Indexes in page order, `(…, <column>, id)`, for the VM list's sortable columns in the two scopes the portal and
 *    `/api/query` use: tenant `(org_id, is_template, <column>, id)` and provider `(is_template, <column>, id)`.
 *    Both directions walk the same index (backwards for descending). Not partial indexes: the query engine binds
 *    `isVAppTemplate==false` as a parameter, and SQLite uses a partial index only when the query's WHERE proves the
 *    index's predicate with literals. The name order already had both shapes (0002). The status indexes carry the
 *    name too (see below).
 * 3. Two for the Data Centers page (below).
 *
 * Cost: seventeen more indexes on `vms` and one on `vapps`, each maintained on every write of its table; measured
 * with bench/inventory-apply.ts (docs/performance.md §6). No index for the columns the portal does not sort by.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The VM list's sortable columns other than the name (which 0002 indexed): portal sort -> `vms` column. */
export const VM_SORT_COLUMNS = ['status', 'vapp_name', 'vdc_name', 'guest_os', 'cpus', 'memory_mb', 'ip_address', 'owner_name'] as const;

/** Index names: `vms_org_sort_<column>` (tenant scope) and `vms_all_sort_<column>` (provider scope). */
export const tenantSortIndex = (column: string) => `vms_org_sort_${column}`;
export const providerSortIndex = (column: string) => `vms_all_sort_${column}`;

/** The copies' true values for a VM row (`vms.` in the backfill, `new.` in the triggers). */
const namesOf = (row: string) => ({
  vapp_name: `coalesce((select name from vapps where vapps.id = ${row}.vapp_id), '')`,
  vdc_name: `coalesce((select name from vdcs where vdcs.id = ${row}.vdc_id), '')`,
  owner_name: `(select name from users where users.id = ${row}.owner_id)`,
});

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('vms')
    .addColumn('vapp_name', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('vms')
    .addColumn('vdc_name', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.alterTable('vms').addColumn('owner_name', 'text').execute();
  await sql
    .raw(
      `update vms set ${Object.entries(namesOf('vms'))
        .map(([column, value]) => `${column} = ${value}`)
        .join(', ')}`,
    )
    .execute(db);

  if (dialect === 'postgres') await createPostgresTriggers(db);
  else await createSqliteTriggers(db);

  for (const column of VM_SORT_COLUMNS) {
    // The status indexes also carry the name, after the id (so the page order is unchanged): with three equality
    // columns SQLite picks them for the list's status filter, and the count of a name search within a status
    // (`name==*db*;status==POWERED_ON`) would otherwise read a table row per VM of that status (0.5 s at 100,000).
    const tail = column === 'status' ? ['id', 'name'] : ['id'];
    await db.schema
      .createIndex(tenantSortIndex(column))
      .on('vms')
      .columns(['org_id', 'is_template', column, ...tail])
      .execute();
    await db.schema
      .createIndex(providerSortIndex(column))
      .on('vms')
      .columns(['is_template', column, ...tail])
      .execute();
  }
  // Data Centers (src/http/portal/inventory-queries.ts): the usage of a page's VDCs sums its VMs' status, vCPUs,
  // memory and disk, and each VDC record counts its vApps and templates. Covered by these, the sums read no VM row
  // (they read all 100,000 before) and the counts no longer walk every vApp of the store per VDC (SQLite chose the
  // `is_template` index for `vdc_id = ? and is_template = ?`).
  await db.schema.createIndex(VDC_USAGE_INDEX).on('vms').columns(['vdc_id', 'status', 'cpus', 'memory_mb', 'disk_mb']).execute();
  await db.schema.createIndex(VDC_VAPPS_INDEX).on('vapps').columns(['vdc_id', 'is_template']).execute();
}

export const VDC_USAGE_INDEX = 'vms_vdc_usage';
export const VDC_VAPPS_INDEX = 'vapps_vdc_template';

/**
 * PostgreSQL: a BEFORE row trigger sets the copies on the row being written (no second write), and AFTER row
 * triggers on the parents rewrite their VMs' copies when a name really changes.
 */
async function createPostgresTriggers(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create function tessera_vm_names() returns trigger language plpgsql as $$ begin
        ${Object.entries(namesOf('new'))
          .map(([column, value]) => `new.${column} := ${value};`)
          .join('\n        ')}
        return new;
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger vms_names before insert or update of vapp_id, vdc_id, owner_id, vapp_name, vdc_name, owner_name on vms
       for each row execute function tessera_vm_names()`,
    )
    .execute(db);
  for (const [parent, column, key] of PARENTS) {
    await sql
      .raw(
        `create function tessera_${parent}_name_to_vms() returns trigger language plpgsql as $$ begin
          update vms set ${column} = new.name where ${key} = new.id;
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${parent}_name_to_vms after update of name on ${parent}
         for each row when (old.name is distinct from new.name) execute function tessera_${parent}_name_to_vms()`,
      )
      .execute(db);
  }
}

/** Parent table, the copy on `vms`, the VM's reference to the parent. */
const PARENTS = [
  ['vapps', 'vapp_name', 'vapp_id'],
  ['vdcs', 'vdc_name', 'vdc_id'],
  ['users', 'owner_name', 'owner_id'],
] as const;

/**
 * SQLite: no BEFORE trigger can change the row, so an AFTER trigger corrects the copies, and only when they are
 * wrong (three primary-key reads to check; a writer that supplies the right names pays no second write).
 */
async function createSqliteTriggers(db: Kysely<any>): Promise<void> {
  const actual = namesOf('new');
  const wrong = Object.entries(actual)
    .map(([column, value]) => `new.${column} is not ${value}`)
    .join(' or ');
  const fix = `update vms set ${Object.entries(actual)
    .map(([column, value]) => `${column} = ${value}`)
    .join(', ')} where id = new.id`;
  await sql.raw(`create trigger vms_names_insert after insert on vms when ${wrong} begin ${fix}; end`).execute(db);
  await sql
    .raw(
      `create trigger vms_names_update after update of vapp_id, vdc_id, owner_id, vapp_name, vdc_name, owner_name on vms
       when ${wrong} begin ${fix}; end`,
    )
    .execute(db);
  for (const [parent, column, key] of PARENTS) {
    await sql
      .raw(
        `create trigger ${parent}_name_to_vms after update of name on ${parent} when old.name is not new.name
         begin update vms set ${column} = new.name where ${key} = new.id; end`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.dropIndex(VDC_USAGE_INDEX).execute();
  await db.schema.dropIndex(VDC_VAPPS_INDEX).execute();
  for (const column of VM_SORT_COLUMNS) {
    await db.schema.dropIndex(tenantSortIndex(column)).execute();
    await db.schema.dropIndex(providerSortIndex(column)).execute();
  }
  for (const [parent] of PARENTS)
    await sql.raw(`drop trigger ${parent}_name_to_vms${dialect === 'postgres' ? ` on ${parent}` : ''}`).execute(db);
  if (dialect === 'postgres') {
    await sql.raw('drop trigger vms_names on vms').execute(db);
    await sql.raw('drop function tessera_vm_names()').execute(db);
    for (const [parent] of PARENTS) await sql.raw(`drop function tessera_${parent}_name_to_vms()`).execute(db);
  } else {
    await sql.raw('drop trigger vms_names_insert').execute(db);
    await sql.raw('drop trigger vms_names_update').execute(db);
  }
  for (const column of ['vapp_name', 'vdc_name', 'owner_name']) await db.schema.alterTable('vms').dropColumn(column).execute();
}
