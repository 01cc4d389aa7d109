/**
 * src/store/token-list-anchors.ts: remembered page positions are found only for the list's change number they were
 * taken under, the nearest one at or before the asked offset; a page read before a change cannot undo what a later
 * page learnt; and what is kept is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenListAnchors } from '../../src/store/token-list-anchors.js';

const at = (n: number) => ({ created_at: 1_000 + n, id: `id-${n}` });

test('the nearest position at or before the offset, for the same change number only', () => {
  const anchors = new TokenListAnchors();
  assert.equal(anchors.nearest('org:a', '5', 50), undefined, 'nothing known yet');
  anchors.remember('org:a', '5', 25, at(24));
  anchors.remember('org:a', '5', 75, at(74));
  anchors.remember('org:a', 5, 50, at(49)); // a number or its string: the same change number
  assert.deepEqual(anchors.nearest('org:a', '5', 50), { offset: 50, position: at(49) });
  assert.deepEqual(anchors.nearest('org:a', '5', 60), { offset: 50, position: at(49) });
  assert.deepEqual(anchors.nearest('org:a', '5', 1_000), { offset: 75, position: at(74) });
  assert.equal(anchors.nearest('org:a', '5', 24), undefined, 'none before offset 25');
  assert.equal(anchors.nearest('org:a', '6', 50), undefined, 'the list changed since');
  assert.equal(anchors.nearest('org:b', '5', 50), undefined, 'another list');
  assert.equal(anchors.nearest('all', '5', 50), undefined, "every org's list is a list of its own");
});

test('a change forgets the old positions; a page read before it cannot bring them back', () => {
  const anchors = new TokenListAnchors();
  anchors.remember('org:a', '5', 25, at(24));
  anchors.remember('org:a', '6', 50, at(49));
  assert.equal(anchors.nearest('org:a', '6', 30), undefined, 'the position under 5 is gone');
  assert.equal(anchors.size, 1);
  // A slow request that read the number 5 before the change, and its page after: ignored.
  anchors.remember('org:a', '5', 75, at(74));
  assert.deepEqual(anchors.nearest('org:a', '6', 80), { offset: 50, position: at(49) });
  assert.equal(anchors.nearest('org:a', '5', 80), undefined);
  // Change numbers beyond 2^53 (a bigint sum from PostgreSQL) compare as integers, not as text.
  anchors.remember('org:a', '9007199254740993', 25, at(24));
  anchors.remember('org:a', '10', 25, at(24));
  assert.deepEqual(anchors.nearest('org:a', '9007199254740993', 25), { offset: 25, position: at(24) });
});

test('offset 0 needs no position; what is kept is bounded per list and in lists', () => {
  const anchors = new TokenListAnchors();
  anchors.remember('org:a', '1', 0, at(0));
  assert.equal(anchors.size, 0);
  for (let page = 1; page <= 100; page++) anchors.remember('org:a', '1', page * 25, at(page * 25 - 1));
  assert.equal(anchors.size, 64, 'the newest 64 positions of a list');
  assert.deepEqual(anchors.nearest('org:a', '1', 2_500), { offset: 2_500, position: at(2_499) });
  assert.deepEqual(anchors.nearest('org:a', '1', 925), { offset: 925, position: at(924) }, 'the 37th page, the oldest kept');
  assert.equal(anchors.nearest('org:a', '1', 900), undefined, 'older ones forgotten');
  for (let org = 0; org < 1_200; org++) anchors.remember(`org:${org}`, '1', 25, at(24));
  assert.equal(anchors.size, 1_000, 'a thousand lists at most, one position each');
  assert.equal(anchors.nearest('org:0', '1', 25), undefined, 'the oldest lists forgotten first');
  assert.deepEqual(anchors.nearest('org:1199', '1', 25), { offset: 25, position: at(24) });
});
