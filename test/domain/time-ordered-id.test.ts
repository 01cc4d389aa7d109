/** UUIDv7 for rows appended by time (src/domain/time-ordered-id.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeOrderedUuid } from '../../src/domain/time-ordered-id.js';

test('a time-ordered id is a UUID of version 7 and variant 10 carrying its millisecond', () => {
  const at = Date.UTC(2026, 11, 2, 6, 0, 0, 123);
  const id = timeOrderedUuid(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at);
});

test('ids of later milliseconds sort after earlier ones as text, and ids of one millisecond differ', () => {
  const ids = Array.from({ length: 1_000 }, (_, i) => timeOrderedUuid(1_700_000_000_000 + Math.floor(i / 10)));
  for (let i = 10; i < ids.length; i += 10) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  assert.equal(new Set(ids).size, ids.length);
});

test('the random bits come from a pooled CSPRNG without reuse: 5,000 ids of one millisecond, across 25 refills, all differ', () => {
  const ids = Array.from({ length: 5_000 }, () => timeOrderedUuid(1_700_000_000_000));
  assert.equal(new Set(ids).size, ids.length);
  // The 74 random bits, not just the ids: no two ids share their random part, and the bits are not all alike.
  const randomParts = ids.map((id) => id.replace(/-/g, '').slice(13));
  assert.equal(new Set(randomParts).size, ids.length);
  const ones = randomParts
    .join('')
    .split('')
    .reduce((n, hex) => n + parseInt(hex, 16).toString(2).replace(/0/g, '').length, 0);
  const bits = randomParts.join('').length * 4;
  assert.ok(Math.abs(ones / bits - 0.5) < 0.02, `${ones} ones in ${bits} bits`);
});
