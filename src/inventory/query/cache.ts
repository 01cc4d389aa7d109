/**
 * Caches that stay exact: every entry remembers the inventory version (inventory/version.ts) it was computed
 * at, and is only returned for that same version. Triggers bump the version on every relevant write, in any
 * process or node, so a cached count, anchor list or rendered page is never served after the data changed.
 *
 * Three caches per store (a process may hold several stores, e.g. in tests):
 * - counts:  exact totals per (scope, type, filter), so a 100,000-row COUNT runs once per data version;
 * - anchors: the sort key of every ANCHOR_EVERY-th row per (scope, type, filter, sort), so page 4,000 starts
 *            with a keyset seek instead of OFFSET 99,975;
 * - pages:   rendered response bodies (bytes, sent as they are), since clients (govcd, Terraform, scripts)
 *            re-read the same pages.
 */
import type { Store } from '../../store/store.js';

/** A least-recently-used map whose entries are valid for one version only, bounded by count and weight. */
export class VersionedLru<V> {
  private readonly entries = new Map<string, { version: number; value: V; weight: number }>();
  private totalWeight = 0;
  private readonly maxEntries: number;
  private readonly maxWeight: number;
  private readonly weigh: (value: V) => number;
  private readonly weighKey: (key: string) => number;

  /**
   * `weighKey`: what a key adds to its entry's weight. The keys are made from the client's query (its filter, up to
   * 2 KiB, escaped twice over): a cache that weighed values only let one user pin tens of MB of keys (until
   * 2026-12-05).
   */
  constructor(options: { maxEntries: number; maxWeight?: number; weigh?: (value: V) => number; weighKey?: (key: string) => number }) {
    this.maxEntries = options.maxEntries;
    this.maxWeight = options.maxWeight ?? Infinity;
    this.weigh = options.weigh ?? (() => 1);
    this.weighKey = options.weighKey ?? (() => 0);
  }

  get(key: string, version: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.version !== version) {
      this.totalWeight -= entry.weight;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used goes last
    return entry.value;
  }

  set(key: string, version: number, value: V): void {
    const weight = this.weigh(value) + this.weighKey(key);
    if (weight > this.maxWeight) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.totalWeight -= old.weight;
    }
    this.entries.set(key, { version, value, weight });
    this.totalWeight += weight;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalWeight <= this.maxWeight) break;
      this.entries.delete(k);
      this.totalWeight -= e.weight;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A row's position in the sort order: the sort value and the id tiebreaker. */
export interface Anchor {
  readonly key: string | number;
  readonly id: string;
}

export interface QueryCaches {
  readonly counts: VersionedLru<number>;
  /** anchors[j] is the key of the row at 0-based position (j + 1) * ANCHOR_EVERY - 1. */
  readonly anchors: VersionedLru<readonly Anchor[]>;
  /** Rendered bodies as the UTF-8 bytes that are sent. */
  readonly pages: VersionedLru<Buffer>;
}

const CACHES = new WeakMap<Store, QueryCaches>();

export function queryCaches(store: Store): QueryCaches {
  let caches = CACHES.get(store);
  if (!caches) {
    caches = {
      // Weights in bytes, a key's as UTF-16: counts' keys are most of what they hold.
      counts: new VersionedLru({ maxEntries: 10_000, maxWeight: 8 * 1024 * 1024, weigh: () => 64, weighKey: (k) => 2 * k.length }),
      anchors: new VersionedLru({ maxEntries: 500, maxWeight: 2_000_000, weigh: (a) => a.length + 1 }),
      pages: new VersionedLru({
        maxEntries: 5_000,
        maxWeight: 32 * 1024 * 1024,
        weigh: (body) => body.byteLength,
        weighKey: (k) => 2 * k.length,
      }),
    };
    CACHES.set(store, caches);
  }
  return caches;
}
