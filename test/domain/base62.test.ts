/** src/domain/base62.ts: the encoder round-trips and pads; random strings use only the alphabet. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE62_ALPHABET, randomBase62, toBase62 } from '../../src/domain/base62.js';

test('toBase62: digits, padding, and values wider than the width', () => {
  assert.equal(toBase62(0n, 3), '000');
  assert.equal(toBase62(61n, 1), 'z');
  assert.equal(toBase62(62n, 1), '10');
  assert.equal(toBase62(62n ** 6n - 1n, 6), 'zzzzzz');
});

test('randomBase62: exact length, alphabet only', () => {
  for (const length of [0, 1, 26, 200]) {
    const s = randomBase62(length);
    assert.equal(s.length, length);
    for (const ch of s) assert.ok(BASE62_ALPHABET.includes(ch));
  }
});
