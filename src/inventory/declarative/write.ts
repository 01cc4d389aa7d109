/**
 * Writes an inventory plan (plan.ts) inside the caller's transaction: orgs first, then deletions, then upserts
 * of VDCs, vApps and VMs (parents before children), then their metadata and ExtraConfig. Rows go in multi-row
 * `INSERT ... ON CONFLICT (id) DO UPDATE` statements of UPSERT_ROWS rows (`created_at` is kept on update). The
 * version triggers (0002) bump `inventory_state.version`, which is what every node's query caches compare: the change
 * shows on the next request everywhere.
 */
import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../store/store.js';
import type { DB } from '../../store/schema.js';
import type { MetadataTable } from '../schema.js';
import { INSERT_BATCH_ROWS } from '../writer.js';
import type { EntityChange, InventoryPlan, Move, VmChange } from './plan.js';

export interface WriteHooks {
  /** Creates an org with its predefined roles inside `ex` (auth/bootstrap.ts's createOrgWithRoles). */
  createOrg(input: { id: string; name: string; fullName: string; description: string }, ex: Executor): Promise<unknown>;
  /** Called as rows are written: done of total objects. */
  onProgress?(done: number, total: number): void;
  /** Record the listed external ids as seen in this sync generation. */
  generation?: number;
}

const CHUNK = 500;
/**
 * Rows per upsert statement. A statement is the longest the event loop can be held during an apply on SQLite
 * (better-sqlite3 is synchronous; the transaction gives the loop back between statements, sqlite-connections.ts):
 * 500 VMs took 50-70 ms at 40,000 VMs (each row enters some 28 indexes), 100 take a fifth of that. The rows cost the
 * same either way; PostgreSQL pays a round trip per statement, a few ms in all for the largest batch.
 */
const UPSERT_ROWS = 100;

async function eachChunk<T>(values: readonly T[], size: number, fn: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < values.length; i += size) await fn(values.slice(i, i + size));
}

/** Columns an upsert overwrites: all but the id and the creation time. */
function upsertColumns(row: object): string[] {
  return Object.keys(row).filter((c) => c !== 'id' && c !== 'created_at');
}

async function upsert<T extends 'vdcs' | 'vapps' | 'vms'>(
  ex: Executor,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  progress: (n: number) => void,
) {
  if (rows.length === 0) return;
  const columns = upsertColumns(rows[0]!);
  await eachChunk(rows, UPSERT_ROWS, async (chunk) => {
    await ex
      .insertInto(table)
      .values(chunk as never)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never),
      )
      .execute();
    progress(chunk.length);
  });
}

/** An object's metadata is replaced as a whole: the document lists all of it. */
async function replaceMetadata(ex: Executor, kind: 'vdc' | 'vapp' | 'vm', changes: readonly EntityChange<unknown>[]) {
  await eachChunk(
    changes.map((c) => (c.row as { id: string }).id),
    CHUNK,
    (ids) => ex.deleteFrom('metadata').where('entity_kind', '=', kind).where('entity_id', 'in', ids).execute(),
  );
  const rows: Insertable<MetadataTable>[] = changes.flatMap((c) => c.metadata);
  await eachChunk(rows, INSERT_BATCH_ROWS, (chunk) => ex.insertInto('metadata').values(chunk).execute());
}

async function replaceExtraConfig(ex: Executor, changes: readonly VmChange[]) {
  await eachChunk(
    changes.map((c) => c.row.id as string),
    CHUNK,
    (ids) => ex.deleteFrom('vm_extra_config').where('vm_id', 'in', ids).execute(),
  );
  await eachChunk(
    changes.flatMap((c) => c.extraConfig),
    INSERT_BATCH_ROWS,
    (chunk) => ex.insertInto('vm_extra_config').values(chunk).execute(),
  );
}

/** Deletes VDCs, vApps and VMs with the metadata of everything they hold (metadata has no foreign key). */
export async function deleteInventoryObjects(
  ex: Executor,
  ids: { vdcs: readonly string[]; vapps: readonly string[]; vms: readonly string[] },
) {
  await eachChunk(ids.vdcs, CHUNK, async (chunk) => {
    await ex
      .deleteFrom('metadata')
      .where('entity_kind', '=', 'vm')
      .where('entity_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('vdc_id', 'in', chunk))
      .execute();
    await ex
      .deleteFrom('metadata')
      .where('entity_kind', '=', 'vapp')
      .where('entity_id', 'in', (eb) => eb.selectFrom('vapps').select('id').where('vdc_id', 'in', chunk))
      .execute();
    await ex.deleteFrom('metadata').where('entity_kind', '=', 'vdc').where('entity_id', 'in', chunk).execute();
    await ex.deleteFrom('vdcs').where('id', 'in', chunk).execute(); // vApps, VMs, ExtraConfig cascade
  });
  await eachChunk(ids.vapps, CHUNK, async (chunk) => {
    await ex
      .deleteFrom('metadata')
      .where('entity_kind', '=', 'vm')
      .where('entity_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('vapp_id', 'in', chunk))
      .execute();
    await ex.deleteFrom('metadata').where('entity_kind', '=', 'vapp').where('entity_id', 'in', chunk).execute();
    await ex.deleteFrom('vapps').where('id', 'in', chunk).execute();
  });
  await eachChunk(ids.vms, CHUNK, async (chunk) => {
    await ex.deleteFrom('metadata').where('entity_kind', '=', 'vm').where('entity_id', 'in', chunk).execute();
    await ex.deleteFrom('vms').where('id', 'in', chunk).execute();
  });
}

/** A VDC moved to another org takes its vApps and VMs (and their metadata and ExtraConfig) along. */
/**
 * An object moved to another org loses its owner: owners are users of the object's org, and a user of the old org
 * would be shown (name and href) to the new org's readers (until 2026-12-05 they were). Objects the same batch
 * lists get the owner it names when their rows are written next; the others keep none, and their spec hash is
 * cleared so the source's next sync writes them again whatever it says.
 */
const ORPHANED = { owner_id: null, spec_hash: null } as const;

/**
 * VDC names are unique per org (a constraint), and rows are written one after another: a batch that swaps two VDCs'
 * names, or gives a new VDC the name another gives up, met the constraint half-way (a 500 until 2026-12-05, and an
 * agent that could never finish its sync). The VDCs this batch renames first take a name no VDC can have (a control
 * character, which names refuse, and their id), in the same transaction; the upsert then writes their new names.
 */
async function renamedVdcsOutOfTheWay(ex: Executor, updates: ReadonlyArray<Insertable<DB['vdcs']>>): Promise<void> {
  const newName = new Map(updates.map((r) => [r.id as string, r.name as string]));
  if (newName.size === 0) return;
  const renamed: string[] = [];
  await eachChunk([...newName.keys()], CHUNK, async (ids) => {
    const stored = await ex.selectFrom('vdcs').select(['id', 'name']).where('id', 'in', ids).execute();
    for (const row of stored) if (row.name !== newName.get(row.id)) renamed.push(row.id);
  });
  await eachChunk(renamed, CHUNK, async (ids) => {
    await ex
      .updateTable('vdcs')
      .set({ name: sql<string>`${'\u0001'} || id` })
      .where('id', 'in', ids)
      .execute();
  });
}

async function moveVdcChildren(ex: Executor, move: Move) {
  await ex
    .updateTable('vapps')
    .set({ org_id: move.orgId, ...ORPHANED })
    .where('vdc_id', '=', move.id)
    .execute();
  await ex
    .updateTable('vms')
    .set({ org_id: move.orgId, ...ORPHANED, owner_name: null })
    .where('vdc_id', '=', move.id)
    .execute();
  for (const kind of ['vapp', 'vm'] as const) {
    const table = kind === 'vapp' ? 'vapps' : 'vms';
    await ex
      .updateTable('metadata')
      .set({ org_id: move.orgId })
      .where('entity_kind', '=', kind)
      .where('entity_id', 'in', (eb) => eb.selectFrom(table).select('id').where('vdc_id', '=', move.id))
      .execute();
  }
  await ex
    .updateTable('vm_extra_config')
    .set({ org_id: move.orgId })
    .where('vm_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('vdc_id', '=', move.id))
    .execute();
}

/** A vApp moved to another VDC (maybe another org) takes its VMs along. */
async function moveVAppChildren(ex: Executor, move: Move) {
  // Within one org a vApp's VMs keep their owners; to another org they lose them, as above.
  const orphaned = move.orgChanged ? { ...ORPHANED, owner_name: null } : {};
  await ex
    .updateTable('vms')
    .set({ org_id: move.orgId, vdc_id: move.vdcId!, ...orphaned })
    .where('vapp_id', '=', move.id)
    .execute();
  await ex
    .updateTable('metadata')
    .set({ org_id: move.orgId })
    .where('entity_kind', '=', 'vm')
    .where('entity_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('vapp_id', '=', move.id))
    .execute();
  await ex
    .updateTable('vm_extra_config')
    .set({ org_id: move.orgId })
    .where('vm_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('vapp_id', '=', move.id))
    .execute();
}

export async function writeInventoryPlan(ex: Executor, plan: InventoryPlan, hooks: WriteHooks): Promise<void> {
  const total =
    plan.orgs.create.length +
    plan.vdcs.create.length +
    plan.vdcs.update.length +
    plan.vapps.create.length +
    plan.vapps.update.length +
    plan.vms.create.length +
    plan.vms.update.length;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    hooks.onProgress?.(done, total);
  };

  for (const org of plan.orgs.create) {
    await hooks.createOrg(org, ex);
    progress(1);
  }
  for (const org of plan.orgs.update) {
    await ex
      .updateTable('orgs')
      .set({
        ...(org.fullName !== undefined ? { full_name: org.fullName } : {}),
        ...(org.description !== undefined ? { description: org.description } : {}),
      })
      .where('id', '=', org.id)
      .execute();
  }

  await deleteInventoryObjects(ex, {
    vdcs: plan.vdcs.delete.map((d) => d.id),
    vapps: plan.vapps.delete.map((d) => d.id),
    vms: plan.vms.delete.map((d) => d.id),
  });

  await renamedVdcsOutOfTheWay(
    ex,
    plan.vdcs.update.map((c) => c.row),
  );
  await upsert(
    ex,
    'vdcs',
    [...plan.vdcs.create, ...plan.vdcs.update].map((c) => c.row),
    progress,
  );
  for (const move of plan.movedVdcs) await moveVdcChildren(ex, move);
  await upsert(
    ex,
    'vapps',
    [...plan.vapps.create, ...plan.vapps.update].map((c) => c.row),
    progress,
  );
  for (const move of plan.movedVApps) await moveVAppChildren(ex, move);
  await upsert(
    ex,
    'vms',
    [...plan.vms.create, ...plan.vms.update].map((c) => c.row),
    progress,
  );

  // New objects are cleared too: metadata has no foreign key, so a row id that existed before (an object
  // deleted with its org, say) may have left entries behind.
  await replaceMetadata(ex, 'vdc', [...plan.vdcs.create, ...plan.vdcs.update]);
  await replaceMetadata(ex, 'vapp', [...plan.vapps.create, ...plan.vapps.update]);
  await replaceMetadata(ex, 'vm', [...plan.vms.create, ...plan.vms.update]);
  await replaceExtraConfig(ex, [...plan.vms.create, ...plan.vms.update]);

  if (hooks.generation !== undefined) {
    const generation = hooks.generation;
    const seen = [
      ...plan.seen.vdc.map((external_id) => ({ source: plan.source, generation, kind: 'vdc' as const, external_id })),
      ...plan.seen.vapp.map((external_id) => ({ source: plan.source, generation, kind: 'vapp' as const, external_id })),
      ...plan.seen.vm.map((external_id) => ({ source: plan.source, generation, kind: 'vm' as const, external_id })),
    ];
    await eachChunk(seen, INSERT_BATCH_ROWS, (chunk) =>
      ex
        .insertInto('inventory_sync_seen')
        .values(chunk)
        .onConflict((oc) => oc.columns(['source', 'generation', 'kind', 'external_id']).doNothing())
        .execute(),
    );
  }
}
