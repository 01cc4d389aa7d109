/**
 * Writers that bump the inventory version (`inventory_state`, id 1) take its row before any row of their own on
 * PostgreSQL (Store.transaction, and migration 0028 for single statements), so two of them meet on that row and take
 * turns. Until 2026-12-07 the row was taken by the bump after each statement, in the middle of the transaction, and
 * a writer holding it waited for a row that another, waiting for it, held: PostgreSQL failed one ("deadlock
 * detected", a 503 to the client). Two such pairs:
 * - a vApp's delete (its metadata first, then the vApp) and an undeploy of the same vApp (the vApp's row, then
 *   its VMs);
 * - an org's disable (the org's row, then its users') and one of its users changing their own name (their own
 *   row, locked by the session check, then the name).
 * Each round forces the interleaving that deadlocked, with a third transaction that holds what the first writer
 * needs next until both writers wait for the database (seen in pg_stat_activity, not a sleep); then a free race of
 * many rounds, bounded in time. PostgreSQL only: SQLite has one writer.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../src/store/schema.js';
import { createTestDatabase, defaultBackend, startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { deleteVApp, undeployVApp } from '../../src/inventory/teardown.js';

const SQLITE_SKIP = 'SQLite has one writer: two transactions cannot wait on each other (runs with TESSERA_TEST_BACKEND=postgres)';
const noCheck = async () => {};

async function postgresNode(t: TestContext): Promise<TesseraHandle> {
  // A database of its own: the lock waits counted below are this node's only.
  const database = await createTestDatabase();
  const node = await startTessera({ backend: 'postgres', databaseUrl: database.url });
  t.after(async () => {
    await node.stop();
    await database.drop();
  });
  return node;
}

/** Waits until `n` statements of this database wait for a lock (a transaction blocked by another), at most 10 s. */
async function lockWaiters(node: TesseraHandle, n: number, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const waiting = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
      node.store.db,
    );
    if (waiting.rows[0]!.n >= n) return;
    if (Date.now() >= deadline) assert.fail(`${what} came to wait for a lock within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `hold` in a transaction that stays open until the returned `release` is called; resolves once `hold` ran. */
async function holding(node: TesseraHandle, hold: (trx: Transaction<DB>) => Promise<unknown>) {
  let held!: () => void;
  const ready = new Promise<void>((resolve) => (held = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  // Not Store.transaction: this stands for whatever else holds the rows, and takes no lock first.
  const done = node.store.db.transaction().execute(async (trx) => {
    await hold(trx);
    held();
    // At most 15 s: a test that fails before releasing it still ends (the node's stop waits for its connections).
    await Promise.race([released, new Promise((r) => setTimeout(r, 15_000).unref())]);
  });
  done.catch(() => held());
  await ready;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

/**
 * `count` copies of a demo vApp with its VMs and a metadata entry, "deployed but powered off": deletable, and an
 * undeploy still writes every VM.
 */
async function undeployableVApps(node: TesseraHandle, count: number): Promise<string[]> {
  const db = node.store.db;
  const source = await db
    .selectFrom('vapps')
    .selectAll()
    .where('is_template', '=', 0)
    .where((eb) => eb.exists(eb.selectFrom('vms').select('vms.id').whereRef('vms.vapp_id', '=', 'vapps.id')))
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const vms = await db.selectFrom('vms').selectAll().where('vapp_id', '=', source.id).execute();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    await db
      .insertInto('vapps')
      .values({ ...source, id, name: `${source.name}-race-${i}`, status: 'POWERED_OFF', is_deployed: 1 })
      .execute();
    await db
      .insertInto('vms')
      .values(vms.map((vm) => ({ ...vm, id: randomUUID(), vapp_id: id, status: 'POWERED_OFF', is_deployed: 1 })))
      .execute();
    await db
      .insertInto('metadata')
      .values({
        entity_kind: 'vapp',
        entity_id: id,
        org_id: source.org_id,
        domain: 'GENERAL',
        key: 'race',
        value: String(i),
        value_type: 'MetadataStringValue',
        visibility: 'READWRITE',
      })
      .execute();
  }
  return ids;
}

function settledOk(results: PromiseSettledResult<unknown>[], what: string): void {
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 'fulfilled', `${what} [${i}]: ${r.status === 'rejected' ? String(r.reason) : ''}`);
  }
}

test('a vApp delete and an undeploy of the same vApp both go through, on postgres', async (t) => {
  if (defaultBackend() !== 'postgres') return t.skip(SQLITE_SKIP);
  const node = await postgresNode(t);
  const store = node.store;
  const forced = await undeployableVApps(node, 3);
  for (const [round, id] of forced.entries()) {
    const vapp = { id, name: `vApp ${round}` };
    // The VMs' rows held elsewhere: the undeploy takes the vApp's row, then waits for its VMs'.
    const vms = await holding(node, (trx) => trx.selectFrom('vms').select('id').where('vapp_id', '=', id).forUpdate().execute());
    const undeploy = undeployVApp(store, id, 'powerOff', noCheck);
    undeploy.catch(() => {});
    await lockWaiters(node, 1, `round ${round}: the undeploy`);
    // The delete writes the vApp's metadata (until 2026-12-07 taking the version row there), then wants the vApp.
    const remove = deleteVApp(store, vapp, noCheck);
    remove.catch(() => {});
    await lockWaiters(node, 2, `round ${round}: the delete`);
    await vms.release();
    settledOk(await Promise.allSettled([undeploy, remove]), `round ${round}`);
    assert.equal(await store.db.selectFrom('vapps').select('id').where('id', '=', id).executeTakeFirst(), undefined, `round ${round}`);
  }

  // Free races, bounded: as many rounds as fit in 10 s (at most 30), both started at once.
  const free = await undeployableVApps(node, 30);
  const until = Date.now() + 10_000;
  let rounds = 0;
  for (const [round, id] of free.entries()) {
    if (Date.now() >= until) break;
    const results = await Promise.allSettled([
      undeployVApp(store, id, 'powerOff', noCheck),
      deleteVApp(store, { id, name: `free ${round}` }, noCheck),
    ]);
    settledOk(results, `free round ${round}`);
    rounds++;
  }
  assert.ok(rounds > 0, 'at least one free round ran');
});

test("an org's disable and one of its users changing their own name both answer, on postgres", async (t) => {
  if (defaultBackend() !== 'postgres') return t.skip(SQLITE_SKIP);
  const node = await postgresNode(t);
  const admin = await signIn(node.baseUrl, 'administrator', 'System', node.adminPassword);
  const acme = (await node.store.getOrgByName('acme'))!;
  const vdc = await node.store.db.selectFrom('vdcs').select('id').executeTakeFirstOrThrow();
  const action = (verb: 'enable' | 'disable') =>
    http(`${node.baseUrl}/api/admin/org/${acme.id}/action/${verb}`, {
      method: 'POST',
      headers: bearer(admin, 'application/*+xml;version=36.1'),
    });
  for (let round = 0; round < 3; round++) {
    // Signed in again each round: the disable ends the org's sessions.
    const alice = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
    const aliceId = (await node.store.db.selectFrom('users').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow()).id;
    // Another writer of the inventory holds the version row until both requests wait.
    const inventory = await holding(node, (trx) => trx.updateTable('vdcs').set({ spec_hash: null }).where('id', '=', vdc.id).execute());
    // The disable first (it locks the org, writes it, then would want alice's row) ...
    const disable = action('disable');
    await lockWaiters(node, 1, `round ${round}: the disable`);
    // ... then alice's own change (her row, locked by the session check, then her name).
    const rename = http(`${node.baseUrl}/cloudapi/1.0.0/users/${aliceId}`, {
      method: 'PUT',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ fullName: `Alice ${round}` }),
    });
    await lockWaiters(node, 2, `round ${round}: the rename`);
    await inventory.release();
    const [disabled, renamed] = await Promise.all([disable, rename]);
    // Until 2026-12-07: "deadlock detected", a 503 for one of the two.
    assert.equal(disabled.status, 204, `round ${round}: ${disabled.text}`);
    assert.ok(renamed.status < 500, `round ${round}: ${renamed.status} ${renamed.text}`);
    assert.equal((await node.store.getOrgByName('acme'))!.is_enabled, 0, `round ${round}`);
    assert.equal((await action('enable')).status, 204);
  }
});

test('one statement outside a transaction takes the version row before its own rows, on postgres', async (t) => {
  if (defaultBackend() !== 'postgres') return t.skip(SQLITE_SKIP);
  const node = await postgresNode(t);
  const [id] = await undeployableVApps(node, 1);
  // Another inventory writer holds the version row.
  const inventory = await holding(node, (trx) =>
    trx.selectFrom('inventory_state').select('version').where('id', '=', 1).forUpdate().execute(),
  );
  // A rename in one statement (a vApp's delete is one too, its cascade reaching the VMs): it waits for the row ...
  const rename = node.store.db.updateTable('vapps').set({ name: 'renamed' }).where('id', '=', id!).execute();
  rename.catch(() => {});
  await lockWaiters(node, 1, 'the rename');
  // ... holding none of its own, which a writer holding the version row may want next. Until 2026-12-07 the bump,
  // after the statement, took it with the vApp's row held: this lock failed at once (55P03).
  const free = await node.store.db
    .transaction()
    .execute((trx) => sql<{ id: string }>`select id from vapps where id = ${id} for update nowait`.execute(trx));
  assert.equal(free.rows.length, 1);
  await inventory.release();
  await rename;
  const after = await node.store.db.selectFrom('vapps').select('name').where('id', '=', id!).executeTakeFirstOrThrow();
  assert.equal(after.name, 'renamed');
});

test('a transaction started by work that outlives the one that started it takes the version row first again, on postgres', async (t) => {
  if (defaultBackend() !== 'postgres') return t.skip(SQLITE_SKIP);
  const node = await postgresNode(t);
  const store = node.store;
  // A transaction (lock-first) starts work that runs after it has committed: a timer, as a worker would.
  let startLater!: () => void;
  const later = new Promise<void>((resolve) => (startLater = resolve));
  let laterTransaction!: Promise<void>;
  await store.transaction(async () => {
    setTimeout(() => {
      laterTransaction = later.then(() => store.transaction(async () => {}));
      laterTransaction.catch(() => {});
    }, 0);
  });
  await new Promise((r) => setTimeout(r, 20));
  // Another writer holds the version row; the later transaction must wait for it, as any other would. Until
  // 2026-12-07 it inherited the first one's "already held" mark for good and went past it.
  const inventory = await holding(node, (trx) =>
    trx.selectFrom('inventory_state').select('version').where('id', '=', 1).forUpdate().execute(),
  );
  startLater();
  await lockWaiters(node, 1, 'the later transaction');
  await inventory.release();
  await laterTransaction;
});
