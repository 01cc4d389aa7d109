/**
 * Accept negotiation's memory of answers (src/domain/api-versions.ts): the same answer for a value whether
 * remembered or not, and no more than a real client's length of each value kept, so a stranger sending a thousand
 * 64 KiB Accept headers cannot make a node hold 64 MB (until 2026-12-05 it could).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, rememberedAcceptCharacters } from '../../src/domain/api-versions.js';

test('long Accept values are answered like short ones, and not kept', () => {
  const padding = ', text/plain;q=0.1'.repeat(3_600); // about 64 KiB, as a client may send
  const before = rememberedAcceptCharacters();
  for (let i = 0; i < 50; i++) {
    const answer = negotiate(`application/*+json;version=37.0${padding};x=${i}`);
    assert.deepEqual(answer, { version: '37.0', json: true, unsupported: false });
  }
  assert.equal(rememberedAcceptCharacters() - before, 0, 'none of the 64 KiB values kept');
  // A client's usual value is remembered, and answered the same the second time.
  const usual = 'application/*+xml;version=36.1';
  assert.deepEqual(negotiate(usual), { version: '36.1', json: false, unsupported: false });
  assert.ok(rememberedAcceptCharacters() >= usual.length);
  assert.equal(negotiate(usual), negotiate(usual));
});
