import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkedPageSize, flattenPages, sortParameters, walkPages, type Page } from '../../src/client/paging.js';

function pagesOf(all: number[], pageSize: number, claimedTotal = all.length) {
  const asked: number[] = [];
  const fetchPage = async (page: number): Promise<Page<number>> => {
    asked.push(page);
    return { page, pageSize, total: claimedTotal, items: all.slice((page - 1) * pageSize, page * pageSize) };
  };
  return { asked, fetchPage };
}

test('walks every page until total records are seen', async () => {
  const all = Array.from({ length: 7 }, (_, i) => i);
  const { asked, fetchPage } = pagesOf(all, 3);
  const items: number[] = [];
  for await (const item of flattenPages(walkPages(fetchPage))) items.push(item);
  assert.deepEqual(items, all);
  assert.deepEqual(asked, [1, 2, 3]);
});

test('asks exactly one page for an empty or single-page result', async () => {
  for (const all of [[], [1, 2]]) {
    const { asked, fetchPage } = pagesOf(all, 25);
    for await (const _ of walkPages(fetchPage)) void _;
    assert.deepEqual(asked, [1]);
  }
});

test('stops on an empty page even when the server overstates total', async () => {
  const { asked, fetchPage } = pagesOf([1, 2, 3, 4], 2, 1000);
  const items: number[] = [];
  for await (const item of flattenPages(walkPages(fetchPage))) items.push(item);
  assert.deepEqual(items, [1, 2, 3, 4]);
  assert.deepEqual(asked, [1, 2, 3]);
});

test('sortParameters reads name, -name, +name, name:desc', () => {
  assert.deepEqual(sortParameters(undefined), {});
  assert.deepEqual(sortParameters('name'), { sortAsc: 'name' });
  assert.deepEqual(sortParameters('+name'), { sortAsc: 'name' });
  assert.deepEqual(sortParameters('-memoryMB'), { sortDesc: 'memoryMB' });
  assert.deepEqual(sortParameters('owner.name:desc'), { sortDesc: 'owner.name' });
  assert.deepEqual(sortParameters('name:ASC'), { sortAsc: 'name' });
  assert.throws(() => sortParameters('name,status'), TypeError);
  assert.throws(() => sortParameters('-'), TypeError);
});

test('checkedPageSize keeps VCD limits', () => {
  assert.equal(checkedPageSize(undefined, 128), 128);
  assert.equal(checkedPageSize(1, 128), 1);
  assert.throws(() => checkedPageSize(0, 128), TypeError);
  assert.throws(() => checkedPageSize(129, 128), TypeError);
  assert.throws(() => checkedPageSize(2.5, 128), TypeError);
});
