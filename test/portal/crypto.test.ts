import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { signValue, verifySignedValue } from '../../src/http/portal/crypto/signed-value.js';
import { decryptValue, encryptValue } from '../../src/http/portal/crypto/encrypted-value.js';
import { CsrfTokens } from '../../src/http/portal/csrf.js';

const key = randomBytes(32);

test('a signed value verifies with its key and fails when altered or under another key', () => {
  const signed = signValue(key, { userId: 'u1', n: 1 });
  assert.deepEqual(verifySignedValue(key, signed), { userId: 'u1', n: 1 });
  const [body, tag] = signed.split('.');
  const forgedBody = Buffer.from(JSON.stringify({ userId: 'admin', n: 1 })).toString('base64url');
  assert.equal(verifySignedValue(key, `${forgedBody}.${tag}`), null, 'a changed payload');
  // The first character: replacing the last two with `AA` changed nothing when the tag ended so (1 run in 1,024).
  assert.equal(verifySignedValue(key, `${body}.${tag![0] === 'A' ? 'B' : 'A'}${tag!.slice(1)}`), null, 'a changed tag');
  // Another spelling of the same bytes (the last character's two spare bits, a stray character) is refused too.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sameBytes = [...alphabet].find(
    (c) => c !== tag!.at(-1) && Buffer.from(tag!.slice(0, -1) + c, 'base64url').equals(Buffer.from(tag!, 'base64url')),
  )!;
  assert.equal(verifySignedValue(key, `${body}.${tag!.slice(0, -1)}${sameBytes}`), null, 'a non-canonical spelling');
  assert.equal(verifySignedValue(key, `${body}.${tag}!`), null, 'a stray character');
  assert.equal(verifySignedValue(randomBytes(32), signed), null, 'another key');
  for (const junk of [undefined, '', '.', 'abc', 'a.b.c']) assert.equal(verifySignedValue(key, junk), null, String(junk));
});

test('an encrypted value hides its content and opens only in the context it was sealed for', () => {
  const secret = 'tsr_the-api-token';
  const sealed = encryptValue(key, { token: secret }, 'session-1');
  assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes('the-api-token'), 'ciphertext, not plaintext');
  assert.deepEqual(decryptValue(key, sealed, 'session-1'), { token: secret });
  assert.equal(decryptValue(key, sealed, 'session-2'), null, 'another session');
  assert.equal(decryptValue(randomBytes(32), sealed, 'session-1'), null, 'another key');
  const raw = Buffer.from(sealed, 'base64url');
  raw[raw.length - 1]! ^= 1;
  assert.equal(decryptValue(key, raw.toString('base64url'), 'session-1'), null, 'a flipped bit');
  assert.notEqual(encryptValue(key, { token: secret }, 'session-1'), sealed, 'a fresh IV each time');
});

test('CSRF tokens verify only for the binding and value they were issued for', () => {
  const csrf = new CsrfTokens(key);
  const token = csrf.issue('session', 'sess-1');
  assert.equal(csrf.verify('session', 'sess-1', token), true);
  assert.equal(csrf.verify('session', 'sess-2', token), false, 'another session');
  assert.equal(csrf.verify('signIn', 'sess-1', token), false, 'another kind of form');
  assert.equal(csrf.verify('session', null, token), false, 'nothing to bind to');
  assert.equal(new CsrfTokens(randomBytes(32)).verify('session', 'sess-1', token), false, 'another installation');
  for (const presented of [undefined, '', 42, [token], token.slice(1)]) {
    assert.equal(csrf.verify('session', 'sess-1', presented), false, JSON.stringify(presented));
  }
});
