/**
 * The access tokens' HMAC (src/auth/hmac-sha256.ts) against node:crypto's own `createHmac`: every key length (a
 * key longer than SHA-256's block is hashed first), every message length on both sides of the fast path's bound,
 * and every kind of character, lone surrogates included; the same key object gives the same answers in any order
 * (its buffers are reused between calls). And the forgery a latin1 write would allow: a token whose characters above
 * U+00FF share their low byte with the signed ones must not verify.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { HmacSha256 } from '../../src/auth/hmac-sha256.js';
import { Hs256Signer } from '../../src/auth/jwt-hs256.js';

const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message).digest('base64url');

describe('HmacSha256', () => {
  test('RFC 4231 test case 2 (a short key, "what do ya want for nothing?")', () => {
    const mac = new HmacSha256(Buffer.from('Jefe'));
    assert.equal(
      Buffer.from(mac.base64url('what do ya want for nothing?'), 'base64url').toString('hex'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('RFC 4231 test case 6 (a 131-byte key, hashed first)', () => {
    const mac = new HmacSha256(Buffer.alloc(131, 0xaa));
    assert.equal(
      Buffer.from(mac.base64url('Test Using Larger Than Block-Size Key - Hash Key First'), 'base64url').toString('hex'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  test('equals createHmac for any key and any string, one key object reused across calls', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 150 }),
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.string({ unit: 'grapheme', maxLength: 60 }),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (keyBytes, messages) => {
          const key = Buffer.from(keyBytes);
          const mac = new HmacSha256(key);
          for (const message of messages) assert.equal(mac.base64url(message), reference(key, message));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('lone surrogates and the largest code points are hashed as createHmac hashes them', () => {
    const key = randomBytes(32);
    const mac = new HmacSha256(key);
    for (const message of ['\ud800', 'a\udc00b', '\udbff\udfff', '\u{10ffff}', '\u0100\u012e\uffff', '\0\0']) {
      assert.equal(mac.base64url(message), reference(key, message), JSON.stringify(message));
    }
  });

  test('messages on both sides of the fast path bound, long and multi-byte ones included', () => {
    const key = randomBytes(32);
    const mac = new HmacSha256(key);
    for (const length of [0, 1, 55, 56, 63, 64, 65, 4_999, 5_000, 5_001, 20_000]) {
      for (const unit of ['a', 'é', '€', '😀']) {
        const message = unit.repeat(length).slice(0, length);
        assert.equal(mac.base64url(message), reference(key, message), `${length} x ${unit}`);
      }
    }
    // A short message after a long one: nothing of the longer message is left in the hashed bytes.
    assert.equal(mac.base64url('x'.repeat(4_000)), reference(key, 'x'.repeat(4_000)));
    assert.equal(mac.base64url('short'), reference(key, 'short'));
  });
});

describe('Hs256Signer on the one-shot HMAC', () => {
  const secret = randomBytes(32);
  const signer = new Hs256Signer(secret, randomUUID());

  test('a token signed here verifies with createHmac, and one signed with createHmac verifies here', () => {
    const token = signer.sign({ sub: randomUUID(), exp: 1_800_000_000, name: 'ünïcødé €' });
    const lastDot = token.lastIndexOf('.');
    assert.equal(token.slice(lastDot + 1), reference(secret, token.slice(0, lastDot)));
    assert.deepEqual(signer.verify(token)?.name, 'ünïcødé €');
  });

  test("payloads on both sides of the reused payload buffer's bound, multi-byte ones included, sign and verify as before", () => {
    for (const length of [0, 1, 3_990, 3_999, 4_000, 4_001, 12_000]) {
      for (const unit of ['a', 'é', '€', '😀']) {
        const payload = { pad: unit.repeat(length).slice(0, length) };
        const token = signer.sign(payload);
        const [header, encoded, signature] = token.split('.') as [string, string, string];
        assert.equal(encoded, Buffer.from(JSON.stringify(payload)).toString('base64url'), `${length} x ${unit}`);
        assert.equal(signature, reference(secret, `${header}.${encoded}`));
        assert.deepEqual(signer.verify(token), payload);
      }
    }
    // A short payload after a long one carries nothing of it.
    assert.deepEqual(signer.verify(signer.sign({ a: 1 })), { a: 1 });
  });

  test('characters above U+00FF whose low byte is a signed character do not verify (no latin1 truncation)', () => {
    const token = signer.sign({ sub: 'alice', scp: ['only-this-right'], pad: 'x' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // Each payload character replaced by the character 256 above it: the same low bytes, different UTF-8.
    for (let i = 0; i < payload.length; i += 7) {
      const shifted = payload.slice(0, i) + String.fromCharCode(payload.charCodeAt(i) + 0x100) + payload.slice(i + 1);
      assert.equal(signer.verify(`${header}.${shifted}.${signature}`), null, `position ${i}`);
    }
    assert.notEqual(signer.verify(token), null);
  });
});
