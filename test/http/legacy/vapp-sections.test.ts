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
import {
  child,
  childrenNamed,
  get,
  links,
  startDemoServer,
  xmlError,
  xmlRoot,
  JSON_ACCEPT,
  VCLOUD_NS,
  type DemoSessions,
} from './support.js';

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
  test("productSections: VCD's empty ProductSectionList for a vApp and for a VM, at the link their documents carry", async () => {
    for (const path of [vappPath(), vmPath()]) {
      const entity = xmlRoot(await get(server, path, s.alice), 200, /vcloud\.(vApp|vm)\+xml/);
      const link = links(entity, 'down').find((l) => l.attrs.type === 'application/vnd.vmware.vcloud.productSections+xml');
      assert.equal(link?.attrs.href, `${server.baseUrl}${path}/productSections/`, "pyvcloud's get_product_sections follows it");
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

  test("a vApp template's lease is its org's vApp template lease settings, at the link its document carries", async () => {
    const org = (await server.store.getOrgByName('acme'))!;
    const settings = JSON.parse(org.settings || '{}');
    await server.store.db
      .updateTable('orgs')
      .set({
        settings: JSON.stringify({ ...settings, vappTemplateLease: { deleteOnStorageLeaseExpiration: true, storageLeaseSeconds: 86400 } }),
      })
      .where('id', '=', org.id)
      .execute();
    try {
      const template = demoVms(DEMO_INVENTORY.acme).find((p) => p.vapp.template)!;
      const path = `/api/vAppTemplate/vappTemplate-${demoIds.vapp(acmeId, template.vdc.name, template.vapp.name)}`;
      const doc = xmlRoot(await get(server, path, s.bob), 200, /vcloud\.vAppTemplate\+xml/);
      const link = links(doc, 'down').find((l) => l.attrs.type === 'application/vnd.vmware.vcloud.leaseSettingsSection+xml');
      assert.equal(link?.attrs.href, `${server.baseUrl}${path}/leaseSettingsSection/`, "govcd's VAppTemplate.GetLease follows it");
      for (const token of [s.bob, aliceToken, s.admin]) {
        const root = xmlRoot(await get(server, link!.attrs.href!, token), 200, /vcloud\.leaseSettingsSection\+xml/);
        assert.equal(root.attrs.href, link!.attrs.href);
        assert.equal(textOf(root, 'StorageLeaseInSeconds'), '86400');
        assert.equal(childrenNamed(root, 'DeploymentLeaseInSeconds').length, 0, 'a template is never deployed');
      }
      xmlError(await get(server, `${path}/leaseSettingsSection`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      // A vApp is not a template, nor a template's VM: the same 403.
      xmlError(
        await get(server, `/api/vAppTemplate/vappTemplate-${vappId()}/leaseSettingsSection`, s.alice),
        403,
        'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      );
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
    // pyvcloud's vm_to_dict (`vcd vm info`) reads it without a check; after HardwareVersion, as in VmSpecSectionType.
    assert.equal(textOf(spec, 'VmToolsVersion'), '0');
    assert.equal(spec.children.map((c) => c.name).at(-1), 'VmToolsVersion');
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

describe("a VM's hardware items, OS section, boot options and customization status at their hrefs (pyvcloud's VM)", () => {
  const section = async () => xmlRoot(await get(server, `${vmPath()}/virtualHardwareSection`, s.alice), 200, /virtualHardwareSection/);
  /** The section's items of these RASD resource types, in its order. */
  const sectionItems = async (...types: number[]) =>
    childrenNamed(await section(), 'ovf:Item').filter((i) => types.includes(Number(textOf(i, 'rasd:ResourceType'))));
  const sameItems = (got: readonly { children: unknown }[], want: readonly { children: unknown }[]) =>
    assert.deepEqual(
      got.map((i) => i.children),
      want.map((i) => i.children),
    );

  test('cpu and memory: the RasdItem of the section, with the rasd/vmw elements pyvcloud reads', async () => {
    const { vm } = web01();
    for (const [path, type, quantity] of [
      ['cpu', 3, vm.cpus],
      ['memory', 4, vm.memoryMb],
    ] as const) {
      for (const token of [s.alice, aliceToken, s.admin]) {
        const href = `${server.baseUrl}${vmPath()}/virtualHardwareSection/${path}`;
        // pyvcloud asks without a trailing slash; the href in the section has none either.
        const root = xmlRoot(await get(server, href, token), 200, /^application\/vnd\.vmware\.vcloud\.rasdItem\+xml;version=36\.1/);
        assert.equal(root.name, 'Item');
        assert.equal(root.attrs.xmlns, VCLOUD_NS);
        assert.equal(root.attrs['xmlns:rasd'], 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData');
        assert.equal(root.attrs['xmlns:vmw'], 'http://www.vmware.com/schema/ovf');
        assert.equal(root.attrs['vcloud:href'], href);
        assert.equal(textOf(root, 'rasd:ResourceType'), String(type));
        assert.equal(textOf(root, 'rasd:VirtualQuantity'), String(quantity));
        const [inSection] = await sectionItems(type);
        assert.equal(inSection!.attrs['vcloud:href'], href);
        sameItems([root], [inSection!]);
      }
    }
    const cpu = xmlRoot(await get(server, `${vmPath()}/virtualHardwareSection/cpu/`, s.alice), 200, /rasdItem\+xml/);
    assert.equal(textOf(cpu, 'vmw:CoresPerSocket'), '1');
  });

  test('disks, networkCards, media and serialPorts: RasdItemsLists of the same items', async () => {
    const { vm } = web01();
    const list = async (name: string) => {
      const href = `${server.baseUrl}${vmPath()}/virtualHardwareSection/${name}`;
      const root = xmlRoot(await get(server, href, aliceToken), 200, /^application\/vnd\.vmware\.vcloud\.rasdItemsList\+xml/);
      assert.equal(root.name, 'RasdItemsList');
      assert.equal(root.attrs.href, href);
      return childrenNamed(root, 'Item');
    };
    const disks = await list('disks');
    assert.deepEqual(
      disks.map((d) => textOf(d, 'rasd:Description')),
      ['SCSI Controller', 'Hard disk'],
    );
    assert.equal(textOf(disks[1]!, 'rasd:VirtualQuantity'), String(vm.diskMb * 1024 * 1024));
    assert.equal(child(disks[1]!, 'rasd:HostResource').attrs['vcloud:capacity'], String(vm.diskMb));
    sameItems(disks, await sectionItems(6, 17));
    const nics = await list('networkCards');
    assert.equal(nics.length, 1);
    assert.equal(textOf(nics[0]!, 'rasd:Connection'), vm.network);
    assert.equal(child(nics[0]!, 'rasd:Connection').attrs['vcloud:ipAddress'], vm.ipAddress);
    sameItems(nics, await sectionItems(10));
    // No CD/DVD, floppy or serial device in Tessera's inventory: VCD's empty lists.
    assert.equal((await list('media')).length, 0);
    assert.equal((await list('serialPorts')).length, 0);
  });

  test('the hardware items in VCD JSON', async () => {
    const { vm } = web01();
    const json = async (path: string, type: RegExp) => {
      const res = await get(server, `${vmPath()}/virtualHardwareSection/${path}`, s.alice, JSON_ACCEPT);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', type);
      return res.json() as Record<string, any>;
    };
    const cpu = await json('cpu', /^application\/vnd\.vmware\.vcloud\.rasdItem\+json;version=36\.1/);
    assert.equal(cpu.virtualQuantity, vm.cpus);
    assert.equal(cpu.coresPerSocket.value, 1);
    assert.equal(cpu.type, 'application/vnd.vmware.vcloud.rasdItem+json');
    assert.equal((await json('memory', /rasdItem\+json/)).virtualQuantity, vm.memoryMb);
    const disks = await json('disks', /rasdItemsList\+json/);
    assert.equal(disks.item.length, 2);
    assert.equal(disks.item[1].hostResource[0].capacity, vm.diskMb);
    assert.equal((await json('networkCards', /rasdItemsList\+json/)).item[0].connection[0].value, vm.network);
    assert.deepEqual((await json('media', /rasdItemsList\+json/)).item, []);
  });

  test("operatingSystemSection: the Vm's inline section, with and without the trailing slash pyvcloud sends", async () => {
    const { vm } = placement('db-01');
    const vmDoc = xmlRoot(await get(server, vmPath('db-01'), s.alice), 200, /vcloud\.vm\+xml/);
    const inline = child(vmDoc, 'ovf:OperatingSystemSection');
    assert.equal(inline.attrs['vcloud:href'], `${server.baseUrl}${vmPath('db-01')}/operatingSystemSection/`);
    for (const path of [`${vmPath('db-01')}/operatingSystemSection/`, `${vmPath('db-01')}/operatingSystemSection`]) {
      const root = xmlRoot(await get(server, path, aliceToken), 200, /^application\/vnd\.vmware\.vcloud\.operatingSystemSection\+xml/);
      assert.equal(root.name, 'ovf:OperatingSystemSection');
      assert.equal(root.attrs['xmlns:ovf'], 'http://schemas.dmtf.org/ovf/envelope/1');
      assert.equal(textOf(root, 'ovf:Info'), 'Specifies the operating system installed');
      assert.equal(textOf(root, 'ovf:Description'), vm.guestOs);
      assert.equal(root.attrs['vmw:osType'], 'rhel9_64Guest');
      assert.deepEqual(root.children, inline.children);
    }
    const res = await get(server, `${vmPath('db-01')}/operatingSystemSection/`, s.alice, JSON_ACCEPT);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.operatingSystemSection\+json/);
    const body = res.json() as Record<string, any>;
    assert.equal(body.description, vm.guestOs);
    assert.equal(body.osType, 'rhel9_64Guest');
  });

  test('bootOptions (no delay, no BIOS setup) and guestcustomizationstatus (GC_PENDING: customization is off)', async () => {
    for (const token of [s.alice, aliceToken, s.admin]) {
      const boot = xmlRoot(
        await get(server, `${vmPath()}/bootOptions/`, token),
        200,
        /^application\/vnd\.vmware\.vcloud\.bootOptionsSection\+xml/,
      );
      assert.equal(boot.name, 'BootOptions');
      assert.equal(textOf(boot, 'BootDelay'), '0');
      assert.equal(textOf(boot, 'EnterBIOSSetup'), 'false');
      const gc = xmlRoot(await get(server, `${vmPath()}/guestcustomizationstatus/`, token), 200, /guestcustomizationstatussection\+xml/);
      assert.equal(gc.name, 'GuestCustomizationStatusSection');
      assert.equal(textOf(gc, 'GuestCustStatus'), 'GC_PENDING');
    }
    const boot = await get(server, `${vmPath()}/bootOptions`, s.alice, JSON_ACCEPT);
    assert.equal(boot.status, 200, boot.text);
    assert.deepEqual((({ bootDelay, enterBIOSSetup }) => ({ bootDelay, enterBIOSSetup }))(boot.json() as Record<string, unknown>), {
      bootDelay: 0,
      enterBIOSSetup: false,
    });
    const gc = await get(server, `${vmPath()}/guestcustomizationstatus`, s.alice, JSON_ACCEPT);
    assert.equal(gc.status, 200, gc.text);
    assert.equal((gc.json() as Record<string, unknown>).guestCustStatus, 'GC_PENDING');
  });

  test('runtimeInfoSection (VMware Tools version 0: not recorded), and RuntimeInfoSection and BootOptions inline in the Vm', async () => {
    // pyvcloud's VM.list_run_time_info reads the href; VM.general_setting_detail reads Vm.BootOptions without a check.
    for (const path of [`${vmPath()}/runtimeInfoSection/`, `${vmPath()}/runtimeInfoSection`]) {
      const root = xmlRoot(await get(server, path, aliceToken), 200, /^application\/vnd\.vmware\.vcloud\.runtimeInfoSection\+xml/);
      assert.equal(root.name, 'RuntimeInfoSection');
      assert.equal(root.attrs['xmlns'], 'http://www.vmware.com/vcloud/v1.5');
      assert.equal(root.attrs['vcloud:href'], `${server.baseUrl}${vmPath()}/runtimeInfoSection/`);
      assert.equal(textOf(root, 'ovf:Info'), 'Specifies Runtime info');
      assert.equal(child(root, 'VMWareTools').attrs['version'], '0');
    }
    const json = await get(server, `${vmPath()}/runtimeInfoSection/`, s.alice, JSON_ACCEPT);
    assert.equal(json.status, 200, json.text);
    // VCD's JSON names VMWareTools as its Java property: vmWareTools; the version is a string (xs:string).
    assert.equal((json.json() as { vmWareTools?: { version?: unknown } }).vmWareTools?.version, '0');

    const vm = xmlRoot(await get(server, vmPath(), aliceToken), 200, /vcloud\.vm\+xml/);
    const inline = child(vm, 'RuntimeInfoSection');
    assert.equal(inline.attrs['vcloud:href'], `${server.baseUrl}${vmPath()}/runtimeInfoSection/`);
    assert.equal(child(inline, 'VMWareTools').attrs['version'], '0');
    const boot = child(vm, 'BootOptions');
    assert.equal(textOf(boot, 'BootDelay'), '0');
    assert.equal(textOf(boot, 'EnterBIOSSetup'), 'false');
    assert.equal(boot.attrs['xmlns'], undefined, 'inline, the section declares no namespace of its own');
  });

  test('other orgs, a vApp ref and malformed refs are the 403 on every new href', async () => {
    const paths = [
      'virtualHardwareSection/cpu',
      'virtualHardwareSection/memory',
      'virtualHardwareSection/disks',
      'virtualHardwareSection/media',
      'virtualHardwareSection/networkCards',
      'virtualHardwareSection/serialPorts',
      'operatingSystemSection/',
      'bootOptions/',
      'runtimeInfoSection/',
      'guestcustomizationstatus/',
    ];
    for (const path of paths) {
      xmlError(await get(server, `${vmPath()}/${path}`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      xmlError(await get(server, `${vappPath()}/${path}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      xmlError(await get(server, `/api/vApp/vm-nope/${path}`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      const res = await get(server, `${vmPath()}/${path}`, s.hank, JSON_ACCEPT);
      assert.equal(res.status, 403, path);
      assert.equal((res.json() as { minorErrorCode: string }).minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    }
    assert.equal((await get(server, `${vmPath()}/virtualHardwareSection/cpu`, null)).status, 401);
  });
});

describe('the VApp document: its sections inline, in VCD order (pyvcloud reads networks and startup from it)', () => {
  const vmsOfVApp = () =>
    demoVms(DEMO_INVENTORY.acme)
      .filter((p) => p.vapp.name === web01().vapp.name && p.vdc.name === web01().vdc.name)
      .map((p) => p.vm);

  test('LeaseSettingsSection, ovf:StartupSection, ovf:NetworkSection, NetworkConfigSection, DateCreated, Owner, InMaintenanceMode, Children', async () => {
    const root = xmlRoot(await get(server, vappPath(), aliceToken), 200, /vcloud\.vApp\+xml/);
    const order = root.children.map((c) => c.name).filter((n) => n !== 'Link' && n !== 'Description');
    assert.deepEqual(order, [
      'LeaseSettingsSection',
      'ovf:StartupSection',
      'ovf:NetworkSection',
      'NetworkConfigSection',
      'DateCreated',
      'Owner',
      'InMaintenanceMode',
      'Children',
    ]);
    const children = childrenNamed(child(root, 'Children'), 'Vm').map((vm) => vm.attrs.name);
    const startup = childrenNamed(child(root, 'ovf:StartupSection'), 'ovf:Item');
    assert.deepEqual(
      startup.map((i) => i.attrs['ovf:id']),
      children,
    );
    assert.deepEqual(
      children.slice().sort(),
      vmsOfVApp()
        .map((vm) => vm.name)
        .sort(),
    );
    assert.deepEqual(
      { ...startup[0]!.attrs, 'ovf:id': undefined },
      {
        'ovf:id': undefined,
        'ovf:order': '0',
        'ovf:startAction': 'powerOn',
        'ovf:startDelay': '0',
        'ovf:stopAction': 'powerOff',
        'ovf:stopDelay': '0',
      },
    );
    const networks = childrenNamed(child(root, 'ovf:NetworkSection'), 'ovf:Network').map((n) => n.attrs['ovf:name']);
    assert.deepEqual(networks, [web01().vm.network]);
    assert.deepEqual(
      childrenNamed(child(root, 'NetworkConfigSection'), 'NetworkConfig').map((c) => c.attrs.networkName),
      networks,
    );
  });

  test('the same sections in VCD JSON', async () => {
    const res = await get(server, vappPath(), s.alice, JSON_ACCEPT);
    assert.equal(res.status, 200, res.text);
    const body = res.json() as Record<string, any>;
    assert.equal(body.startupSection.item.length, vmsOfVApp().length);
    assert.deepEqual(Object.keys(body.startupSection.item[0]).sort(), [
      'id',
      'order',
      'otherAttributes',
      'startAction',
      'startDelay',
      'stopAction',
      'stopDelay',
    ]);
    assert.equal(body.startupSection.item[0].order, 0);
    assert.deepEqual(
      body.networkSection.network.map((n: { name: string }) => n.name),
      [web01().vm.network],
    );
    assert.equal(body.networkConfigSection.networkConfig.length, 1);
    assert.equal(typeof body.dateCreated, 'string');
  });

  test('a vApp template has none of them', async () => {
    const template = demoVms(DEMO_INVENTORY.acme).find((p) => p.vapp.template);
    assert.ok(template, 'the demo inventory holds a vApp template');
    const id = demoIds.vapp(acmeId, template.vdc.name, template.vapp.name);
    const root = xmlRoot(await get(server, `/api/vAppTemplate/vappTemplate-${id}`, s.alice), 200, /vAppTemplate\+xml/);
    for (const name of ['ovf:StartupSection', 'ovf:NetworkSection', 'LeaseSettingsSection']) {
      assert.equal(childrenNamed(root, name).length, 0, name);
    }
    assert.equal(root.children.at(-1)!.name, 'DateCreated');
    assert.ok(
      !links(root, 'down').some((l) => l.attrs.type === 'application/vnd.vmware.vcloud.productSections+xml'),
      'no link to a section not served',
    );
  });
});

describe("a vApp template's VMs", () => {
  test('every section href a template VM names, under /api/vAppTemplate, answers its document; the vApp path refuses it', async () => {
    const p = demoVms(DEMO_INVENTORY.acme).find((v) => v.vapp.template)!;
    assert.ok(p, 'the demo has a template with a VM');
    const id = demoIds.vm(acmeId, p.vdc.name, p.vapp.name, p.vm.name);
    const path = `/api/vAppTemplate/vm-${id}`;
    const vm = xmlRoot(await get(server, path, s.alice), 200, /vcloud\.vm\+xml/);
    const hrefs = new Set<string>();
    const walk = (el: typeof vm) => {
      for (const [name, href] of Object.entries(el.attrs)) {
        if ((name === 'href' || name.endsWith(':href')) && href?.startsWith(`${server.baseUrl}${path}/`)) hrefs.add(href);
      }
      for (const c of el.children) walk(c);
    };
    walk(vm);
    for (const section of ['virtualHardwareSection/cpu', 'virtualHardwareSection/memory', 'operatingSystemSection/', 'bootOptions']) {
      hrefs.add(`${server.baseUrl}${path}/${section}`);
    }
    assert.ok(hrefs.size >= 8, `the Vm document names its sections: ${[...hrefs].join(', ')}`);
    for (const href of hrefs) {
      const reply = await get(server, href, s.alice);
      assert.equal(reply.status, 200, `${href}: ${reply.text.slice(0, 200)}`);
      // The section's own href is under the template too.
      assert.ok(!reply.text.includes(`/api/vApp/vm-${id}`), `${href} names no /api/vApp path`);
    }
    const cpu = xmlRoot(await get(server, `${path}/virtualHardwareSection/cpu`, s.alice), 200, /rasdItem\+xml/);
    assert.equal(textOf(cpu, 'rasd:VirtualQuantity'), String(p.vm.cpus));
    xmlError(await get(server, `/api/vApp/vm-${id}/virtualHardwareSection/cpu`, s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    xmlError(await get(server, `${path}/virtualHardwareSection/cpu`, s.hank), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});
