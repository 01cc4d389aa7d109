/**
 * bench/compare-builds.ts's figures (bench/compare-summary.ts): the median of an even count of rounds, and a summary
 * whose columns line up whatever the builds' labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, summaryLines, type BuildSummary } from '../../bench/compare-summary.js';

test('median: the middle value, and of an even count the mean of the two middle ones, whatever the order', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([7]), 7);
  // Six rounds, compare-builds' default: until 2026-12-07 this was 40, the upper of the two middle values.
  assert.equal(median([50, 10, 40, 20, 30, 60]), 35);
  assert.equal(median([2, 1]), 1.5);
  const rounds = [4, 3, 2, 1];
  median(rounds);
  assert.deepEqual(rounds, [4, 3, 2, 1], 'the rounds are left in their order');
  assert.throws(() => median([]), /no values/);
});

test('summaryLines: a full 40-hex SHA and "working tree" have their columns in line', () => {
  const row = (label: string): BuildSummary => ({
    label,
    exchangeMicros: 412.34,
    exchangePerSecond: 2100.4,
    bearerMicros: 98.76,
    bearerPerSecond: 9000,
    non2xx: 0,
  });
  const lines = summaryLines([row('e6f75b2a9c0d4e1f8a7b6c5d4e3f2a1b0c9d8e7f'), row('working tree')]);
  assert.equal(lines.length, 2);
  const column = (line: string) => line.indexOf('exchange');
  assert.equal(column(lines[0]!), column(lines[1]!), lines.join('\n'));
  assert.ok(column(lines[0]!) > 40, 'the SHA is printed whole');
  assert.match(lines[1]!, /^ {2}working tree {30}exchange 412\.3 µs \(2100\), bearer 98\.8 µs \(9000\), non-2xx 0$/);
});
