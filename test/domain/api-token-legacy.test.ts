/**
 * The legacy API token format (src/domain/api-token-legacy.ts): `tsr_` + 43 base62 characters of 256 random
 * bits + 6 base62 characters of CRC-32. No longer minted, still accepted: every check goes through the public
 * `isWellFormedApiToken` and the shared scanner pattern, which must keep recognising these tokens.
 * Property-based: tokens built from any 256-bit value validate, any single-character change is caught
 * offline, and the scanner pattern finds planted tokens but not look-alikes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  API_TOKEN_SEARCH_PATTERN,
  apiTokenStart,
  hashApiToken,
  isWellFormedApiToken,
  maskApiToken,
} from '../../src/domain/api-token-format.js';
import {
  LEGACY_API_TOKEN_LENGTH as API_TOKEN_LENGTH,
  LEGACY_API_TOKEN_PREFIX as API_TOKEN_PREFIX,
  LEGACY_API_TOKEN_START_LENGTH as API_TOKEN_START_LENGTH,
  crc32,
  isWellFormedLegacyApiToken,
} from '../../src/domain/api-token-legacy.js';
import { legacyApiToken as generateApiToken } from '../helpers/legacy-api-token.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An independent encoder of the documented format, so the tests do not just mirror the implementation. */
function tokenFromBytes(bytes: Uint8Array): string {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let body = '';
  while (n > 0n) {
    body = BASE62[Number(n % 62n)] + body;
    n /= 62n;
  }
  body = body.padStart(43, '0');
  let sum = BigInt(crc32(API_TOKEN_PREFIX + body));
  let check = '';
  while (sum > 0n) {
    check = BASE62[Number(sum % 62n)] + check;
    sum /= 62n;
  }
  return API_TOKEN_PREFIX + body + check.padStart(6, '0');
}

/** Scanner as documented: candidates by the pattern, then the offline checksum test. */
function scan(text: string): string[] {
  return [...text.matchAll(API_TOKEN_SEARCH_PATTERN)].map((m) => m[0]).filter(isWellFormedApiToken);
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const tokenArb = bytes32.map(tokenFromBytes);

test('shape: prefix, length 53, base62, and 256 bits fit the 43-character body', () => {
  assert.equal(API_TOKEN_LENGTH, 53);
  assert.ok(62n ** 43n >= 2n ** 256n, '43 base62 characters hold 256 bits');
  assert.ok(62n ** 6n > 2n ** 32n, '6 base62 characters hold a CRC-32');
  const t = generateApiToken();
  assert.match(t, /^tsr_[0-9A-Za-z]{49}$/);
  assert.ok(isWellFormedLegacyApiToken(t) && isWellFormedApiToken(t), 'the legacy check and the public pre-check agree');
  assert.equal(crc32('123456789'), 0xcbf43926, 'CRC-32/IEEE check value');
});

test('every generated token validates, and they do not repeat', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const t = generateApiToken();
    assert.ok(isWellFormedApiToken(t), t);
    seen.add(t);
  }
  assert.equal(seen.size, 2000);
});

test('property: a token built from any 256-bit value (including all zeros and all ones) validates', () => {
  fc.assert(
    fc.property(bytes32, (b) => isWellFormedApiToken(tokenFromBytes(b))),
    { numRuns: 500 },
  );
  assert.ok(isWellFormedApiToken(tokenFromBytes(new Uint8Array(32))));
  assert.ok(isWellFormedApiToken(tokenFromBytes(new Uint8Array(32).fill(255))));
});

test('property: any single-character substitution breaks the checksum or the format', () => {
  const anyChar = fc.oneof(fc.constantFrom(...BASE62.split('')), fc.constantFrom('_', '-', ' ', '.', '/', '+', '=', 'é', '\n'));
  fc.assert(
    fc.property(tokenArb, fc.nat(API_TOKEN_LENGTH - 1), anyChar, (token, index, ch) => {
      fc.pre(token[index] !== ch);
      const changed = token.slice(0, index) + ch + token.slice(index + 1);
      return !isWellFormedApiToken(changed);
    }),
    { numRuns: 5000 },
  );
});

test('exhaustively for one token: every position, every base62 substitute is refused', () => {
  const token = generateApiToken();
  for (let i = 0; i < token.length; i++) {
    for (const ch of BASE62) {
      if (ch === token[i]) continue;
      assert.equal(isWellFormedApiToken(token.slice(0, i) + ch + token.slice(i + 1)), false, `position ${i} -> ${ch}`);
    }
  }
});

test('property: insertions, deletions, transposition of distinct neighbours and case changes are refused', () => {
  fc.assert(
    fc.property(tokenArb, fc.nat(API_TOKEN_LENGTH - 1), fc.constantFrom(...BASE62.split('')), (token, i, ch) => {
      const inserted = token.slice(0, i) + ch + token.slice(i);
      const deleted = token.slice(0, i) + token.slice(i + 1);
      assert.equal(isWellFormedApiToken(inserted), false);
      assert.equal(isWellFormedApiToken(deleted), false);
      if (i < API_TOKEN_LENGTH - 1 && token[i] !== token[i + 1]) {
        const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
        assert.equal(isWellFormedApiToken(swapped), false, 'adjacent transposition');
      }
    }),
    { numRuns: 1000 },
  );
  const t = generateApiToken();
  assert.equal(isWellFormedApiToken(t.toUpperCase()), false);
  assert.equal(isWellFormedApiToken(` ${t}`), false);
  assert.equal(isWellFormedApiToken(`${t}\n`), false);
  assert.equal(isWellFormedApiToken(''), false);
  assert.equal(isWellFormedApiToken('tsr_'), false);
});

test('property: the scanner finds every planted token in arbitrary text, in order', () => {
  const separator = fc.constantFrom(' ', '\n', '\t', '"', "'", '=', ':', ',', '/', '(', ')', '-', '.', '{', '}');
  const filler = fc.string({ maxLength: 40 });
  fc.assert(
    fc.property(fc.array(fc.tuple(filler, separator, tokenArb, separator), { maxLength: 5 }), filler, (parts, tail) => {
      const text = parts.map(([f, s1, t, s2]) => `${f}${s1}${t}${s2}`).join('') + tail;
      const planted = parts.map(([, , t]) => t);
      // Random filler could itself contain a valid token only with negligible probability (checksum).
      assert.deepEqual(scan(text), planted);
    }),
    { numRuns: 500 },
  );
});

test('property: look-alikes are not reported', () => {
  fc.assert(
    fc.property(tokenArb, fc.nat(API_TOKEN_LENGTH - 1), fc.constantFrom(...BASE62.split('')), (token, i, ch) => {
      fc.pre(token[i] !== ch);
      const lookAlikes = [
        token.slice(0, i) + ch + token.slice(i + 1), // one character off: bad checksum
        `TSR_${token.slice(4)}`, // wrong prefix case
        `tsr-${token.slice(4)}`,
        token.slice(0, -1), // truncated
      ];
      for (const candidate of lookAlikes) assert.deepEqual(scan(`see ${candidate} here`), [], candidate);
      // Glued to a word or an escape on either side, it is still the token (the prefix marks its start, the checksum
      // proves it): found, as a current token is (until 2026-12-06 these counted as look-alikes and were missed).
      for (const glued of [`x${token}`, `_${token}`, `n${token}`, `${token}x`, `${token}0`])
        assert.deepEqual(scan(`see ${glued} here`), [token], glued);
    }),
    { numRuns: 500 },
  );
  // The pattern is global and stateful (lastIndex): scanning twice gives the same answer.
  const t = generateApiToken();
  assert.deepEqual(scan(`a ${t} b`), [t]);
  assert.deepEqual(scan(`a ${t} b`), [t]);
});

test('storage forms: SHA-256 hex of the token, a short start for display, a mask', () => {
  const t = generateApiToken();
  assert.equal(hashApiToken(t), createHash('sha256').update(t).digest('hex'));
  assert.match(hashApiToken(t), /^[0-9a-f]{64}$/);
  assert.equal(apiTokenStart(t), t.slice(0, API_TOKEN_START_LENGTH));
  assert.equal(API_TOKEN_START_LENGTH, 10);
  assert.ok(apiTokenStart(t).startsWith(API_TOKEN_PREFIX));
  assert.equal(maskApiToken(t), `${t.slice(0, 10)}…`);
  assert.ok(!maskApiToken(t).includes(t.slice(10)), 'the mask hides the secret part');
});
