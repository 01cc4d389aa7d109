/**
 * Inventory the provider owns (issue 12 §2): VDCs, vApps and VMs written by `tessera inventory apply` or by an
 * agent through the sync API carry where they came from, so a later apply or sync finds them again and never
 * touches anything else (the demo seed, `tessera seed`'s generated rows, another agent's objects).
 *
 * - `external_id`: the provider's stable id of the object (unique per table; NULL for rows no source owns).
 * - `source`: which file or agent owns the row ("file", or the agent's source name); pruning is per source.
 * - `spec_hash`: SHA-256 of the row as last written (with its metadata and ExtraConfig), so a second apply of
 *   the same document compares one column instead of re-reading and comparing every field of 100,000 VMs.
 * - VDC usage (`*_used_*`) and storage profiles (JSON list of {name, limitMb}), a VM's MAC address: what the
 *   file can state and the documents render.
 * - `inventory_sources`: one row per source with its committed and open generation.
 * - `inventory_sync_seen`: the external ids an agent sent in its open generation. Committing generation G deletes
 *   the source's rows not seen in G (what disappeared from the agent's full sync). Kept apart from the
 *   inventory rows so that re-sending unchanged objects writes no inventory row and so keeps the query caches.
 * - The new right "Inventory: Sync" is granted to the System org's System Administrator role (roles hold a copy
 *   of their rights, so a store created before this migration would otherwise lack it).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const SYSTEM_ORG_ID = 'a93c9db9-7471-3192-8d09-a8f7eeda85f9';
const INVENTORY_SYNC_RIGHT = 'Inventory: Sync';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  for (const table of ['vdcs', 'vapps', 'vms']) {
    await db.schema.alterTable(table).addColumn('external_id', 'text').execute();
    await db.schema.alterTable(table).addColumn('source', 'text').execute();
    await db.schema.alterTable(table).addColumn('spec_hash', 'text').execute();
    await db.schema.createIndex(`${table}_external_id`).on(table).column('external_id').unique().execute();
    await db.schema.createIndex(`${table}_source`).on(table).column('source').execute();
  }
  for (const column of ['cpu_used_mhz', 'memory_used_mb', 'storage_used_mb']) {
    await db.schema
      .alterTable('vdcs')
      .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  await db.schema
    .alterTable('vdcs')
    .addColumn('storage_profiles', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('vms').addColumn('mac_address', 'text').execute();

  await db.schema
    .createTable('inventory_sources')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('committed_generation', 'bigint', (c) => c.notNull())
    .addColumn('open_generation', 'bigint')
    .addColumn('open_started_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('inventory_sync_seen')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_sync_seen_pk', ['source', 'generation', 'kind', 'external_id'])
    .execute();

  await sql`insert into role_rights (role_id, right_name)
    select id, ${INVENTORY_SYNC_RIGHT} from roles
    where org_id = ${SYSTEM_ORG_ID} and name = 'System Administrator'
      and not exists (select 1 from role_rights rr where rr.role_id = roles.id and rr.right_name = ${INVENTORY_SYNC_RIGHT})`.execute(db);
}
