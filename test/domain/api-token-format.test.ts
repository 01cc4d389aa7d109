/**
 * The API token format (src/domain/api-token-format.ts): 32 base62 characters = 26 random + 6 of checksum
 * (SHA-256 over a domain tag and the random part, mod 62^6). Property-based: generated tokens always validate,
 * any single-character change is caught offline, the scanner pattern finds planted tokens of both formats but
 * not look-alikes, and the exchange body the VCD blog's PowerShell sends is exactly 71 bytes.
 * The legacy `tsr_` format has its own file (api-token-legacy.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  API_TOKEN_LENGTH,
  API_TOKEN_RANDOM_LENGTH,
  API_TOKEN_SEARCH_PATTERN,
  wellFormedTokenIn,
  API_TOKEN_START_LENGTH,
  apiTokenChecksum,
  apiTokenStart,
  generateApiToken,
  hashApiToken,
  isWellFormedApiToken,
  isWellFormedCurrentApiToken,
  maskApiToken,
} from '../../src/domain/api-token-format.js';
import { legacyApiToken } from '../helpers/legacy-api-token.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An independent encoder of the documented checksum, so the tests do not just mirror the implementation. */
function checksumOf(random: string): string {
  const digest = createHash('sha256').update(`tessera-api-token-v1:${random}`).digest();
  let n = BigInt('0x' + digest.subarray(0, 8).toString('hex')) % 62n ** 6n;
  let out = '';
  for (let i = 0; i < 6; i++, n /= 62n) out = BASE62[Number(n % 62n)] + out;
  return out;
}

/** Scanner as documented: candidates by the pattern, then the offline checksum test. */
function scan(text: string): string[] {
  return [...text.matchAll(API_TOKEN_SEARCH_PATTERN)].flatMap((m) => {
    const found = wellFormedTokenIn(m[0]);
    return found ? [found.token] : [];
  });
}

const randomPart = fc.string({ unit: fc.constantFrom(...BASE62.split('')), minLength: 26, maxLength: 26 });
const tokenArb = randomPart.map((r) => r + checksumOf(r));

test('shape: 32 base62 characters, >= 128 random bits, and the 71-byte body of the VCD blog', () => {
  assert.equal(API_TOKEN_LENGTH, 32);
  assert.equal(API_TOKEN_RANDOM_LENGTH, 26);
  assert.ok(26 * Math.log2(62) >= 154, '26 base62 characters hold ~154.8 bits');
  assert.ok((26 - API_TOKEN_START_LENGTH) * Math.log2(62) >= 128, 'the characters hidden behind the display start hold >= 128 bits');
  const t = generateApiToken();
  assert.match(t, /^[0-9A-Za-z]{32}$/);
  assert.equal(t.slice(26), checksumOf(t.slice(0, 26)), 'the checksum is the documented one');
  assert.equal(apiTokenChecksum(t.slice(0, 26)), checksumOf(t.slice(0, 26)));
  for (const body of [`grant_type=refresh_token&refresh_token=${t}`, `refresh_token=${t}&grant_type=refresh_token`]) {
    assert.equal(Buffer.byteLength(body), 71, 'Content-Length: 71 as hard-coded in Create-VcdApiHeaders');
    assert.equal(new URLSearchParams({ refresh_token: t }).toString(), `refresh_token=${t}`, 'nothing to percent-encode');
  }
});

test('every generated token validates, they do not repeat, and every base62 symbol is used about evenly', () => {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const t = generateApiToken();
    assert.ok(isWellFormedCurrentApiToken(t) && isWellFormedApiToken(t), t);
    seen.add(t);
    for (const ch of t.slice(0, 26)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  assert.equal(seen.size, 4000);
  // 104,000 draws over 62 symbols: mean ~1677, sd ~40. A modulo bias (byte % 62 without rejection) would put
  // the first eight symbols ~25 % above the rest.
  assert.equal(counts.size, 62);
  for (const [ch, n] of counts) assert.ok(n > 1677 - 250 && n < 1677 + 250, `${ch}: ${n}`);
});

test('property: any single-character substitution breaks the checksum or the format', () => {
  const anyChar = fc.oneof(fc.constantFrom(...BASE62.split('')), fc.constantFrom('_', '-', ' ', '.', '/', '+', '=', 'é', '\n'));
  fc.assert(
    fc.property(tokenArb, fc.nat(API_TOKEN_LENGTH - 1), anyChar, (token, index, ch) => {
      fc.pre(token[index] !== ch);
      return !isWellFormedApiToken(token.slice(0, index) + ch + token.slice(index + 1));
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
      assert.equal(isWellFormedApiToken(token.slice(0, i) + ch + token.slice(i)), false);
      assert.equal(isWellFormedApiToken(token.slice(0, i) + token.slice(i + 1)), false);
      if (i < API_TOKEN_LENGTH - 1 && token[i] !== token[i + 1]) {
        assert.equal(isWellFormedApiToken(token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)), false, 'transposition');
      }
    }),
    { numRuns: 1000 },
  );
  const t = generateApiToken();
  if (t !== t.toUpperCase()) assert.equal(isWellFormedApiToken(t.toUpperCase()), false);
  assert.equal(isWellFormedApiToken(` ${t}`), false);
  assert.equal(isWellFormedApiToken(`${t}\n`), false);
  assert.equal(isWellFormedApiToken(''), false);
  assert.equal(isWellFormedApiToken('0'.repeat(32)), false);
});

test('a 32-character legacy session id or hex digest is not a token (the checksum decides, not the shape)', () => {
  // 32 lowercase hex: the shape of x-vcloud-authorization session ids and MD5 digests.
  assert.equal(isWellFormedApiToken('0123456789abcdef0123456789abcdef'), false);
  assert.equal(isWellFormedApiToken(createHash('md5').update('x').digest('hex')), false);
});

test('property: the scanner finds every planted token, of either format, in arbitrary text, in order', () => {
  const separator = fc.constantFrom(' ', '\n', '\t', '"', "'", '=', ':', ',', '/', '(', ')', '-', '.', '{', '}');
  const filler = fc.string({ maxLength: 40 });
  const eitherFormat = fc.oneof(tokenArb, fc.uint8Array({ minLength: 32, maxLength: 32 }).map(legacyApiToken));
  fc.assert(
    fc.property(fc.array(fc.tuple(filler, separator, eitherFormat, separator), { maxLength: 5 }), filler, (parts, tail) => {
      const text = parts.map(([f, s1, t, s2]) => `${f}${s1}${t}${s2}`).join('') + tail;
      // Random filler could itself contain a valid token only with negligible probability (checksum).
      assert.deepEqual(
        scan(text),
        parts.map(([, , t]) => t),
      );
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
        `${'x'.repeat(9)}${token}`, // inside a longer run (a base64 blob): not searched
        token.slice(0, -1), // truncated
      ];
      for (const candidate of lookAlikes) assert.deepEqual(scan(`see ${candidate} here`), [], candidate);
      // A token with an escape or a separator stuck to it is still the secret, and found (since 2026-12-05).
      for (const glued of [`x${token}`, `_${token}`, `${token}_`, `${token}x`, `tsr_${token}`, `%3D${token}`])
        assert.deepEqual(scan(`see ${glued} here`), [token], glued);
    }),
    { numRuns: 500 },
  );
  // The pattern is global and stateful (lastIndex): scanning twice gives the same answer.
  const t = generateApiToken();
  assert.deepEqual(scan(`a ${t} b`), [t]);
  assert.deepEqual(scan(`a ${t} b`), [t]);
});

test('storage forms: SHA-256 hex of the whole token, a 4-character start for display, a mask', () => {
  const t = generateApiToken();
  assert.equal(hashApiToken(t), createHash('sha256').update(t).digest('hex'));
  assert.equal(apiTokenStart(t), t.slice(0, 4));
  assert.equal(maskApiToken(t), `${t.slice(0, 4)}…`);
  const legacy = legacyApiToken();
  assert.equal(apiTokenStart(legacy), legacy.slice(0, 10), 'a legacy token keeps its `tsr_` + 6 start');
  assert.equal(hashApiToken(legacy), createHash('sha256').update(legacy).digest('hex'));
});
