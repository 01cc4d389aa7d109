/**
 * Reads of single inventory entities and their children, for the entity documents (`/api/vdc/{id}` ...).
 * Lists that page go through the query engine (query/execute.ts) instead. Visibility is checked by the caller
 * (the HTTP layer asks the policy with the entity's org), so every function here returns the entity's org_id.
 */
import type { Selectable } from 'kysely';
import type { Executor, Store, TaskRow } from '../store/store.js';
import type { MetadataEntityKind, MetadataTable, VAppTable, VdcTable, VmExtraConfigTable, VmTable } from './schema.js';

export type Vdc = Selectable<VdcTable>;
export type VApp = Selectable<VAppTable>;
export type Vm = Selectable<VmTable>;
export type MetadataRow = Selectable<MetadataTable>;
export type VmExtraConfigRow = Selectable<VmExtraConfigTable>;

/** A VM with the names its documents show. */
export type VmWithNames = Vm & { vapp_name: string; vdc_name: string; owner_name: string | null };
/** A vApp with its VDC's and owner's names. */
export type VAppWithNames = VApp & { vdc_name: string; owner_name: string | null };

export function getVdc(store: Store, id: string, ex: Executor = store.db): Promise<Vdc | undefined> {
  return ex.selectFrom('vdcs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listVdcsOfOrg(store: Store, orgId: string, ex: Executor = store.db): Promise<Vdc[]> {
  return ex.selectFrom('vdcs').selectAll().where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
}

/**
 * The tasks about an org (its TasksList), newest first (index `tasks_org_started`); `startedBy`: only those that
 * user started. Housekeeping prunes them 30 days after they end (auth/tasks.ts), which bounds the list.
 */
export function listTasksOfOrg(store: Store, orgId: string, startedBy?: string, ex: Executor = store.db): Promise<TaskRow[]> {
  let query = ex.selectFrom('tasks').selectAll().where('org_id', '=', orgId);
  if (startedBy !== undefined) query = query.where('user_id', '=', startedBy);
  return query.orderBy('started_at', 'desc').orderBy('id', 'desc').execute();
}

/** The vApps and templates of a VDC (its ResourceEntities). */
export function listVAppsOfVdc(store: Store, vdcId: string, ex: Executor = store.db): Promise<VApp[]> {
  return ex.selectFrom('vapps').selectAll().where('vdc_id', '=', vdcId).orderBy('name').orderBy('id').execute();
}

export function getVApp(store: Store, id: string, ex: Executor = store.db): Promise<VAppWithNames | undefined> {
  return ex
    .selectFrom('vapps')
    .innerJoin('vdcs', 'vdcs.id', 'vapps.vdc_id')
    .leftJoin('users', 'users.id', 'vapps.owner_id')
    .selectAll('vapps')
    .select(['vdcs.name as vdc_name', 'users.name as owner_name'])
    .where('vapps.id', '=', id)
    .executeTakeFirst();
}

export function listVmsOfVApp(store: Store, vappId: string, ex: Executor = store.db): Promise<VmWithNames[]> {
  return vmsWithNames(ex).where('vms.vapp_id', '=', vappId).orderBy('vms.name').orderBy('vms.id').execute();
}

export function getVm(store: Store, id: string, ex: Executor = store.db): Promise<VmWithNames | undefined> {
  return vmsWithNames(ex).where('vms.id', '=', id).executeTakeFirst();
}

function vmsWithNames(ex: Executor) {
  return ex
    .selectFrom('vms')
    .innerJoin('vapps', 'vapps.id', 'vms.vapp_id')
    .innerJoin('vdcs', 'vdcs.id', 'vms.vdc_id')
    .leftJoin('users', 'users.id', 'vms.owner_id')
    .selectAll('vms')
    .select(['vapps.name as vapp_name', 'vdcs.name as vdc_name', 'users.name as owner_name']);
}

/** Code-unit order: the same on both backends (PostgreSQL's `order by` follows the database's collation). */
const byKey = (a: VmExtraConfigRow, b: VmExtraConfigRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A VM's ExtraConfig entries, ordered by key (the order its VirtualHardwareSection lists them). */
export async function listVmExtraConfig(store: Store, vmId: string, ex: Executor = store.db): Promise<VmExtraConfigRow[]> {
  const rows = await ex.selectFrom('vm_extra_config').selectAll().where('vm_id', '=', vmId).execute();
  return rows.sort(byKey);
}

/** The ExtraConfig entries of several VMs (a vApp's children), grouped by VM id. */
export async function listExtraConfigOfVms(
  store: Store,
  vmIds: readonly string[],
  ex: Executor = store.db,
): Promise<Map<string, VmExtraConfigRow[]>> {
  const byVm = new Map<string, VmExtraConfigRow[]>();
  if (vmIds.length === 0) return byVm;
  const rows = await ex.selectFrom('vm_extra_config').selectAll().where('vm_id', 'in', vmIds).execute();
  for (const row of rows.sort(byKey)) {
    const list = byVm.get(row.vm_id);
    if (list) list.push(row);
    else byVm.set(row.vm_id, [row]);
  }
  return byVm;
}

export interface MetadataReadOptions {
  /** PRIVATE entries are for the provider only. */
  readonly includePrivate: boolean;
  /** Only these (domain, key) pairs; all when absent. */
  readonly keys?: ReadonlyArray<{ readonly domain: string; readonly key: string }>;
}

/** Metadata of some entities of one kind, ordered by entity, domain and key. */
export async function listMetadata(
  store: Store,
  kind: MetadataEntityKind,
  entityIds: readonly string[],
  options: MetadataReadOptions,
  ex: Executor = store.db,
): Promise<MetadataRow[]> {
  if (entityIds.length === 0 || options.keys?.length === 0) return [];
  let qb = ex.selectFrom('metadata').selectAll().where('entity_kind', '=', kind).where('entity_id', 'in', entityIds);
  if (!options.includePrivate) qb = qb.where('visibility', '<>', 'PRIVATE');
  if (options.keys)
    qb = qb.where(
      'key',
      'in',
      options.keys.map((k) => k.key),
    );
  const rows = await qb.orderBy('entity_id').orderBy('domain').orderBy('key').execute();
  // The key list narrows in SQL; the (domain, key) pair is matched here on those few rows.
  return options.keys ? rows.filter((r) => options.keys!.some((k) => k.key === r.key && k.domain === r.domain)) : rows;
}
