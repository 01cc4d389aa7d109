/**
 * Applying desired inventory to the store, for the file (`tessera inventory apply`) and the agents' sync API:
 * plan (every check, no write), then write the plan in one transaction. The plan is made inside the same
 * transaction, so what it compared is what it changes (two applies at once cannot interleave on SQLite; on
 * PostgreSQL the second waits on the rows the first wrote, and the unique external-id index refuses a duplicate).
 *
 * Agents' generations (an agent's full sync in several requests):
 *   beginGeneration(source)        → N (a newer begin abandons an open N)
 *   applyInventory(..., {generation: N})  per batch: upserts and deletes at once, and records the ids it listed
 *   commitGeneration(source, N)    → deletes the source's objects no batch of N listed
 */
import type { Executor, Store } from '../../store/store.js';
import { planInventory, summarize, type InventoryPlan, type PlanOptions, type PlanSummary } from './plan.js';
import { deleteInventoryObjects, writeInventoryPlan, type WriteHooks } from './write.js';
import type { DesiredInventory } from './model.js';
import type { WriteCheck } from '../teardown.js';

export interface ApplyOptions extends PlanOptions {
  readonly dryRun?: boolean;
  /** The open generation this batch belongs to (sync API). */
  readonly generation?: number;
  readonly createOrg?: WriteHooks['createOrg'];
  readonly onProgress?: WriteHooks['onProgress'];
  /**
   * Run first in the write's transaction (the sync API's: whether the asking session still stands, see
   * inventory/teardown.ts); none for the operator's own file apply.
   */
  readonly check?: WriteCheck;
}

export interface ApplyResult {
  readonly plan: InventoryPlan;
  readonly summary: PlanSummary;
  readonly dryRun: boolean;
}

const refuseOrgCreation: WriteHooks['createOrg'] = async (org) => {
  throw new Error(`creating org "${org.name}" is not possible here`);
};

export async function applyInventory(store: Store, desired: DesiredInventory, options: ApplyOptions): Promise<ApplyResult> {
  if (options.dryRun) {
    const plan = await planInventory(store, desired, options);
    return { plan, summary: summarize(plan), dryRun: true };
  }
  return store.transaction(async (trx) => {
    await options.check?.(trx);
    if (options.generation !== undefined) await requireOpenGeneration(trx, options.source, options.generation);
    const plan = await planInventory(store, desired, options, trx);
    await writeInventoryPlan(trx, plan, {
      createOrg: options.createOrg ?? refuseOrgCreation,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.generation !== undefined ? { generation: options.generation } : {}),
    });
    return { plan, summary: summarize(plan), dryRun: false };
  });
}

export class GenerationError extends Error {
  readonly reason: 'not-open' | 'stale';
  constructor(reason: 'not-open' | 'stale', message: string) {
    super(message);
    this.reason = reason;
  }
}

async function requireOpenGeneration(ex: Executor, source: string, generation: number): Promise<void> {
  const row = await ex.selectFrom('inventory_sources').select('open_generation').where('source', '=', source).executeTakeFirst();
  if (!row || row.open_generation === null)
    throw new GenerationError('not-open', `source "${source}" has no open generation: begin one first`);
  if (Number(row.open_generation) !== generation)
    throw new GenerationError(
      'stale',
      `generation ${generation} of source "${source}" is not the open one (${row.open_generation}): a newer sync began`,
    );
}

/** The source's row, locked on PostgreSQL (SQLite's write transaction already excludes other writers). */
async function lockedSourceRow(store: Store, trx: Executor, source: string) {
  const q = trx.selectFrom('inventory_sources').selectAll().where('source', '=', source);
  return (store.dialect === 'postgres' ? q.forNoKeyUpdate() : q).executeTakeFirst();
}

export interface SourceState {
  readonly source: string;
  readonly committedGeneration: number;
  readonly openGeneration: number | null;
  readonly objects: { vdcs: number; vapps: number; vms: number };
}

export async function sourceState(store: Store, source: string): Promise<SourceState> {
  const row = await store.db.selectFrom('inventory_sources').selectAll().where('source', '=', source).executeTakeFirst();
  const count = async (table: 'vdcs' | 'vapps' | 'vms') =>
    Number(
      (
        await store.db
          .selectFrom(table as 'vms')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('source', '=', source)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    source,
    committedGeneration: Number(row?.committed_generation ?? 0),
    openGeneration: row?.open_generation === null || row?.open_generation === undefined ? null : Number(row.open_generation),
    objects: { vdcs: await count('vdcs'), vapps: await count('vapps'), vms: await count('vms') },
  };
}

/** Opens a new generation for the source; an open one is abandoned (its seen-list dropped). */
export async function beginGeneration(store: Store, source: string, check?: WriteCheck): Promise<number> {
  return store.transaction(async (trx) => {
    await check?.(trx);
    const now = Date.now();
    const row = await lockedSourceRow(store, trx, source);
    const last = Math.max(Number(row?.committed_generation ?? 0), Number(row?.open_generation ?? 0));
    const generation = last + 1;
    if (row) {
      await trx
        .updateTable('inventory_sources')
        .set({ open_generation: generation, open_started_at: now, updated_at: now })
        .where('source', '=', source)
        .execute();
    } else {
      await trx
        .insertInto('inventory_sources')
        .values({ source, committed_generation: 0, open_generation: generation, open_started_at: now, updated_at: now })
        .execute();
    }
    await trx.deleteFrom('inventory_sync_seen').where('source', '=', source).where('generation', '<', generation).execute();
    return generation;
  });
}

/** Deletes what generation N did not list, then records N as committed. */
export async function commitGeneration(
  store: Store,
  source: string,
  generation: number,
  check?: WriteCheck,
): Promise<{ deleted: { vdcs: number; vapps: number; vms: number } }> {
  return store.transaction(async (trx) => {
    await check?.(trx);
    const row = await lockedSourceRow(store, trx, source);
    if (!row || row.open_generation === null) throw new GenerationError('not-open', `source "${source}" has no open generation`);
    if (Number(row.open_generation) !== generation)
      throw new GenerationError('stale', `generation ${generation} of source "${source}" is not the open one (${row.open_generation})`);
    const unseen = async (table: 'vdcs' | 'vapps' | 'vms', kind: 'vdc' | 'vapp' | 'vm') =>
      (
        await trx
          .selectFrom(table as 'vms')
          .select('id')
          .where('source', '=', source)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('inventory_sync_seen')
                  .select('inventory_sync_seen.external_id')
                  .where('inventory_sync_seen.source', '=', source)
                  .where('inventory_sync_seen.generation', '=', generation)
                  .where('inventory_sync_seen.kind', '=', kind)
                  .whereRef('inventory_sync_seen.external_id', '=', `${table as 'vms'}.external_id`),
              ),
            ),
          )
          .execute()
      ).map((r) => r.id);
    const ids = { vdcs: await unseen('vdcs', 'vdc'), vapps: await unseen('vapps', 'vapp'), vms: await unseen('vms', 'vm') };
    await deleteInventoryObjects(trx, ids);
    await trx.deleteFrom('inventory_sync_seen').where('source', '=', source).execute();
    await trx
      .updateTable('inventory_sources')
      .set({ committed_generation: generation, open_generation: null, open_started_at: null, updated_at: Date.now() })
      .where('source', '=', source)
      .execute();
    return { deleted: { vdcs: ids.vdcs.length, vapps: ids.vapps.length, vms: ids.vms.length } };
  });
}
