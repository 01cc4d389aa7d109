import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateApiToken } from '../../../src/domain/api-token-format.js';
import { legacyApiToken } from '../../helpers/legacy-api-token.js';
import { findApiTokens, looksBinary } from '../../../src/cli/scan/find-tokens.js';

/** The same token with its last checksum character changed: the right shape, the wrong checksum. */
function badChecksum(token: string): string {
  const last = token.at(-1)!;
  return token.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

test('finds tokens with 1-based line and column, masked', () => {
  const one = generateApiToken();
  const two = generateApiToken();
  const text = `first line\nVCD_TOKEN=${one}\n\n  {"refresh_token":"${two}"}\n`;
  const findings = findApiTokens(text);
  assert.deepEqual(
    findings.map((f) => [f.line, f.column]),
    [
      [2, 11],
      [4, 21],
    ],
  );
  assert.equal(findings[0]!.masked, `${one.slice(0, 4)}…`);
  assert.ok(!findings.some((f) => f.masked.includes(one.slice(4))), 'the secret part is never printed');
});

test('finds legacy tsr_ tokens next to current ones', () => {
  const legacy = legacyApiToken();
  const current = generateApiToken();
  const findings = findApiTokens(`old=${legacy}
new=${current}
`);
  assert.deepEqual(
    findings.map((f) => [f.line, f.column, f.masked]),
    [
      [1, 5, `${legacy.slice(0, 10)}…`],
      [2, 5, `${current.slice(0, 4)}…`],
    ],
  );
});

test('ignores look-alikes: bad checksum, wrong length, a token inside a longer run (a base64 blob)', () => {
  const token = generateApiToken();
  const legacy = legacyApiToken();
  const text = [
    badChecksum(token),
    `${'x'.repeat(9)}${token}`,
    `${token}${'y'.repeat(9)}`,
    token.slice(0, -1),
    badChecksum(legacy),
    `tsr_${'A'.repeat(49)}`,
    'A'.repeat(32),
    '0123456789abcdef0123456789abcdef', // a 32-hex id: the right shape, no checksum
  ].join('\n');
  assert.deepEqual(findApiTokens(text), []);
});

test('finds a token with an escape stuck to it: a JSON log\u2019s \\n, a URL\u2019s %3D or %20, an underscore', () => {
  // Until 2026-12-05 a token had to stand alone as a word, and each of these was missed (exit 0).
  const token = generateApiToken();
  for (const [line, column] of [
    [`{"msg":"exported:\\n${token}"}`, 20],
    [`https://h/x?a=%3D${token}`, 18],
    [`curl -d x%20${token}`, 13],
    [`name_${token}`, 6],
    [`${token}\\n`, 1],
    [`x${token}`, 2],
  ] as const) {
    const found = findApiTokens(line);
    assert.equal(found.length, 1, line);
    assert.equal(found[0]!.column, column, line);
    assert.equal(line.slice(column - 1, column - 1 + token.length), token, 'the column is the token\u2019s own');
  }
});

test('finds a legacy tsr_ token with an escape or a word stuck to it, as a current one', () => {
  // Until 2026-12-06 a legacy token had to stand alone as a word: each of these was missed (exit 0).
  const legacy = legacyApiToken();
  for (const [line, column] of [
    [`{"msg":"exported:\\n${legacy}"}`, 20],
    [`https://h/x?a=%3D${legacy}`, 18],
    [`name_${legacy}`, 6],
    [`x${legacy}`, 2],
    [`${legacy}xyz`, 1],
  ] as const) {
    const found = findApiTokens(line);
    assert.equal(found.length, 1, line);
    assert.equal(found[0]!.column, column, line);
    assert.equal(line.slice(column - 1, column - 1 + legacy.length), legacy);
  }
});

test('finds several tokens on one line, and survives repeated use of the shared pattern', () => {
  const a = generateApiToken();
  const b = generateApiToken();
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(
      findApiTokens(`${a} ${b}`).map((f) => f.column),
      [1, a.length + 2],
    );
  }
});

test('looksBinary: a NUL byte within the first 8000 bytes', () => {
  assert.equal(looksBinary(Buffer.from('plain text\n')), false);
  assert.equal(looksBinary(Buffer.from([0x50, 0x4b, 0x00, 0x01])), true);
  const late = Buffer.alloc(9000, 0x41);
  late[8500] = 0;
  assert.equal(looksBinary(late), false);
});
