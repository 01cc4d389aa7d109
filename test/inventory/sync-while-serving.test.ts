/**
 * An inventory sync batch does not stop the rest of the service: while a batch's transaction is open (held open here,
 * after it wrote its 1,500 objects), a tenant's uncached query page, a first exchange of an API token (a read of the
 * store) and a bearer call are answered, and none of them sees the batch's objects before it commits. On SQLite,
 * until 2026-12-05, each of them waited for the batch's commit: kysely's single connection was held by the batch, and
 * the event loop by its statements (src/store/sqlite-connections.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startTessera, ADMIN_PASSWORD, DEMO_PASSWORD, defaultBackend } from '../helpers/tessera.js';
import { signIn, createApiToken, exchange, http, bearer } from '../helpers/api.js';
import type { Store } from '../../src/store/store.js';

const JSON_36 = { accept: 'application/*+json;version=36.1' };

/** Holds the next transaction open after its work, until the returned release is called. */
function holdNextTransaction(store: Store) {
  const original = store.transaction.bind(store);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const holding = new Promise<void>((resolve) => (entered = resolve));
  store.transaction = (<T>(fn: Parameters<Store['transaction']>[0]) => {
    store.transaction = original;
    return original(async (trx) => {
      const result = (await fn(trx)) as T;
      entered();
      await released;
      return result;
    });
  }) as Store['transaction'];
  return { holding, release };
}

test(`queries, exchanges and bearer calls are answered while a sync batch is being written (${defaultBackend()})`, async (t) => {
  const tessera = await startTessera({ demo: true });
  t.after(() => tessera.stop());
  const url = tessera.baseUrl;
  const system = await signIn(url, 'administrator', 'System', ADMIN_PASSWORD);
  const alice = await signIn(url, 'alice', 'acme', DEMO_PASSWORD);
  const { apiToken } = await createApiToken(url, alice, 'acme', 'during-sync');

  const n = 500;
  const batch = {
    vdcs: [{ id: 'sws-vdc', org: 'acme', name: 'sws-vdc' }],
    vapps: Array.from({ length: n }, (_, i) => ({ id: `sws-vapp-${i}`, vdc: 'sws-vdc', name: `sws-app-${i}`, owner: 'alice' })),
    vms: Array.from({ length: 2 * n }, (_, i) => ({
      id: `sws-vm-${i}`,
      vapp: `sws-vapp-${i % n}`,
      name: `sws-vm-${i}`,
      status: 'POWERED_ON',
    })),
  };
  const held = holdNextTransaction(tessera.store);
  const applied = http(`${url}/cloudapi/x-tessera/inventory/sources/sws/batches`, {
    method: 'POST',
    headers: { ...bearer(system), 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  await held.holding;

  try {
    const answered = <T>(label: string, request: Promise<T>) =>
      Promise.race([request, delay(5_000).then(() => assert.fail(`${label}: not answered while the batch was open`))]);
    // A filter no earlier request used: the page is read from the store, not from the query cache.
    const page = await answered(
      'query page',
      http(`${url}/api/query?type=vm&filter=name==sws-vm-*&pageSize=5`, { headers: { ...bearer(alice), ...JSON_36 } }),
    );
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json().total, 0, 'the open batch is not visible');
    const exchanged = await answered('first exchange of a token', exchange(url, 'acme', apiToken));
    assert.equal(exchanged.status, 200, exchanged.text);
    const current = await answered(
      'bearer call',
      http(`${url}/cloudapi/1.0.0/sessions/current`, { headers: bearer(exchanged.json().access_token) }),
    );
    assert.equal(current.status, 200, current.text);
  } finally {
    held.release(); // also when an assertion failed: the server cannot stop while the batch is held
  }
  const result = await applied;
  assert.equal(result.status, 200, result.text);
  assert.deepEqual(result.json(), { created: 1 + 3 * n, updated: 0, deleted: 0, unchanged: 0 });
  const after = await http(`${url}/api/query?type=vm&filter=name==sws-vm-*&pageSize=5`, { headers: { ...bearer(alice), ...JSON_36 } });
  assert.equal(after.json().total, 2 * n, 'committed: the next page shows the batch');
});
