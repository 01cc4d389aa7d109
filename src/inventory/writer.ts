/**
 * Batched inserts of inventory rows, shared by the demo seeder and the generator. Multi-row INSERTs of a few
 * hundred rows keep every statement under SQLite's bound-parameter limit (32,766) and PostgreSQL's (65,535)
 * while costing one round trip per batch; callers wrap them in a transaction.
 */
import type { Insertable } from 'kysely';
import type { Executor } from '../store/store.js';
import type { MetadataTable, VAppTable, VdcTable, VmExtraConfigTable, VmTable } from './schema.js';

/** 500 VM rows × 22 columns = 11,000 parameters per statement. */
export const INSERT_BATCH_ROWS = 500;

export interface InventoryRows {
  vdcs?: Insertable<VdcTable>[];
  vapps?: Insertable<VAppTable>[];
  vms?: Insertable<VmTable>[];
  metadata?: Insertable<MetadataTable>[];
  extraConfig?: Insertable<VmExtraConfigTable>[];
}

/** Inserts parents before children (VDCs, vApps, VMs, then metadata and ExtraConfig) so foreign keys hold at every statement. */
export async function insertInventoryRows(ex: Executor, rows: InventoryRows): Promise<void> {
  await insertBatched(ex, 'vdcs', rows.vdcs);
  await insertBatched(ex, 'vapps', rows.vapps);
  await insertBatched(ex, 'vms', rows.vms);
  await insertBatched(ex, 'metadata', rows.metadata);
  await insertBatched(ex, 'vm_extra_config', rows.extraConfig);
}

async function insertBatched<T extends 'vdcs' | 'vapps' | 'vms' | 'metadata' | 'vm_extra_config'>(
  ex: Executor,
  table: T,
  rows: readonly Insertable<import('../store/schema.js').DB[T]>[] | undefined,
): Promise<void> {
  if (!rows) return;
  for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
    await ex
      .insertInto(table)
      .values(rows.slice(start, start + INSERT_BATCH_ROWS) as never)
      .execute();
  }
}
