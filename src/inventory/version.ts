/**
 * The inventory data version (see InventoryStateTable): read once per query request to validate caches.
 */
import type { Executor } from '../store/store.js';

export async function readInventoryVersion(ex: Executor): Promise<number> {
  const row = await ex.selectFrom('inventory_state').select('version').where('id', '=', 1).executeTakeFirst();
  return Number(row?.version ?? 0);
}
