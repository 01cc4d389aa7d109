/**
 * What Terraform's vcd_vapp, vcd_vapp_vm and vcd_vm data sources read of a vApp and its VMs (genericVcdVAppRead,
 * genericVcdVmRead): the vApp's product sections, lease (its org's vApp lease settings) and network config (from
 * its VMs' NICs), the vAppNetwork query, and a VM's VmCapabilities (dereferenced without a nil check), VmSpecSection
 * with its DiskSection, NetworkConnectionSection, GuestCustomizationSection, virtualHardwareSection (ExtraConfig)
 * and security tags. Tenants read their own org's only; a token session reads like its user.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, createApiToken } from '../../helpers/api.js';
import { DEMO_INVENTORY, demoVms } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { SYSTEM_DEFAULT_POLICY_ID } from '../../../src/inventory/compute-policies.js';
import { child, childrenNamed, get, startDemoServer, xmlError, xmlRoot, JSON_ACCEPT, type DemoSessions } from './support.js';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;
let aliceToken: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
  const { apiToken } = await createApiToken(server.baseUrl, s.alice, 'acme', 'vapp-sections');
  aliceToken = await accessTokenFrom(server.baseUrl, 'acme', apiToken);
});
after(async () => server?.stop());

const placement = (vm: string) => demoVms(DEMO_INVENTORY.acme).find((p) => p.vm.name === vm)!;
const web01 = () => placement('web-01');
const vappId = () => demoIds.vapp(acmeId, web01().vdc.name, web01().vapp.name);
const vmId = (name = 'web-01') => {
  const p = placement(name);
  return demoIds.vm(acmeId, p.vdc.name, p.vapp.name, p.vm.name);
};
const vappPath = () => `/api/vApp/vapp-${vappId()}`;
const vmPath = (name = 'web-01') => `/api/vApp/vm-${vmId(name)}`;
const textOf = (el: Parameters<typeof child>[0], name: string) => child(el, name).text;

describe('vApp sections (vcd_vapp)', () => {
  test("productSections: VCD's empty ProductSectionList for a vApp and for a VM", async () => {
    for (const path of [vappPath(), vmPath()]) {
      const root = xmlRoot(await get(server, `${path}/productSections`, s.alice), 200, /vcloud\.productSections\+xml/);
      assert.equal(root.name, 'ProductSectionList');
      assert.equal(root.attrs.href, `${server.baseUrl}${path}/productSections/`);
      assert.equal(childrenNamed(root, 'ovf:ProductSection').length, 0);
    }
  });

  test("the lease is the org's vApp lease settings, inline (govcd takes its href) and at its own href", async () => {
    const org = (await server.store.getOrgByName('acme'))!;
    const settings = JSON.parse(org.settings || '{}');
    const lease = {
      deleteOnStorageLeaseExpiration: false,
      deploymentLeaseSeconds: 3600,
      storageLeaseSeconds: 7200,
      powerOffOnRuntimeLeaseExpiration: false,
    };
    await server.store.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...settings, vappLease: lease }) })
      .where('id', '=', org.id)
      .execute();
    try {
      const vapp = xmlRoot(await get(server, vappPath(), s.alice), 200, /vcloud\.vApp\+xml/);
      const inline = child(vapp, 'LeaseSettingsSection');
      assert.equal(inline.attrs.href, `${server.baseUrl}${vappPath()}/leaseSettingsSection/`);
      for (const token of [s.alice, aliceToken, s.admin]) {
        const root = xmlRoot(await get(server, inline.attrs.href!, token), 200, /vcloud\.leaseSettingsSection\+xml/);
        assert.equal(root.name, 'LeaseSettingsSection');
        assert.equal(textOf(root, 'DeploymentLeaseInSeconds'), '3600');
        assert.equal(textOf(root, 'StorageLeaseInSeconds'), '7200');
        // The expiry instants depend on a deployment time Tessera does not store: left out.
        assert.equal(childrenNamed(root, 'DeploymentLeaseExpiration').length, 0);
      }
    } finally {
      await server.store.db.updateTable('orgs').set({ settings: org.settings }).where('id', '=', org.id).execute();
    }
  });

  test("networkConfigSection: the VMs' network, bridged to the VDC's org network of that name", async () => {
    const network = web01().vm.network!;
    assert.equal(network, web01().vdc.network);
    const root = xmlRoot(await get(server, `${vappPath()}/networkConfigSection/`, aliceToken), 200, /vcloud\.networkConfigSection\+xml/);
    const configs = childrenNamed(root, 'NetworkConfig');
    assert.deepEqual(
      configs.map((c) => c.attrs.networkName),
      [network],
    );
    const configuration = child(configs[0]!, 'Configuration');
    assert.equal(textOf(configuration, 'FenceMode'), 'bridged');
    assert.equal(child(configuration, 'ParentNetwork').attrs.name, network);
    // The same section inline in the vApp.
    const vapp = xmlRoot(await get(server, vappPath(), s.alice), 200, /vcloud\.vApp\+xml/);
    assert.equal(childrenNamed(child(vapp, 'NetworkConfigSection'), 'NetworkConfig').length, 1);
  });

  test("a NIC network that is not the VDC's org network is an isolated vApp network (no parent)", async () => {
    const id = vmId('web-02');
    await server.store.db.updateTable('vms').set({ network_name: 'backend-net' }).where('id', '=', id).execute();
    try {
      const root = xmlRoot(await get(server, `${vappPath()}/networkConfigSection`, s.alice), 200, /networkConfigSection/);
      const backend = childrenNamed(root, 'NetworkConfig').find((c) => c.attrs.networkName === 'backend-net')!;
      assert.equal(textOf(child(backend, 'Configuration'), 'FenceMode'), 'isolated');
      assert.equal(childrenNamed(child(backend, 'Configuration'), 'ParentNetwork').length, 0);
      const q = (linked: boolean) =>
        get(server, `/api/query?type=vAppNetwork&filter=isLinked==${linked};vApp==${vappId()}`, s.alice).then((r) =>
          childrenNamed(xmlRoot(r, 200, /query\.records\+xml/), 'VAppNetworkRecord').map((n) => n.attrs.name),
        );
      assert.deepEqual(await q(false), ['backend-net']);
      assert.deepEqual(await q(true), [web01().vm.network]);
    } finally {
      await server.store.db.updateTable('vms').set({ network_name: web01().vm.network }).where('id', '=', id).execute();
    }
  });

  test('vAppNetwork / adminVAppNetwork records, filtered as govcd filters them', async () => {
    const path = (type: string) => `/api/query?type=${type}&filter=vApp==${vappId()};isLinked==true`;
    for (const token of [s.alice, aliceToken]) {
      const records = childrenNamed(xmlRoot(await get(server, path('vAppNetwork'), token), 200, /query\.records/), 'VAppNetworkRecord');
      assert.equal(records.length, 1);
      assert.equal(records[0]!.attrs.name, web01().vm.network);
      assert.equal(records[0]!.attrs.isLinked, 'true');
      assert.equal(records[0]!.attrs.vAppName, web01().vapp.name);
    }
    const admin = xmlRoot(await get(server, path('adminVAppNetwork'), s.admin), 200, /query\.records/);
    assert.equal(childrenNamed(admin, 'AdminVAppNetworkRecord').length, 1);
    // Another org's vApp: no records, not an error.
    const hank = xmlRoot(await get(server, path('vAppNetwork'), s.hank), 200, /query\.records/);
    assert.equal(childrenNamed(hank, 'VAppNetworkRecord').length, 0);
  });

  test('other orgs, wrong kinds and malformed refs are the 403', async () => {
    xmlError(await get(server, `${vappPath()}/leaseSettingsSection`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `${vappPath()}/networkConfigSection`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `${vmPath()}/leaseSettingsSection`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `${vappPath()}/guestCustomizationSection`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, '/api/vApp/vm-nope/guestCustomizationSection', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});

describe('VM sections (vcd_vapp_vm, vcd_vm)', () => {
  test('the Vm document carries what genericVcdVmRead dereferences', async () => {
    const { vm, vdc } = placement('db-01');
    const root = xmlRoot(await get(server, vmPath('db-01'), s.alice), 200, /vcloud\.vm\+xml/);
    const caps = child(root, 'VmCapabilities');
    assert.equal(textOf(caps, 'CpuHotAddEnabled'), 'false');
    assert.equal(textOf(caps, 'MemoryHotAddEnabled'), 'false');
    const spec = child(root, 'VmSpecSection');
    assert.equal(textOf(spec, 'OsType'), 'rhel9_64Guest');
    assert.equal(textOf(spec, 'NumCpus'), String(vm.cpus));
    assert.equal(textOf(child(spec, 'MemoryResourceMb'), 'Configured'), String(vm.memoryMb));
    assert.equal(textOf(spec, 'HardwareVersion'), `vmx-${vm.hardwareVersion}`);
    const disks = childrenNamed(child(spec, 'DiskSection'), 'DiskSettings');
    assert.equal(disks.length, 1);
    assert.equal(textOf(disks[0]!, 'SizeMb'), String(vm.diskMb));
    assert.equal(textOf(disks[0]!, 'AdapterType'), '3', 'LSI Logic parallel, the controller the hardware section lists');
    assert.equal(child(disks[0]!, 'StorageProfile').attrs.name, vm.storageProfile);
    assert.equal(childrenNamed(disks[0]!, 'Disk').length, 0, 'no independent disks');
    const nic = child(child(root, 'NetworkConnectionSection'), 'NetworkConnection');
    assert.equal(nic.attrs.network, vdc.network);
    assert.equal(textOf(nic, 'NetworkAdapterType'), 'VMXNET3');
    assert.equal(textOf(nic, 'IpAddress'), vm.ipAddress);
    assert.equal(textOf(child(root, 'GuestCustomizationSection'), 'ComputerName'), vm.name);
    const policy = child(child(root, 'ComputePolicy'), 'VmSizingPolicy');
    assert.equal(policy.attrs.id, `urn:vcloud:vdcComputePolicy:${SYSTEM_DEFAULT_POLICY_ID}`);
    assert.equal(child(root, 'StorageProfile').attrs.name, vm.storageProfile);
  });

  test('VmCapabilities and VmSpecSection in VCD JSON too', async () => {
    const res = await get(server, vmPath(), s.alice, JSON_ACCEPT);
    assert.equal(res.status, 200);
    const body = res.json() as Record<string, any>;
    assert.equal(body.vmCapabilities.cpuHotAddEnabled, false);
    assert.equal(body.vmSpecSection.diskSection.diskSettings.length, 1);
  });

  test('guestCustomizationSection, networkConnectionSection and vmCapabilities at their hrefs (password and token)', async () => {
    for (const token of [s.alice, aliceToken, s.admin]) {
      const gc = xmlRoot(await get(server, `${vmPath()}/guestCustomizationSection`, token), 200, /guestCustomizationSection\+xml/);
      assert.equal(textOf(gc, 'Enabled'), 'false');
      assert.equal(textOf(gc, 'VirtualMachineId'), vmId());
      assert.equal(childrenNamed(gc, 'AdminPassword').length, 0, 'never a password');
      const nc = xmlRoot(await get(server, `${vmPath()}/networkConnectionSection/`, token), 200, /networkConnectionSection\+xml/);
      assert.equal(textOf(nc, 'PrimaryNetworkConnectionIndex'), '0');
      const caps = xmlRoot(await get(server, `${vmPath()}/vmCapabilities/`, token), 200, /vmCapabilitiesSection\+xml/);
      assert.equal(caps.name, 'VmCapabilities');
    }
    xmlError(await get(server, `${vmPath()}/guestCustomizationSection`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });

  test('virtualHardwareSection: the ExtraConfig govcd GetExtraConfig reads', async () => {
    const root = xmlRoot(await get(server, `${vmPath()}/virtualHardwareSection/`, aliceToken), 200, /virtualHardwareSection\+xml/);
    assert.equal(root.name, 'ovf:VirtualHardwareSection');
    assert.deepEqual(
      childrenNamed(root, 'vmw:ExtraConfig').map((e) => e.attrs['vmw:key']),
      web01().vm.extraConfig.map((e) => e.key),
    );
  });

  test("security tags: VCD's empty EntitySecurityTags; other orgs and bad ids are the 403", async () => {
    const path = (id: string) => `/cloudapi/1.0.0/securityTags/vm/${id}`;
    for (const token of [s.alice, aliceToken, s.admin]) {
      const res = await get(server, path(`urn:vcloud:vm:${vmId()}`), token, 'application/json;version=36.1');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json(), { tags: [] });
    }
    for (const [token, id] of [
      [s.hank, `urn:vcloud:vm:${vmId()}`],
      [s.alice, 'urn:vcloud:vm:not-a-uuid'],
      [s.alice, `urn:vcloud:vdc:${vmId()}`],
    ] as const) {
      const res = await get(server, path(id), token, 'application/json;version=36.1');
      assert.equal(res.status, 403, res.text);
      assert.equal((res.json() as { minorErrorCode: string }).minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    }
  });
});
