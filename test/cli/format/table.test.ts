import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellText, StreamingTable } from '../../../src/cli/format/table.js';

interface Row {
  name: string;
  cpus?: number;
}

test('fixes widths from the first rows, aligns numbers right, cuts later long cells', () => {
  const table = new StreamingTable<Row>([
    { header: 'NAME', value: (r) => r.name },
    { header: 'CPUS', value: (r) => r.cpus, right: true },
  ]);
  const first = table.start([
    { name: 'web01', cpus: 2 },
    { name: 'db', cpus: 16 },
  ]);
  assert.equal(first, 'NAME   CPUS\nweb01     2\ndb       16\n');
  assert.equal(table.rows([{ name: 'a-much-longer-name' }]), 'a-mu…     -\n');
});

test('rows() before start() prints the header', () => {
  const table = new StreamingTable<Row>([{ header: 'NAME', value: (r) => r.name }]);
  assert.equal(table.rows([{ name: 'x' }]), 'NAME\nx\n');
});

test('cellText: placeholders, objects, control characters', () => {
  assert.equal(cellText(undefined), '-');
  assert.equal(cellText(''), '-');
  assert.equal(cellText(false), 'false');
  assert.equal(cellText({ a: 1 }), '{"a":1}');
  assert.equal(cellText('a\nb\tc'), 'a b c');
});
