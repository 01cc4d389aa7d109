/**
 * An index built from the inventory for one caller's scope (every org, or one org) and kept until the inventory
 * changes: each entry remembers the inventory version it was built at and is used for that version only, so a
 * lookup through it is exact. For entities Tessera derives rather than stores (catalogs, org VDC networks), whose
 * name-based ids cannot be inverted: finding one by id needs the ids of all of them in the scope.
 */
import type { Store } from '../store/store.js';
import type { InventoryScope } from './scope.js';
import { readInventoryVersion } from './version.js';
import { VersionedLru } from './query/cache.js';

/** `build` once per (store, scope, inventory version); at most 1,000 scopes per store. */
export function scopedIndex<T>(
  build: (store: Store, scope: InventoryScope) => Promise<T>,
): (store: Store, scope: InventoryScope) => Promise<T> {
  const caches = new WeakMap<Store, VersionedLru<T>>();
  return async (store, scope) => {
    let cache = caches.get(store);
    if (!cache) {
      cache = new VersionedLru({ maxEntries: 1_000 });
      caches.set(store, cache);
    }
    const key = scope.kind === 'all' ? '*' : scope.orgId;
    // The version is read before the rows: a write in between leaves an entry newer than its version, never older.
    const version = await readInventoryVersion(store.db);
    const cached = cache.get(key, version);
    if (cached !== undefined) return cached;
    const index = await build(store, scope);
    cache.set(key, version, index);
    return index;
  };
}
