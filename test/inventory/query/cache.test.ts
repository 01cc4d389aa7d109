import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VersionedLru } from '../../../src/inventory/query/cache.js';

test('an entry is returned for its own version only, and dropped once the version moved on', () => {
  const lru = new VersionedLru<string>({ maxEntries: 10 });
  lru.set('k', 1, 'v1');
  assert.equal(lru.get('k', 1), 'v1');
  assert.equal(lru.get('k', 2), undefined);
  assert.equal(lru.get('k', 1), undefined, 'a stale entry is evicted on sight');
  assert.equal(lru.size, 0);
});

test('least recently used entries go first, by count and by weight', () => {
  const lru = new VersionedLru<string>({ maxEntries: 2 });
  lru.set('a', 1, 'A');
  lru.set('b', 1, 'B');
  lru.get('a', 1);
  lru.set('c', 1, 'C');
  assert.deepEqual([lru.get('a', 1), lru.get('b', 1), lru.get('c', 1)], ['A', undefined, 'C']);

  const weighed = new VersionedLru<string>({ maxEntries: 100, maxWeight: 10, weigh: (v) => v.length });
  weighed.set('x', 1, '123456');
  weighed.set('y', 1, '12345');
  assert.deepEqual([weighed.get('x', 1), weighed.get('y', 1)], [undefined, '12345']);
  weighed.set('huge', 1, '12345678901');
  assert.equal(weighed.get('huge', 1), undefined, 'an entry heavier than the cache is not kept');
  assert.equal(weighed.get('y', 1), '12345', 'and does not evict the others');
});

test('a key weighs too when asked: long keys cannot fill a cache whose values are light', () => {
  // Until 2026-12-05 the counts cache weighed nothing but the entry count: 10,000 keys of 4 KiB filters each.
  const lru = new VersionedLru<number>({ maxEntries: 1_000, maxWeight: 10_000, weigh: () => 64, weighKey: (k) => 2 * k.length });
  for (let i = 0; i < 100; i++) lru.set(`${i}:${'x'.repeat(2_000)}`, 1, i);
  assert.equal(lru.size, 2, 'two entries of about 4 KB fit in 10 KB');
  assert.equal(lru.get(`99:${'x'.repeat(2_000)}`, 1), 99, 'the most recent stays');
  lru.set('short', 1, 7);
  assert.equal(lru.get('short', 1), 7);
});
