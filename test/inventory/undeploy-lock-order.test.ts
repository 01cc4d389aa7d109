/**
 * A vApp's undeploy takes the vApp's row before its VMs', the order of every other write to a vApp and its VMs (the
 * vApp's delete, whose cascade reaches the VMs; take-ownership, one transaction since 2026-12-07; the inventory's
 * upserts). Until 2026-12-07 it wrote the VMs first: on PostgreSQL an undeploy and a take-ownership of
 * the same vApp at once deadlocked, and one of the two answered 503. PostgreSQL only: SQLite has one writer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTessera } from '../helpers/tessera.js';
import { postgresPlan, reportUnavailable } from '../store/backends.js';
import { undeployVApp } from '../../src/inventory/teardown.js';

const plan = postgresPlan();
if (!reportUnavailable(plan, 'undeploy lock order')) {
  test('an undeploy and a write holding the vApp then its VMs (take-ownership) both go through, on postgres', async (t) => {
    const node = await startTessera({ backend: 'postgres' });
    t.after(() => node.stop());
    const store = node.store;
    const vapp = await store.db
      .selectFrom('vapps')
      .innerJoin('vms', 'vms.vapp_id', 'vapps.id')
      .select(['vapps.id as id', 'vapps.owner_id as owner'])
      .where('vapps.status', '=', 'POWERED_ON')
      .where('vms.status', '=', 'POWERED_ON')
      .executeTakeFirstOrThrow();
    const newOwner = (
      await store.db
        .selectFrom('users')
        .select('id')
        .where('id', '!=', vapp.owner ?? '')
        .executeTakeFirstOrThrow()
    ).id;

    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // take-ownership's order (store.reassignOwnership): the vApp's row, then its VMs', in one transaction.
    const take = store.transaction(async (trx) => {
      await trx.updateTable('vapps').set({ owner_id: newOwner }).where('id', '=', vapp.id).execute();
      holding();
      await released;
      await trx.updateTable('vms').set({ owner_id: newOwner }).where('vapp_id', '=', vapp.id).execute();
    });
    await held;
    const undeploy = undeployVApp(store, vapp.id, 'powerOff', async () => {});
    undeploy.catch(() => {});
    // The undeploy waits for the other transaction (a lock wait seen by the server, not a sleep): for the vApp's row,
    // or, when it wrote the VMs first, for the inventory version row the other's write took (its statement trigger).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const waiting = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(store.db);
      if (waiting.rows[0]!.n > 0) break;
      if (Date.now() >= deadline) {
        release();
        assert.fail('the undeploy came to wait for the other transaction within 10 s');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    release();
    const [took, undeployed] = await Promise.allSettled([take, undeploy]);
    assert.equal(took.status, 'fulfilled', took.status === 'rejected' ? String(took.reason) : '');
    assert.equal(undeployed.status, 'fulfilled', undeployed.status === 'rejected' ? String(undeployed.reason) : '');
    const after = await store.db.selectFrom('vapps').select(['status', 'owner_id']).where('id', '=', vapp.id).executeTakeFirstOrThrow();
    assert.deepEqual([after.status, after.owner_id], ['POWERED_OFF', newOwner]);
  });
}
