import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counted } from '../../src/domain/counted.js';

test('a count with its noun: singular for one, plural otherwise, thousands grouped', () => {
  assert.equal(counted(1, 'users'), '1 user');
  assert.equal(counted(0, 'VDCs'), '0 VDCs');
  assert.equal(counted(2, 'data centers'), '2 data centers');
  assert.equal(counted(1, 'data centers'), '1 data center');
  assert.equal(counted(100_000, 'VMs'), '100,000 VMs');
});
