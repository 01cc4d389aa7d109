/**
 * The inventory data version (see InventoryStateTable): read once per query request to validate caches, so
 * the statement is compiled once per database handle and only executed after that.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Executor } from '../store/store.js';

const COMPILED = new WeakMap<Kysely<DB>, CompiledQuery<{ version: number | string }>>();

export async function readInventoryVersion(ex: Executor): Promise<number> {
  let compiled = COMPILED.get(ex);
  if (!compiled) {
    compiled = ex.selectFrom('inventory_state').select('version').where('id', '=', 1).compile();
    COMPILED.set(ex, compiled);
  }
  const { rows } = await ex.executeQuery(compiled);
  return Number(rows[0]?.version ?? 0);
}
