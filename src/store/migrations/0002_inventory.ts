/**
 * Inventory: VDCs, vApps, VMs, metadata (types in src/inventory/schema.ts). Portable DDL for SQLite and PostgreSQL.
 *
 * The indexes follow the query service's access paths, so that the page query (ORDER BY name, id LIMIT/OFFSET)
 * and the exact COUNT of every common filter are served from an index, also for 100,000 VMs in one org:
 * - tenant scope:  (org_id, name, id), (org_id, is_template, name, id)  → `isVAppTemplate==false` pages and counts;
 * - one VDC:       (vdc_id, name, id), (vdc_id, is_template, name, id)  → govcd's `vdc==<href>` filter;
 * - System scope:  (name, id), (is_template, name, id)                  → adminVM across all orgs;
 * - (vapp_id) for a vApp's children, (owner_id) so deleting a user (ON DELETE SET NULL) does not scan.
 *
 * `inventory_state.version` is bumped by triggers on every table (and column) a query result depends on; the
 * query caches compare it to decide whether a cached count or page is still exact (inventory/query/cache.ts).
 * PostgreSQL fires once per statement; SQLite has only row triggers, so a bulk insert bumps it once per row
 * (about a microsecond each inside the transaction).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Tables whose changes alter query results, and for the shared identity tables only the columns records show. */
const VERSIONED: ReadonlyArray<{ table: string; columns: readonly string[] | null }> = [
  { table: 'vdcs', columns: null },
  { table: 'vapps', columns: null },
  { table: 'vms', columns: null },
  { table: 'metadata', columns: null },
  { table: 'orgs', columns: ['name', 'full_name', 'description', 'is_enabled', 'deployed_vm_quota', 'stored_vm_quota'] },
  { table: 'users', columns: ['org_id', 'name', 'full_name', 'email', 'is_enabled', 'role_id', 'deployed_vm_quota', 'stored_vm_quota'] },
  { table: 'roles', columns: ['name'] },
];

const BUMP = 'update inventory_state set version = version + 1 where id = 1';

async function createVersionTriggers(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql
      .raw(`create function tessera_bump_inventory_version() returns trigger language plpgsql as $$ begin ${BUMP}; return null; end $$`)
      .execute(db);
    for (const { table, columns } of VERSIONED) {
      const update = columns ? `update of ${columns.join(', ')}` : 'update';
      await sql
        .raw(
          `create trigger ${table}_inventory_version after insert or delete or ${update} on ${table} for each statement execute function tessera_bump_inventory_version()`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger ${table}_inventory_version_truncate after truncate on ${table} for each statement execute function tessera_bump_inventory_version()`,
        )
        .execute(db);
    }
    return;
  }
  for (const { table, columns } of VERSIONED) {
    const events = { insert: 'insert', delete: 'delete', update: columns ? `update of ${columns.join(', ')}` : 'update' };
    for (const [name, event] of Object.entries(events)) {
      await sql.raw(`create trigger ${table}_inventory_version_${name} after ${event} on ${table} begin ${BUMP}; end`).execute(db);
    }
  }
}

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('inventory_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('inventory_state').values({ id: 1, version: 1 }).execute();

  await db.schema
    .createTable('vdcs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('allocation_model', 'text', (c) => c.notNull())
    .addColumn('is_enabled', 'integer', (c) => c.notNull())
    .addColumn('cpu_allocated_mhz', 'bigint', (c) => c.notNull())
    .addColumn('cpu_limit_mhz', 'bigint', (c) => c.notNull())
    .addColumn('memory_allocated_mb', 'bigint', (c) => c.notNull())
    .addColumn('memory_limit_mb', 'bigint', (c) => c.notNull())
    .addColumn('storage_limit_mb', 'bigint', (c) => c.notNull())
    .addColumn('storage_profile', 'text', (c) => c.notNull())
    .addColumn('network_name', 'text')
    .addColumn('vm_quota', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('vdcs_org_name', ['org_id', 'name'])
    .execute();
  await db.schema.createIndex('vdcs_name').on('vdcs').columns(['name', 'id']).execute();

  await db.schema
    .createTable('vapps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('vdc_id', 'text', (c) => c.notNull().references('vdcs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('is_deployed', 'integer', (c) => c.notNull())
    .addColumn('is_template', 'integer', (c) => c.notNull())
    .addColumn('catalog_name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vapps_org_template_name').on('vapps').columns(['org_id', 'is_template', 'name', 'id']).execute();
  await db.schema.createIndex('vapps_vdc_name').on('vapps').columns(['vdc_id', 'name', 'id']).execute();
  await db.schema.createIndex('vapps_template_name').on('vapps').columns(['is_template', 'name', 'id']).execute();
  await db.schema.createIndex('vapps_owner').on('vapps').column('owner_id').execute();

  await db.schema
    .createTable('vms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('vdc_id', 'text', (c) => c.notNull().references('vdcs.id').onDelete('cascade'))
    .addColumn('vapp_id', 'text', (c) => c.notNull().references('vapps.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('guest_os', 'text', (c) => c.notNull())
    .addColumn('cpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('storage_profile', 'text', (c) => c.notNull())
    .addColumn('network_name', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('hardware_version', 'integer', (c) => c.notNull())
    .addColumn('is_deployed', 'integer', (c) => c.notNull())
    .addColumn('is_template', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vms_org_name').on('vms').columns(['org_id', 'name', 'id']).execute();
  await db.schema.createIndex('vms_org_template_name').on('vms').columns(['org_id', 'is_template', 'name', 'id']).execute();
  await db.schema.createIndex('vms_vdc_name').on('vms').columns(['vdc_id', 'name', 'id']).execute();
  await db.schema.createIndex('vms_vdc_template_name').on('vms').columns(['vdc_id', 'is_template', 'name', 'id']).execute();
  await db.schema.createIndex('vms_name').on('vms').columns(['name', 'id']).execute();
  await db.schema.createIndex('vms_template_name').on('vms').columns(['is_template', 'name', 'id']).execute();
  await db.schema.createIndex('vms_vapp').on('vms').columns(['vapp_id', 'name']).execute();
  await db.schema.createIndex('vms_owner').on('vms').column('owner_id').execute();

  await db.schema
    .createTable('metadata')
    .addColumn('entity_kind', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('value_type', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('metadata_pk', ['entity_kind', 'entity_id', 'domain', 'key'])
    .execute();

  await createVersionTriggers(db, dialect);
}
