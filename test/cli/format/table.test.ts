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

test('a whole column (an id) is never cut, at start or later, and the columns after it stay aligned', () => {
  interface Token {
    name: string;
    id: string;
  }
  const id = `urn:vcloud:token:${'0a3b7c1e-5d2f-4e8a-9b61-2c4d6e8f0a1b'}`;
  const table = new StreamingTable<Token>([
    { header: 'ID', value: (r) => r.id, whole: true },
    { header: 'NAME', value: (r) => r.name },
  ]);
  assert.equal(table.start([{ id, name: 'ci' }]), `ID${' '.repeat(id.length - 2)}  NAME\n${id}  ci\n`);
  // A later, longer id overflows its column rather than lose characters a command needs.
  assert.equal(table.rows([{ id: `${id}-x`, name: 'n' }]), `${id}-x  n\n`);
  // An ordinary column is still capped at 40 characters.
  const long = new StreamingTable<Token>([{ header: 'NAME', value: (r) => r.name }]).start([{ id, name: 'n'.repeat(60) }]);
  assert.equal(long, `NAME\n${'n'.repeat(39)}…\n`);
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

test('a control character in a cell is shown as its code, never sent to the terminal', () => {
  // A free-text description may hold ESC (the JSON API keeps it): it must not clear the screen or recolour it.
  assert.equal(cellText('Acme\u001b[2J\u001b[31mPWNED\u0007'), 'Acme\\u001b[2J\\u001b[31mPWNED\\u0007');
  assert.equal(cellText('two\r\nlines\tand a tab'), 'two lines and a tab');
  assert.equal(cellText('C1\u009bcontrol'), 'C1\\u009bcontrol');
});
