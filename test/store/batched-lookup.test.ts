/**
 * Reads that arrive together go as one statement (store/batched-lookup.ts, PostgreSQL's token and user reads): each
 * caller gets exactly its own row or none, the same key is read once, a large group is split, a failed statement
 * fails only its own reads, an idle lookup sends at once, and reads that arrive while the statements allowed are out
 * wait and go together. Then the
 * store's reads, many at once on one pooled connection, answer exactly as one at a time would (both backends).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { batchedLookup } from '../../src/store/batched-lookup.js';
import type { Store } from '../../src/store/store.js';
import { bothBackends, reportUnavailable, storeLocation, type StoreLocation } from './backends.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';

interface Row {
  key: string;
  value: number;
}

/** A fake table of rows keyed `k0`..`k99`, recording every statement's keys. */
function fakeTable() {
  const statements: string[][] = [];
  const readMany = async (keys: readonly string[]) => {
    statements.push([...keys]);
    await new Promise((r) => setTimeout(r, 1));
    return keys.filter((k) => /^k\d+$/.test(k) && Number(k.slice(1)) < 100).map((k) => ({ key: k, value: Number(k.slice(1)) }));
  };
  return { statements, readMany };
}

test('reads asked together are one statement; each caller gets its own row or none; a key asked twice is read once', async () => {
  const table = fakeTable();
  const read = batchedLookup<Row>(table.readMany, (r) => r.key);
  const asked = ['k3', 'k7', 'missing', 'k3', 'k99', 'k100'];
  const answers = await Promise.all(asked.map((k) => read(k)));
  assert.deepEqual(
    answers.map((a) => a?.value),
    [3, 7, undefined, 3, 99, undefined],
  );
  assert.deepEqual(table.statements, [['k3', 'k7', 'missing', 'k99', 'k100']]);
  // A later read, with nothing out, is a statement of its own, sent at once.
  assert.equal((await read('k5'))?.value, 5);
  assert.equal(table.statements.length, 2);
});

test('a group larger than the bound is split; a failed statement fails only its own reads', async () => {
  const statements: string[][] = [];
  const read = batchedLookup<Row>(
    async (keys) => {
      statements.push([...keys]);
      if (keys.includes('k2')) throw new Error('connection lost');
      return keys.map((k) => ({ key: k, value: Number(k.slice(1)) }));
    },
    (r) => r.key,
    { maxBatch: 2 },
  );
  const settled = await Promise.allSettled(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => read(k)));
  assert.deepEqual(statements, [['k0', 'k1'], ['k2', 'k3'], ['k4']]);
  assert.deepEqual(
    settled.map((s) => (s.status === 'fulfilled' ? s.value?.value : (s.reason as Error).message)),
    [0, 1, 'connection lost', 'connection lost', 4],
  );
});

test('while the statements allowed are out, new reads wait and then go together in one statement', async () => {
  const statements: string[][] = [];
  const release: Array<() => void> = [];
  const read = batchedLookup<Row>(
    (keys) => {
      statements.push([...keys]);
      return new Promise((resolve) => release.push(() => resolve(keys.map((k) => ({ key: k, value: Number(k.slice(1)) })))));
    },
    (r) => r.key,
    { maxInFlight: 1 },
  );
  const first = read('k1');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(statements, [['k1']], 'an idle lookup sends at once, without waiting for company');
  const later = [read('k2'), read('k3')];
  await new Promise((r) => setImmediate(r));
  const last = read('k4');
  await new Promise((r) => setImmediate(r));
  assert.equal(statements.length, 1, 'nothing more goes out while the one allowed statement runs');
  release.shift()!();
  assert.equal((await first)?.value, 1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(statements[1], ['k2', 'k3', 'k4'], 'the reads that waited go together');
  release.shift()!();
  assert.deepEqual(
    (await Promise.all([...later, last])).map((r) => r?.value),
    [2, 3, 4],
  );
});

test('a row whose key is not the one asked for answers nobody', async () => {
  // Whatever the statement returns, a caller only ever gets a row whose key equals its own.
  const read = batchedLookup<Row>(
    async () => [{ key: 'other', value: 1 }],
    (r) => r.key,
  );
  assert.equal(await read('mine'), undefined);
});

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'batched reads')) continue;
  describe(`the exchange's reads, many at once (${plan.backend})`, () => {
    let location: StoreLocation;
    let store: Store;
    before(async () => {
      location = await storeLocation(plan, 'tessera-batched-');
      store = await location.open({ poolSize: 1 });
    });
    after(async () => {
      await store?.close();
      await location?.cleanup();
    });

    test('60 token reads and 60 user reads at once answer as one at a time', async () => {
      const { orgId, userIds } = await orgWithUsers(store, `batch-${randomUUID().slice(0, 8)}`, ['a', 'b', 'c']);
      const rows: Array<ReturnType<typeof mintedTokenRow>> = [];
      for (let i = 0; i < 30; i++) {
        const row = mintedTokenRow(orgId, userIds[i % 3]!);
        await store.insertApiToken(row);
        rows.push(row);
      }
      const hashes = [
        ...rows.map((r) => r.secret_hash),
        ...rows.slice(0, 10).map((r) => r.secret_hash),
        ...Array.from({ length: 20 }, () => randomUUID().replace(/-/g, '').repeat(2)),
      ];
      const tokens = await Promise.all(hashes.map((h) => store.exchangeTokenByHash(h)));
      hashes.forEach((h, i) => {
        const expected = rows.find((r) => r.secret_hash === h);
        assert.equal(tokens[i]?.id, expected?.id, `read ${i}`);
        if (expected) assert.equal(tokens[i]!.secret_hash, h);
      });
      const userKeys = [...userIds, ...userIds, randomUUID(), ...Array.from({ length: 54 }, (_, i) => userIds[i % 3]!)];
      const users = await Promise.all(userKeys.map((id) => store.identityUserById(id)));
      userKeys.forEach((id, i) => assert.equal(users[i]?.id, userIds.includes(id) ? id : undefined, `user read ${i}`));
    });
  });
}
