import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pageCount, pageOffset, pagingLinks } from '../../../src/inventory/query/paging.js';

const rels = (page: number, size: number, total: number) => Object.fromEntries(pagingLinks(page, size, total).map((l) => [l.rel, l.page]));

test('links that apply on the first, a middle, the last and beyond the last page', () => {
  assert.deepEqual(rels(1, 25, 60), { nextPage: 2, lastPage: 3 });
  assert.deepEqual(rels(2, 25, 60), { firstPage: 1, previousPage: 1, nextPage: 3, lastPage: 3 });
  assert.deepEqual(rels(3, 25, 60), { firstPage: 1, previousPage: 2 });
  assert.deepEqual(rels(9, 25, 60), { firstPage: 1, previousPage: 3 });
  assert.deepEqual(rels(1, 25, 0), {});
  assert.deepEqual(rels(1, 25, 25), {});
  assert.deepEqual(rels(1, 25, 26), { nextPage: 2, lastPage: 2 });
});

test('pageCount and pageOffset', () => {
  assert.deepEqual([pageCount(0, 25), pageCount(25, 25), pageCount(26, 25), pageCount(100_000, 128)], [1, 1, 2, 782]);
  assert.deepEqual([pageOffset(1, 25), pageOffset(4000, 25)], [0, 99_975]);
});

test('property: following nextPage from page 1 visits every page once and covers total exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 128 }), (total, size) => {
      let page: number | undefined = 1;
      let covered = 0;
      let visits = 0;
      while (page !== undefined) {
        covered += Math.max(0, Math.min(size, total - pageOffset(page, size)));
        visits++;
        page = rels(page, size, total).nextPage;
      }
      assert.equal(covered, total);
      assert.equal(visits, pageCount(total, size));
    }),
  );
});
