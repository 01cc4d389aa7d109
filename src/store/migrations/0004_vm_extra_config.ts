/**
 * What a VM document's `ovf:VirtualHardwareSection` needs beyond 0002's columns (issue 11): the size of the
 * VM's system disk, and the VM's ExtraConfig key/values (`vmw:ExtraConfig`), where CAPVCD reads its
 * `guestinfo.*` bootstrap status.
 *
 * - `vms.disk_mb`: one system disk per VM. The default gives VMs written before this migration a plausible
 *   16 GiB disk, so old stores serve a complete section without a backfill.
 * - `vm_extra_config`: one row per (VM, key), as VCD keeps ExtraConfig keys unique per VM. It cascades with
 *   its VM and carries `org_id` like every inventory row (isolation without a join). No query-service result
 *   reads it, so, unlike 0002's tables, it does not bump `inventory_state.version`.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The default system disk: 16 GiB. */
export const DEFAULT_DISK_MB = 16_384;

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('vms')
    .addColumn('disk_mb', 'bigint', (c) => c.notNull().defaultTo(DEFAULT_DISK_MB))
    .execute();

  await db.schema
    .createTable('vm_extra_config')
    .addColumn('vm_id', 'text', (c) => c.notNull().references('vms.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('vm_extra_config_pk', ['vm_id', 'key'])
    .execute();
}
