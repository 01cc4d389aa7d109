/**
 * Taking an org's inventory apart, as VCD clients do before they delete the org: govcd's `AdminOrg.Delete(true,
 * true)` (which Terraform's `vcd_org` runs on destroy with `delete_force` and `delete_recursive`) undeploys every
 * vApp, deletes every vApp, deletes the catalogs (catalogs.ts), then disables and deletes every VDC, and only then
 * deletes the org. These are the store's side of those calls; src/http/legacy/inventory-teardown.ts serves them.
 *
 * Decisions:
 * - The inventory is the provider's data (docs/inventory.md): its file or agent is the truth. What is deleted here
 *   comes back at the source's next sync or apply if the source still lists it, and what is changed here (a vApp
 *   powered off, a VDC disabled) has its `spec_hash` cleared, so the source's next sync writes the row again from
 *   what it says rather than taking it as unchanged. These writes exist to let VCD clients take an org apart.
 * - Each operation is one transaction, and its checks are made inside it, so two concurrent calls cannot both pass
 *   a check that only one of them should.
 * - Each transaction first runs the caller's `WriteCheck`: the HTTP layer's reads whether the asking session still
 *   stands (auth/session-stands.ts), so a provider's stolen session cut off on another node a moment before tears
 *   nothing down (until 2026-12-07 it still could, until the source's next sync put it back).
 * - Refusals follow VCD: a vApp with a powered-on VM is not deleted (its 400, "Stop the vApp and try again"); a VDC
 *   is deleted only once disabled, only with `recursive=true` while it holds vApps or templates, and only with
 *   `force=true` while one of them has a powered-on VM.
 */
import type { Executor, Store } from '../store/store.js';
import { badRequest } from '../domain/errors.js';
import { deleteInventoryObjects } from './declarative/write.js';
import type { VcdStatusName } from './status.js';

/** Run first in the write's transaction; throws to refuse the write (the asking session no longer stands). */
export type WriteCheck = (trx: Executor) => Promise<void>;

/** VCD's `UndeployPowerAction` values (UndeployVAppParamsType); absent or empty is `powerOff`, VCD's default. */
export const UNDEPLOY_POWER_ACTIONS = ['powerOff', 'suspend', 'shutdown', 'force', 'default'] as const;
export type UndeployPowerAction = (typeof UNDEPLOY_POWER_ACTIONS)[number];

/**
 * States of a vApp or VM that undeploying ends: running (or half-way there) or deployed. Undeploying leaves every
 * other state as it is: a VM that never got created (`FAILED_CREATION`, `UNRESOLVED`) is not made `POWERED_OFF`.
 */
const RUNNING: readonly VcdStatusName[] = [
  'POWERED_ON',
  'SUSPENDED',
  'WAITING_FOR_INPUT',
  'MIXED',
  'DEPLOYED',
  'VAPP_PARTIALLY_DEPLOYED',
  'UNKNOWN',
];

/** What stops a delete: a VM that is powered on (or waiting for input, which is a running VM). */
const POWERED_ON: readonly VcdStatusName[] = ['POWERED_ON', 'WAITING_FOR_INPUT'];

/** VCD's wording for an operation refused on a running vApp (seen in its 400s to govcd and Terraform). */
export const stopTheVAppFirst = (name: string) =>
  badRequest(
    `The requested operation could not be executed on vApp "${name}". Stop the vApp and try again (undeploy it, or power it off, first).`,
  );

export interface UndeployResult {
  /** The VMs whose state this changed. */
  readonly vms: number;
}

/**
 * Undeploys a vApp: its running VMs and the vApp itself become POWERED_OFF (SUSPENDED for `suspend`), none stays
 * deployed. An undeployed vApp is undeployed again without error, a deliberate leniency: VCD refuses it ("is not
 * running"), but govcd's `AdminOrg.Delete` undeploys every vApp of the org whatever its state, so an org holding a
 * powered-off vApp could never be taken apart.
 */
export async function undeployVApp(store: Store, vappId: string, action: UndeployPowerAction, check: WriteCheck): Promise<UndeployResult> {
  const target: VcdStatusName = action === 'suspend' ? 'SUSPENDED' : 'POWERED_OFF';
  return store.transaction(async (trx) => {
    await check(trx);
    // The vApp's row before its VMs' (PostgreSQL), the order of every other write to both: its delete (whose cascade
    // reaches the VMs), take-ownership, the inventory's upserts. Until 2026-12-07 the VMs were written first, and an
    // undeploy and a take-ownership of the same vApp at once deadlocked (one of them answered 503).
    const vapp = trx.selectFrom('vapps').select('id').where('id', '=', vappId);
    await (store.dialect === 'postgres' ? vapp.forNoKeyUpdate() : vapp).executeTakeFirst();
    const vms = await trx
      .updateTable('vms')
      .set({ status: target, is_deployed: 0, spec_hash: null })
      .where('vapp_id', '=', vappId)
      .where((eb) => eb.or([eb('status', 'in', RUNNING), eb('is_deployed', '=', 1)]))
      .where((eb) => eb.or([eb('status', '<>', target), eb('is_deployed', '=', 1)]))
      .executeTakeFirst();
    await trx
      .updateTable('vapps')
      .set({ status: target, is_deployed: 0, spec_hash: null })
      .where('id', '=', vappId)
      .where((eb) => eb.or([eb('status', 'in', RUNNING), eb('is_deployed', '=', 1)]))
      .where((eb) => eb.or([eb('status', '<>', target), eb('is_deployed', '=', 1)]))
      .execute();
    return { vms: Number(vms.numUpdatedRows) };
  });
}

async function poweredOnVms(ex: Executor, column: 'vapp_id' | 'vdc_id', id: string): Promise<number> {
  const row = await ex
    .selectFrom('vms')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column, '=', id)
    .where('status', 'in', POWERED_ON)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Deletes a vApp with its VMs and their metadata and ExtraConfig; refused (400, nothing changed) while one of its
 * VMs, or the vApp itself, is powered on. Returns how many VMs went.
 */
export async function deleteVApp(store: Store, vapp: { id: string; name: string }, check: WriteCheck): Promise<number> {
  return store.transaction(async (trx) => {
    await check(trx);
    const row = await trx.selectFrom('vapps').select('status').where('id', '=', vapp.id).executeTakeFirst();
    if (!row) return 0; // deleted meanwhile: the caller asked for it gone, and it is
    if (POWERED_ON.includes(row.status as VcdStatusName) || (await poweredOnVms(trx, 'vapp_id', vapp.id)) > 0) {
      throw stopTheVAppFirst(vapp.name);
    }
    const vms = await trx
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('vapp_id', '=', vapp.id)
      .executeTakeFirstOrThrow();
    await deleteInventoryObjects(trx, { vdcs: [], vapps: [vapp.id], vms: [] });
    return Number(vms.n);
  });
}

/** Enables or disables a VDC (`vdcs.is_enabled`). Returns whether the row changed. */
export async function setVdcEnabled(store: Store, vdcId: string, enabled: boolean, check: WriteCheck): Promise<boolean> {
  return store.transaction(async (trx) => {
    await check(trx);
    const result = await trx
      .updateTable('vdcs')
      .set({ is_enabled: enabled ? 1 : 0, spec_hash: null })
      .where('id', '=', vdcId)
      .where('is_enabled', '<>', enabled ? 1 : 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export interface VdcDeleteOptions {
  readonly recursive: boolean;
  readonly force: boolean;
}

/** What a VDC delete took with it. */
export interface VdcDeleted {
  readonly vapps: number;
  readonly templates: number;
  readonly vms: number;
}

/**
 * Deletes a VDC with everything in it (vApps, templates, VMs, their metadata and ExtraConfig). Refused (400, nothing
 * changed) while the VDC is enabled, while it holds vApps or templates unless `recursive`, and while one of its VMs
 * is powered on unless `force`.
 */
export async function deleteVdc(
  store: Store,
  vdc: { id: string; name: string },
  options: VdcDeleteOptions,
  check: WriteCheck,
): Promise<VdcDeleted> {
  return store.transaction(async (trx) => {
    await check(trx);
    const row = await trx.selectFrom('vdcs').select('is_enabled').where('id', '=', vdc.id).executeTakeFirst();
    if (!row) return { vapps: 0, templates: 0, vms: 0 };
    if (row.is_enabled === 1) throw badRequest(`The VDC ${vdc.name} must be disabled before it can be deleted`);
    const held = await trx
      .selectFrom('vapps')
      .select(['is_template', (eb) => eb.fn.countAll<number>().as('n')])
      .where('vdc_id', '=', vdc.id)
      .groupBy('is_template')
      .execute();
    const vapps = Number(held.find((h) => h.is_template === 0)?.n ?? 0);
    const templates = Number(held.find((h) => h.is_template === 1)?.n ?? 0);
    if (vapps + templates > 0 && !options.recursive) {
      throw badRequest(
        `The VDC ${vdc.name} is not empty (${vapps} vApp(s), ${templates} vApp template(s)); delete them first or pass recursive=true`,
      );
    }
    const running = await poweredOnVms(trx, 'vdc_id', vdc.id);
    if (running > 0 && !options.force) {
      throw badRequest(`The VDC ${vdc.name} has ${running} powered-on VM(s); undeploy their vApps first or pass force=true`);
    }
    const vms = await trx
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('vdc_id', '=', vdc.id)
      .executeTakeFirstOrThrow();
    await deleteInventoryObjects(trx, { vdcs: [vdc.id], vapps: [], vms: [] });
    return { vapps, templates, vms: Number(vms.n) };
  });
}
