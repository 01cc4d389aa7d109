/**
 * Inventory entity documents under /api, read the way govcd and pyvcloud read them (vcd-clients §1.6, §3, §6):
 * OrgList → Org → Vdc, AdminOrg and its Metadata, vApps, templates and VMs; 403 for anything outside the
 * caller's org; hrefs from the request's host or the configured public URL.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { signIn } from '../../helpers/api.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { SYSTEM_ORG_ID } from '../../../src/domain/rights.js';
import { UUID, VCLOUD_NS, child, childrenNamed, get, links, startDemoServer, xmlError, xmlRoot, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let globexId: string;

before(async () => {
  ({ server, s, acmeId, globexId } = await startDemoServer());
});
after(async () => server?.stop());

const type = (kind: string) => new RegExp(`^application/vnd\\.vmware\\.${kind}\\+xml;version=36\\.1$`);

describe('orgs', () => {
  test('GET /api/org: a tenant sees its own org; the href is exactly <base>/api/org/<uuid> (govcd splits on it)', async () => {
    const root = xmlRoot(await get(server, '/api/org', s.alice), 200, type('vcloud\\.orgList'));
    assert.equal(root.name, 'OrgList');
    assert.equal(root.attrs.xmlns, VCLOUD_NS);
    const orgs = childrenNamed(root, 'Org');
    assert.deepEqual(
      orgs.map((o) => o.attrs.name),
      ['acme'],
    );
    assert.equal(orgs[0]!.attrs.href, `${server.baseUrl}/api/org/${acmeId}`);
    assert.equal(orgs[0]!.attrs.href!.split('/api/org/')[1], acmeId);
  });

  test('GET /api/org: the System administrator sees every org, System first', async () => {
    const root = xmlRoot(await get(server, '/api/org', s.admin), 200, type('vcloud\\.orgList'));
    const orgs = childrenNamed(root, 'Org').map((o) => o.attrs.name);
    assert.deepEqual(orgs, ['System', 'acme', 'globex']);
    assert.ok(childrenNamed(root, 'Org').some((o) => o.attrs.href === `${server.baseUrl}/api/org/${SYSTEM_ORG_ID}`));
  });

  test('GET /api/org/{id}: links to each VDC and the VDC query pyvcloud looks for', async () => {
    const root = xmlRoot(await get(server, `/api/org/${acmeId}`, s.bob), 200, type('vcloud\\.org'));
    assert.equal(root.name, 'Org');
    assert.deepEqual(
      [root.attrs.id, root.attrs.name, root.attrs.href],
      [`urn:vcloud:org:${acmeId}`, 'acme', `${server.baseUrl}/api/org/${acmeId}`],
    );
    const vdcLinks = links(root, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.vdc+xml');
    assert.deepEqual(
      vdcLinks.map((l) => [l.attrs.name, l.attrs.href]),
      DEMO_INVENTORY.acme.vdcs.map((v) => [v.name, `${server.baseUrl}/api/vdc/${demoIds.vdc(acmeId, v.name)}`]).sort(),
    );
    // pyvcloud takes the first records link whose href contains the type it wants ('vdc', 'catalog'): one of each.
    const records = links(root, 'down').filter((l) => l.attrs.type === 'application/vnd.vmware.vcloud.query.records+xml');
    assert.deepEqual(
      records.map((l) => l.attrs.href),
      [`${server.baseUrl}/api/org/${acmeId}/vdcs/query`, `${server.baseUrl}/api/org/${acmeId}/catalogs/query`],
    );
    const query = records.filter((l) => l.attrs.href!.toLowerCase().includes('vdc'));
    assert.equal(query.length, 1, "exactly one records link for 'vdc'");
    const vdcQuery = xmlRoot(await get(server, query[0]!.attrs.href!, s.bob), 200, /query\.records\+xml/);
    assert.equal(childrenNamed(vdcQuery, 'OrgVdcRecord').length, DEMO_INVENTORY.acme.vdcs.length);
    assert.equal(child(root, 'FullName').text, 'Acme Corporation');
    assert.equal(child(root, 'IsEnabled').text, 'true');
  });

  test('an org id given as a URN works too', async () => {
    const root = xmlRoot(await get(server, `/api/org/urn:vcloud:org:${acmeId}`, s.alice), 200, type('vcloud\\.org'));
    assert.equal(root.attrs.name, 'acme');
  });

  test('another org, an unknown org and a malformed id are all the same 403', async () => {
    for (const id of [globexId, '7b0d3f4e-0000-4000-8000-000000000000', 'not-a-uuid', `urn:vcloud:vdc:${acmeId}`]) {
      xmlError(await get(server, `/api/org/${id}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      xmlError(await get(server, `/api/admin/org/${id}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    }
  });

  test('GetAdminOrgByName: AdminOrg with Settings, Catalogs and Vdcs', async () => {
    const root = xmlRoot(await get(server, `/api/admin/org/${acmeId}`, s.alice), 200, type('admin\\.organization'));
    assert.equal(root.name, 'AdminOrg');
    assert.equal(root.attrs.href, `${server.baseUrl}/api/admin/org/${acmeId}`);
    const general = child(child(root, 'Settings'), 'OrgGeneralSettings');
    assert.match(child(general, 'DeployedVMQuota').text, /^\d+$/);
    assert.match(child(general, 'CanPublishCatalogs').text, /^(true|false)$/);
    child(root, 'Catalogs');
    assert.deepEqual(
      childrenNamed(child(root, 'Vdcs'), 'Vdc').map((v) => v.attrs.name),
      DEMO_INVENTORY.acme.vdcs.map((v) => v.name).sort(),
    );
    // The admin view's hrefs, as VCD lists them (govcd splits them on "/api/admin"; a tenant href made
    // AdminOrg.Delete(true, true) panic until 2026-12-06), and each one reads as an AdminVdc.
    for (const vdc of childrenNamed(child(root, 'Vdcs'), 'Vdc')) {
      assert.match(vdc.attrs.href!, new RegExp(`^${server.baseUrl}/api/admin/vdc/[0-9a-f-]{36}$`));
      assert.equal(vdc.attrs.type, 'application/vnd.vmware.admin.vdc+xml');
      const admin = xmlRoot(await get(server, new URL(vdc.attrs.href!).pathname, s.alice), 200, type('admin\\.vdc'));
      assert.equal(admin.name, 'AdminVdc');
    }
    assert.deepEqual(
      childrenNamed(child(root, 'Users'), 'UserReference').map((u) => u.attrs.name),
      ['alice', 'bob'],
    );
  });

  test('System sees any AdminOrg; bob (vApp Author) may read his Org but not another', async () => {
    xmlRoot(await get(server, `/api/admin/org/${globexId}`, s.admin), 200, type('admin\\.organization'));
    xmlRoot(await get(server, `/api/org/${acmeId}`, s.bob), 200, type('vcloud\\.org'));
    xmlError(await get(server, `/api/org/${globexId}`, s.bob), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});

describe('metadata', () => {
  test('/api/admin/org/{id}/metadata with and without the trailing slash govcd sends', async () => {
    for (const suffix of ['metadata', 'metadata/']) {
      const reply = await get(server, `/api/admin/org/${acmeId}/${suffix}`, s.alice, undefined, {
        'Content-Type': 'application/vnd.vmware.vcloud.metadata+xml',
      });
      const root = xmlRoot(reply, 200, type('vcloud\\.metadata'));
      assert.equal(root.name, 'Metadata');
      assert.equal(root.attrs.href, `${server.baseUrl}/api/admin/org/${acmeId}/metadata`);
      const entries = Object.fromEntries(childrenNamed(root, 'MetadataEntry').map((e) => [child(e, 'Key').text, e]));
      const visible = DEMO_INVENTORY.acme.metadata.filter((m) => m.visibility !== 'PRIVATE');
      assert.deepEqual(Object.keys(entries).sort(), visible.map((m) => m.key).sort());
      for (const m of visible) {
        const e = entries[m.key]!;
        assert.equal(child(e, 'Domain').text, m.domain);
        assert.equal(child(e, 'Domain').attrs.visibility, m.visibility);
        assert.equal(child(e, 'TypedValue').attrs['xsi:type'], m.type);
        assert.equal(child(child(e, 'TypedValue'), 'Value').text, m.value);
      }
    }
  });

  test('PRIVATE entries are for the provider only', async () => {
    const root = xmlRoot(await get(server, `/api/admin/org/${acmeId}/metadata`, s.admin), 200, type('vcloud\\.metadata'));
    const keys = childrenNamed(root, 'MetadataEntry').map((e) => child(e, 'Key').text);
    assert.deepEqual(keys.sort(), DEMO_INVENTORY.acme.metadata.map((m) => m.key).sort());
  });

  test('VM and VDC metadata', async () => {
    const vm = demoIds.vm(acmeId, 'acme-prod', 'db-cluster', 'db-01');
    const root = xmlRoot(await get(server, `/api/vApp/vm-${vm}/metadata`, s.alice), 200, type('vcloud\\.metadata'));
    assert.deepEqual(
      childrenNamed(root, 'MetadataEntry')
        .map((e) => child(e, 'Key').text)
        .sort(),
      ['backup', 'role'],
    );
    const vdc = xmlRoot(
      await get(server, `/api/vdc/${demoIds.vdc(acmeId, 'acme-prod')}/metadata`, s.alice),
      200,
      type('vcloud\\.metadata'),
    );
    assert.deepEqual(
      childrenNamed(vdc, 'MetadataEntry').map((e) => child(e, 'Key').text),
      ['purpose'],
    );
    xmlError(await get(server, `/api/vApp/vm-${vm}/metadata`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});

describe('VDCs, vApps and VMs', () => {
  test('GET /api/vdc/{id}: the Vdc govcd decodes after GetVDCByName', async () => {
    const spec = DEMO_INVENTORY.acme.vdcs.find((v) => v.name === 'acme-prod')!;
    const root = xmlRoot(await get(server, `/api/vdc/${demoIds.vdc(acmeId, spec.name)}`, s.alice), 200, type('vcloud\\.vdc'));
    assert.equal(root.name, 'Vdc');
    assert.deepEqual(
      [root.attrs.name, root.attrs.status, root.attrs.id],
      [spec.name, '1', `urn:vcloud:vdc:${demoIds.vdc(acmeId, spec.name)}`],
    );
    assert.equal(links(root, 'up')[0]!.attrs.href, `${server.baseUrl}/api/org/${acmeId}`);
    assert.equal(child(root, 'AllocationModel').text, spec.allocationModel);
    const cpu = child(child(root, 'ComputeCapacity'), 'Cpu');
    assert.deepEqual(
      [child(cpu, 'Units').text, child(cpu, 'Allocated').text, child(cpu, 'Limit').text],
      ['MHz', String(spec.cpuAllocatedMhz), String(spec.cpuLimitMhz)],
    );
    const entities = childrenNamed(child(root, 'ResourceEntities'), 'ResourceEntity');
    assert.deepEqual(entities.map((e) => e.attrs.name).sort(), spec.vapps.map((a) => a.name).sort());
    assert.ok(entities.every((e) => new RegExp(`^${server.baseUrl}/api/vApp/vapp-${UUID}$`).test(e.attrs.href!)));
  });

  test('GET /api/vApp/vapp-{id}: integer status, owner and child VMs', async () => {
    const spec = DEMO_INVENTORY.acme.vdcs[0]!.vapps.find((a) => a.name === 'app-tier')!;
    const id = demoIds.vapp(acmeId, 'acme-prod', spec.name);
    const root = xmlRoot(await get(server, `/api/vApp/vapp-${id}`, s.alice), 200, type('vcloud\\.vApp'));
    assert.equal(root.name, 'VApp');
    assert.equal(root.attrs.status, '10', 'a mix of powered-on and powered-off VMs is MIXED (10)');
    assert.equal(root.attrs.deployed, 'true');
    assert.equal(child(child(root, 'Owner'), 'User').attrs.name, spec.owner);
    const vms = childrenNamed(child(root, 'Children'), 'Vm');
    assert.deepEqual(vms.map((v) => v.attrs.name).sort(), spec.vms.map((v) => v.name).sort());
    assert.ok(vms.every((v) => /^\d+$/.test(v.attrs.status!)));
  });

  test('GET /api/vApp/vm-{id}: the Vm document', async () => {
    const placement = demoVms(DEMO_INVENTORY.acme).find((p) => p.vm.name === 'app-10')!;
    const id = demoIds.vm(acmeId, placement.vdc.name, placement.vapp.name, placement.vm.name);
    const root = xmlRoot(await get(server, `/api/vApp/vm-${id}`, s.alice), 200, type('vcloud\\.vm'));
    assert.equal(root.name, 'Vm');
    assert.deepEqual([root.attrs.href, root.attrs.status, root.attrs.deployed], [`${server.baseUrl}/api/vApp/vm-${id}`, '8', 'true']);
    const spec = child(root, 'VmSpecSection');
    assert.equal(child(spec, 'NumCpus').text, String(placement.vm.cpus));
    assert.equal(child(child(spec, 'MemoryResourceMb'), 'Configured').text, String(placement.vm.memoryMb));
    assert.equal(child(child(child(root, 'NetworkConnectionSection'), 'NetworkConnection'), 'IpAddress').text, placement.vm.ipAddress);
    assert.equal(
      links(root, 'up')[0]!.attrs.href,
      `${server.baseUrl}/api/vApp/vapp-${demoIds.vapp(acmeId, placement.vdc.name, placement.vapp.name)}`,
    );
  });

  test('templates live under /api/vAppTemplate only', async () => {
    const vapp = demoIds.vapp(acmeId, 'acme-lab', 'k8s-node-template');
    const vm = demoIds.vm(acmeId, 'acme-lab', 'k8s-node-template', 'k8s-worker');
    const root = xmlRoot(await get(server, `/api/vAppTemplate/vappTemplate-${vapp}`, s.alice), 200, type('vcloud\\.vAppTemplate'));
    assert.equal(root.name, 'VAppTemplate');
    assert.equal(childrenNamed(child(root, 'Children'), 'Vm').length, 2);
    xmlRoot(await get(server, `/api/vAppTemplate/vm-${vm}`, s.alice), 200, type('vcloud\\.vm'));
    xmlError(await get(server, `/api/vApp/vm-${vm}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `/api/vApp/vapp-${vapp}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test("another org's VDC, vApp and VM are 403, for every role but the System administrator", async () => {
    const paths = [
      `/api/vdc/${demoIds.vdc(globexId, 'globex-main')}`,
      `/api/vApp/vapp-${demoIds.vapp(globexId, 'globex-main', 'erp')}`,
      `/api/vApp/vm-${demoIds.vm(globexId, 'globex-main', 'erp', 'web-01')}`,
      `/api/vApp/vm-garbage`,
      `/api/vApp/something-else`,
    ];
    for (const path of paths) xmlError(await get(server, path, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    for (const path of paths.slice(0, 3)) assert.equal((await get(server, path, s.admin)).status, 200, path);
  });

  test('no credentials is 401', async () => {
    xmlError(await get(server, '/api/org', null), 401, 'UNAUTHORIZED');
    xmlError(await get(server, `/api/vdc/${demoIds.vdc(acmeId, 'acme-prod')}`, null), 401, 'UNAUTHORIZED');
  });
});

describe('public URL', () => {
  test('hrefs use the configured public URL instead of the request host', async () => {
    const other = await startTessera({ demo: true, config: { publicUrl: 'https://vcd.example.com' } });
    try {
      const token = await signIn(other.baseUrl, 'alice', 'acme', other.demoPassword);
      const root = xmlRoot(await get(other, '/api/org', token), 200, type('vcloud\\.orgList'));
      assert.match(childrenNamed(root, 'Org')[0]!.attrs.href!, new RegExp(`^https://vcd\\.example\\.com/api/org/${UUID}$`));
      const records = xmlRoot(await get(other, '/api/query?type=vm&pageSize=1', token), 200, /query\.records\+xml/);
      assert.match(childrenNamed(records, 'VMRecord')[0]!.attrs.href!, /^https:\/\/vcd\.example\.com\/api\/vApp(Template)?\/vm-/);
      assert.match(links(records, 'nextPage')[0]!.attrs.href!, /^https:\/\/vcd\.example\.com\/api\/query\?type=vm&page=2/);
    } finally {
      await other.stop();
    }
  });
});
