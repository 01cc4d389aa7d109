/**
 * vApp network ids and their lookup (src/inventory/vapp-networks.ts, vapp-context.ts): the id carries its vApp's first 48 bits, so a
 * network is found from its id by a range of vApps and their VMs, never by computing every vApp network's id. On
 * both backends: vApps whose ids share that prefix, a template, another org, names that are gone.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Store } from '../../src/store/store.js';
import type { VAppTable, VmTable } from '../../src/inventory/schema.js';
import { insertInventoryRows } from '../../src/inventory/writer.js';
import { vappNetworkId, vappNetworksOf } from '../../src/inventory/vapp-networks.js';
import { findVAppNetwork } from '../../src/inventory/vapp-context.js';
import type { InventoryScope } from '../../src/inventory/scope.js';
import { orgVdcNetworkId } from '../../src/inventory/org-vdc-networks.js';
import { bothBackends, reportUnavailable } from '../store/backends.js';
import { emptyVdcRow, makeOrg, openTestStore, plainVmRow } from './fixtures.js';

const V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('vApp network ids', () => {
  test('a custom (version 8) UUID that starts with its vApp id and depends on the vApp and the name only', () => {
    const vapp = randomUUID();
    const id = vappNetworkId(vapp, 'net-a');
    assert.match(id, V8);
    assert.equal(id.slice(0, 13), vapp.slice(0, 13));
    assert.equal(vappNetworkId(vapp, 'net-a'), id, 'stable');
    assert.notEqual(vappNetworkId(vapp, 'net-b'), id);
    // Two vApps that share the prefix still get different ids for the same name.
    const twin = `${vapp.slice(0, 13)}-4000-8000-000000000000`;
    assert.notEqual(vappNetworkId(twin, 'net-a'), id);
    // Never an org VDC network's (version 5), even from the same ids and names.
    assert.match(orgVdcNetworkId(vapp, 'net-a'), /^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });

  test("a vApp's networks carry those ids", () => {
    const vapp = randomUUID();
    const vdc = { id: randomUUID(), network_name: 'org-net' };
    const networks = vappNetworksOf(vapp, [{ network_name: 'org-net' }, { network_name: 'lab' }, { network_name: null }], vdc);
    assert.deepEqual(
      networks.map((n) => [n.name, n.id, n.linked, n.parentId]),
      [
        ['lab', vappNetworkId(vapp, 'lab'), false, null],
        ['org-net', vappNetworkId(vapp, 'org-net'), true, orgVdcNetworkId(vdc.id, 'org-net')],
      ],
    );
  });
});

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'vApp network lookup')) continue;
  describe(`a vApp network found by its id on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgId: string;
    let otherOrgId: string;
    // Three vApps whose ids share one prefix (the lookup must tell them apart), a template with the same prefix,
    // and a vApp of another org.
    const prefix = randomUUID().slice(0, 13);
    const twins = ['4001-8000-000000000001', '4002-9000-000000000002', '4003-a000-000000000003'].map((rest) => `${prefix}-${rest}`);
    const template = `${prefix}-4004-b000-000000000004`;
    const foreign = randomUUID();

    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      orgId = (await makeOrg(store, 'nets')).id;
      otherOrgId = (await makeOrg(store, 'other')).id;
      const vdc = emptyVdcRow(orgId, 'vdc');
      const otherVdc = emptyVdcRow(otherOrgId, 'vdc');
      const vapp = (id: string, org: string, vdcId: string, isTemplate = 0): Insertable<VAppTable> => ({
        id,
        org_id: org,
        vdc_id: vdcId,
        name: `vapp-${id.slice(-4)}`,
        description: '',
        status: 'POWERED_ON',
        owner_id: null,
        is_deployed: 1,
        is_template: isTemplate,
        catalog_name: isTemplate ? 'cat' : null,
        created_at: 0,
      });
      const vm = (v: Insertable<VAppTable>, network: string | null): Insertable<VmTable> =>
        plainVmRow(v, `vm-${randomUUID().slice(0, 8)}`, { network_name: network, is_template: v.is_template });
      const vapps = [...twins.map((id) => vapp(id, orgId, vdc.id as string)), vapp(template, orgId, vdc.id as string, 1)];
      const foreignVApp = vapp(foreign, otherOrgId, otherVdc.id as string);
      const vms = [
        // Every twin has "shared" on two VMs; each has a network of its own.
        ...vapps.flatMap((v, i) => [vm(v, 'shared'), vm(v, 'shared'), vm(v, `own-${i}`), vm(v, null)]),
        vm(foreignVApp, 'shared'),
      ];
      await store.transaction((trx) => insertInventoryRows(trx, { vdcs: [vdc, otherVdc], vapps: [...vapps, foreignVApp], vms }));
    });
    after(async () => cleanup?.());

    const org = () => ({ kind: 'org' as const, orgId });
    const all = { kind: 'all' as const };
    /** What the lookup found, by its vApp, org and network name (and the VMs it read are that vApp's). */
    const findVAppNetworkOwner = async (scope: InventoryScope, id: string) => {
      const found = await findVAppNetwork(store, scope, id);
      if (!found) return undefined;
      assert.ok(found.vms.length > 0 && found.vms.every((vm) => vm.vapp_id === found.vapp.id));
      assert.equal(found.network.id, id);
      return { vappId: found.vapp.id, orgId: found.vapp.org_id, name: found.network.name };
    };

    test('each network of each twin is found, as its own vApp and name', async () => {
      for (const [i, vappId] of twins.entries()) {
        for (const name of ['shared', `own-${i}`]) {
          assert.deepEqual(await findVAppNetworkOwner(org(), vappNetworkId(vappId, name)), { vappId, orgId, name }, `${vappId} ${name}`);
          assert.deepEqual(await findVAppNetworkOwner(all, vappNetworkId(vappId, name)), { vappId, orgId, name });
        }
        // A network another twin has and this one has not.
        assert.equal(await findVAppNetworkOwner(org(), vappNetworkId(vappId, `own-${(i + 1) % twins.length}`)), undefined);
      }
    });

    test("a template's networks, another org's, unknown names and ids that are not vApp network ids are not found", async () => {
      assert.equal(await findVAppNetworkOwner(org(), vappNetworkId(template, 'shared')), undefined, 'a template');
      assert.equal(await findVAppNetworkOwner(org(), vappNetworkId(foreign, 'shared')), undefined, 'another org');
      assert.deepEqual(await findVAppNetworkOwner(all, vappNetworkId(foreign, 'shared')), {
        vappId: foreign,
        orgId: otherOrgId,
        name: 'shared',
      });
      assert.equal(await findVAppNetworkOwner(org(), vappNetworkId(twins[0]!, 'nowhere')), undefined);
      for (const id of [
        randomUUID(),
        orgVdcNetworkId(twins[0]!, 'shared'),
        twins[0]!,
        `${prefix}-8000-8000-000000000000`,
        'not-a-uuid',
        '',
      ]) {
        assert.equal(await findVAppNetworkOwner(all, id), undefined, id);
      }
    });
  });
}
