/**
 * The seal of what the portal shows once (src/http/portal/shown-once.ts): it opens once, only in its context, only
 * before its end, and only when the store grants the claim of its id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { openShownOnce, sealShownOnce } from '../../src/http/portal/shown-once.js';
import { CREATED_TOKEN_SECONDS } from '../../src/http/portal/cookies.js';

/** A store that records claims as the table's primary key does. */
function claims() {
  const spent = new Map<string, number>();
  return {
    spent,
    async claimShownOnce(id: string, expiresAt: number) {
      if (spent.has(id)) return false;
      spent.set(id, expiresAt);
      return true;
    },
  };
}

const key = randomBytes(32);

test('opens once; a second presentation of the same seal is refused', async () => {
  const store = claims();
  const sealed = sealShownOnce(key, { token: 'secret' }, 'session-1');
  assert.deepEqual(await openShownOnce(store, key, sealed, 'session-1'), { token: 'secret' });
  assert.equal(await openShownOnce(store, key, sealed, 'session-1'), null);
  assert.equal(store.spent.size, 1);
  assert.ok(![...store.spent.keys()].some((id) => id.includes('secret')), 'the claim is an id, not the value');
});

test('two seals of the same value are two claims', async () => {
  const store = claims();
  const a = sealShownOnce(key, 'v', 'ctx');
  const b = sealShownOnce(key, 'v', 'ctx');
  assert.equal(await openShownOnce(store, key, a, 'ctx'), 'v');
  assert.equal(await openShownOnce(store, key, b, 'ctx'), 'v');
});

test('past its end the seal opens nowhere, and claims nothing', async () => {
  const store = claims();
  const madeAt = Date.now();
  const sealed = sealShownOnce(key, 'v', 'ctx', madeAt);
  const end = madeAt + CREATED_TOKEN_SECONDS * 1000;
  assert.equal(await openShownOnce(store, key, sealed, 'ctx', end), null);
  assert.equal(store.spent.size, 0);
  assert.equal(await openShownOnce(store, key, sealed, 'ctx', end - 1), 'v', 'just before its end it still opens');
  assert.equal(store.spent.get([...store.spent.keys()][0]!), end, 'the claim is kept until the seal ends');
});

test('another context, another key, an altered or missing seal: nothing, and no claim', async () => {
  const store = claims();
  const sealed = sealShownOnce(key, 'v', 'ctx');
  assert.equal(await openShownOnce(store, key, sealed, 'other'), null);
  assert.equal(await openShownOnce(store, randomBytes(32), sealed, 'ctx'), null);
  const raw = Buffer.from(sealed, 'base64url');
  raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
  assert.equal(await openShownOnce(store, key, raw.toString('base64url'), 'ctx'), null);
  assert.equal(await openShownOnce(store, key, undefined, 'ctx'), null);
  assert.equal(store.spent.size, 0);
  assert.equal(await openShownOnce(store, key, sealed, 'ctx'), 'v', 'the untouched seal still opens once');
});
