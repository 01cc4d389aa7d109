/**
 * The demo inventory: the spec has what the issue asks (a VDC of more than one page, templates, powered-off
 * and undeployed VMs, two owners), and the seeder writes exactly the spec, idempotently, on both backends.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_INVENTORY, demoVms } from '../../src/inventory/demo-spec.js';
import { demoIds, seedDemoInventory } from '../../src/inventory/demo.js';
import type { Store } from '../../src/store/store.js';
import { bothBackends, reportUnavailable } from '../store/backends.js';
import { countRows, makeDemoOrgs, makeOrg, openTestStore } from './fixtures.js';

test('DEMO_INVENTORY has what clients need to exercise paging, filters and isolation', () => {
  const acme = demoVms(DEMO_INVENTORY.acme);
  assert.ok(acme.length >= 55 && acme.length <= 65, `about 60 acme VMs, got ${acme.length}`);
  assert.ok(DEMO_INVENTORY.acme.vdcs.length >= 3);
  assert.ok(
    DEMO_INVENTORY.acme.vdcs.some((v) => v.vapps.reduce((n, a) => n + a.vms.length, 0) > 25),
    'one VDC holds more than a page',
  );
  assert.ok(acme.some((p) => p.vapp.template));
  assert.ok(acme.some((p) => !p.vapp.template && p.vm.status === 'POWERED_OFF'));
  assert.ok(acme.some((p) => !p.vapp.template && !p.vm.deployed));
  assert.deepEqual([...new Set(acme.map((p) => p.vapp.owner))].sort(), ['alice', 'bob']);
  assert.equal(new Set(acme.map((p) => p.vm.name)).size, acme.length, 'VM names are unique in an org');
  const globex = demoVms(DEMO_INVENTORY.globex);
  assert.equal(DEMO_INVENTORY.globex.vdcs.length, 1);
  assert.ok(globex.length >= 3 && globex.length <= 10);
  assert.deepEqual([...new Set(globex.map((p) => p.vapp.owner))], ['hank']);
  assert.ok(
    globex.some((p) => acme.some((q) => q.vm.name === p.vm.name)),
    'a name shared across orgs, for isolation tests',
  );
  for (const p of [...acme, ...globex]) {
    assert.equal(p.vm.ipAddress === null, !p.vm.deployed || p.vapp.template, `${p.vm.name}: only deployed VMs have an IP`);
  }
});

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'demo inventory')) continue;
  describe(`seedDemoInventory on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgs: { acme: string; globex: string };
    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      orgs = await makeDemoOrgs(store);
      await seedDemoInventory(store, orgs);
    });
    after(async () => cleanup?.());

    test('writes exactly the spec', async () => {
      for (const [orgId, spec] of [
        [orgs.acme, DEMO_INVENTORY.acme],
        [orgs.globex, DEMO_INVENTORY.globex],
      ] as const) {
        assert.equal(await countRows(store, 'vms', orgId), demoVms(spec).length);
        assert.equal(await countRows(store, 'vdcs', orgId), spec.vdcs.length);
        assert.equal(
          await countRows(store, 'vapps', orgId),
          spec.vdcs.reduce((n, v) => n + v.vapps.length, 0),
        );
      }
      const p = demoVms(DEMO_INVENTORY.acme).find((x) => x.vm.name === 'lab-05')!;
      const row = await store.db
        .selectFrom('vms')
        .innerJoin('users', 'users.id', 'vms.owner_id')
        .select(['vms.status', 'vms.is_deployed', 'vms.cpus', 'vms.memory_mb', 'vms.ip_address', 'users.name as owner'])
        .where('vms.id', '=', demoIds.vm(orgs.acme, p.vdc.name, p.vapp.name, p.vm.name))
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        status: p.vm.status,
        is_deployed: 0,
        cpus: p.vm.cpus,
        memory_mb: p.vm.memoryMb,
        ip_address: null,
        owner: 'alice',
      });
    });

    test('a second call changes nothing', async () => {
      const before = await countRows(store, 'vms', orgs.acme);
      const metadata = await countRows(store, 'metadata', orgs.acme);
      await seedDemoInventory(store, orgs);
      assert.equal(await countRows(store, 'vms', orgs.acme), before);
      assert.equal(await countRows(store, 'metadata', orgs.acme), metadata);
    });

    test('owners must exist: a clear error, and nothing written', async () => {
      const empty = await makeOrg(store, 'no-users');
      const globexAlone = await makeOrg(store, 'globex-2');
      await assert.rejects(seedDemoInventory(store, { acme: empty.id, globex: globexAlone.id }), /user "(alice|bob)" does not exist/);
      assert.equal(await countRows(store, 'vms', empty.id), 0);
    });
  });
}
