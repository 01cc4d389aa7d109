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

test('columns line up by what the terminal draws: wide CJK, decomposed accents and emoji are measured as shown', () => {
  const table = new StreamingTable<Row>([
    { header: 'NAME', value: (r) => r.name },
    { header: 'CPUS', value: (r) => r.cpus, right: true },
  ]);
  // 山田 is four columns wide in two code units; `Jose` + U+0301 is four columns in five; 🚀 two in two.
  assert.equal(
    table.start([
      { name: '\u5C71\u7530', cpus: 1 },
      { name: 'Jose\u0301', cpus: 2 },
      { name: 'go\u{1F680}', cpus: 3 },
    ]),
    'NAME  CPUS\n\u5C71\u7530     1\nJose\u0301     2\ngo\u{1F680}     3\n',
  );
});

test('a long name is cut between characters as read, never inside an emoji or before its accent', () => {
  const table = new StreamingTable<Row>([{ header: 'NAME', value: (r) => r.name }]);
  // 30 rockets are 60 columns: cut to 19 of them (38 columns) and the ellipsis, padded to the 40-column cap.
  const line = table.start([{ name: '\u{1F680}'.repeat(30) }]).split('\n')[1]!;
  assert.equal(line, `${'\u{1F680}'.repeat(19)}\u2026`);
  assert.doesNotMatch(line, /\p{Cs}/u, 'no lone surrogate');
  const accents = new StreamingTable<Row>([{ header: 'N', value: (r) => r.name }]);
  accents.start([{ name: 'abc' }]);
  // Three columns: two characters and the ellipsis; the accent stays with its e.
  assert.equal(accents.rows([{ name: 'e\u0301e\u0301e\u0301e\u0301' }]), 'e\u0301e\u0301\u2026\n');
  // An emoji that the old cut (at UTF-16 code units) split in half.
  const split = new StreamingTable<Row>([{ header: 'NAME', value: (r) => r.name }]);
  split.start([{ name: 'n'.repeat(40) }]);
  const cut = split.rows([{ name: `${'n'.repeat(38)}\u{1F680}tail` }]);
  assert.doesNotMatch(cut, /\p{Cs}/u, JSON.stringify(cut));
  assert.equal(cut, `${'n'.repeat(38)}\u2026\n`);
});

test('a bidirectional control in a cell is shown as its code: it cannot reorder the columns after it', () => {
  assert.equal(cellText('invoice\u202Egpj.exe'), 'invoice\\u202egpj.exe');
  assert.equal(cellText('a\u2067b\u2069'), 'a\\u2067b\\u2069');
});
