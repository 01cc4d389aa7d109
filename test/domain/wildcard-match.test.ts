/**
 * FIQL's in-memory wildcard match (src/domain/wildcard-match.ts): the same answers as the regular expression it
 * replaced (`^a.*b$`, case-insensitive, dot matching newlines) on every case below and on random patterns, and an
 * answer at all on the patterns that made that expression backtrack for hours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wildcardMatches } from '../../src/domain/wildcard-match.js';

/** The old matcher, as the reference for what each pattern means. */
const reference = (pieces: readonly string[], value: string) =>
  new RegExp(`^${pieces.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is').test(value);

test('prefix, suffix, infix, several pieces, case, the empty value', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['web', ''], 'web-01', true],
    [['web', ''], 'WEB-01', true],
    [['web', ''], 'db-web', false],
    [['', '-01'], 'web-01', true],
    [['', '-01'], 'web-010', false],
    [['', 'eb', ''], 'web-01', true],
    [['', 'x', ''], 'web-01', false],
    [['a', 'a'], 'a', false], // the first and last pieces may not share a character
    [['a', 'a'], 'aa', true],
    [['a', 'b', 'c'], 'abc', true],
    [['a', 'b', 'c'], 'acbc', true],
    [['a', 'b', 'c'], 'acb', false],
    [['', 'ab', 'ab', ''], 'xabyab', true],
    [['', 'ab', 'ab', ''], 'xaby', false],
    [['', ''], '', true],
    [['', ''], 'anything at all', true],
    [['vApp: ', ''], 'vApp: View', true],
    [['a', ''], 'a\nb', true],
  ];
  for (const [pieces, value, expected] of cases) {
    assert.equal(wildcardMatches(pieces, value), expected, `${pieces.join('*')} ~ ${JSON.stringify(value)}`);
    assert.equal(reference(pieces, value), expected, `reference: ${pieces.join('*')}`);
  }
});

test('agrees with the regular expression on 20,000 random patterns and values', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = (max: number) => Array.from({ length: random(max + 1) }, () => 'abA'[random(3)]).join('');
  for (let i = 0; i < 20_000; i++) {
    const pieces = Array.from({ length: 1 + random(5) }, () => word(3));
    const value = word(10);
    assert.equal(wildcardMatches(pieces, value), reference(pieces, value), `${pieces.join('*')} ~ ${value}`);
  }
});

test('the patterns that backtracked are answered: many wildcards, no match', () => {
  const value = 'Organization: Edit Association Settings'.repeat(3);
  // `*********~` (the red-team's request) and worse: each was minutes to hours as a regular expression.
  for (const stars of [9, 16, 64]) assert.equal(wildcardMatches([...Array<string>(stars).fill(''), '~'], value), false);
  assert.equal(wildcardMatches(['', ...Array<string>(40).fill('a'), 'z'], 'a'.repeat(200)), false);
  assert.equal(wildcardMatches(['', ...Array<string>(40).fill('a'), ''], 'a'.repeat(200)), true);
});
