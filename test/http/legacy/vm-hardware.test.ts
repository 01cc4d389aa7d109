/**
 * The Vm document's `ovf:VirtualHardwareSection` (issue 11): CPU, memory, disk and NIC as `ovf:Item`s with
 * integer `rasd:` values (govcd's types decode them as ints), and `vmw:ExtraConfig` entries from the store,
 * where CAPVCD's `GetExtraConfigValue` reads `guestinfo.*`. The same section inside a vApp's children, and in
 * VCD JSON from the same tree.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { DEMO_INVENTORY, demoVms, KUBEINIT_STATUS_KEY } from '../../../src/inventory/demo-spec.js';
import { demoIds } from '../../../src/inventory/demo.js';
import { child, childrenNamed, get, startDemoServer, xmlError, xmlRoot, type DemoSessions, type XmlElement } from './support.js';

const OVF = 'http://schemas.dmtf.org/ovf/envelope/1';
const RASD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData';
const VSSD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData';
const VMW = 'http://www.vmware.com/schema/ovf';

let server: TesseraHandle;
let s: DemoSessions;
let acmeId: string;

before(async () => {
  ({ server, s, acmeId } = await startDemoServer());
});
after(async () => server?.stop());

const placementOf = (name: string) => demoVms(DEMO_INVENTORY.acme).find((p) => p.vm.name === name)!;
const vmPath = (name: string) => {
  const p = placementOf(name);
  const id = demoIds.vm(acmeId, p.vdc.name, p.vapp.name, p.vm.name);
  return p.vapp.template ? `/api/vAppTemplate/vm-${id}` : `/api/vApp/vm-${id}`;
};
const text = (el: XmlElement, name: string) => child(el, name).text;
/** The items by rasd:ResourceType. */
const itemsOf = (section: XmlElement) =>
  childrenNamed(section, 'ovf:Item').map((i) => ({ type: Number(text(i, 'rasd:ResourceType')), item: i }));

describe('Vm ovf:VirtualHardwareSection', () => {
  test('namespaces on the root; CPU, memory, controller, disk and NIC items with integer values', async () => {
    const vm = placementOf('ci-01').vm;
    const root = xmlRoot(await get(server, vmPath('ci-01'), s.alice), 200, /^application\/vnd\.vmware\.vcloud\.vm\+xml/);
    assert.deepEqual(
      [root.attrs['xmlns:ovf'], root.attrs['xmlns:rasd'], root.attrs['xmlns:vssd'], root.attrs['xmlns:vmw']],
      [OVF, RASD, VSSD, VMW],
    );
    const section = child(root, 'ovf:VirtualHardwareSection');
    assert.equal(section.attrs['vcloud:href'], `${server.baseUrl}${vmPath('ci-01')}/virtualHardwareSection/`);
    assert.equal(text(child(section, 'ovf:System'), 'vssd:VirtualSystemType'), 'vmx-19');
    const items = itemsOf(section);
    assert.deepEqual(
      items.map((i) => i.type),
      [10, 6, 17, 3, 4],
      'NIC, SCSI controller, disk, CPU, memory',
    );
    for (const { item } of items) {
      for (const name of ['rasd:InstanceID', 'rasd:ResourceType', 'rasd:VirtualQuantity', 'rasd:Reservation', 'rasd:Parent']) {
        for (const el of childrenNamed(item, name)) assert.match(el.text, /^\d+$/, `${name} is an integer`);
      }
    }
    const byType = new Map(items.map((i) => [i.type, i.item]));
    const cpu = byType.get(3)!;
    assert.equal(text(cpu, 'rasd:VirtualQuantity'), String(vm.cpus));
    assert.equal(text(cpu, 'rasd:AllocationUnits'), 'hertz * 10^6');
    assert.equal(text(cpu, 'vmw:CoresPerSocket'), '1');
    const memory = byType.get(4)!;
    assert.equal(text(memory, 'rasd:VirtualQuantity'), String(vm.memoryMb));
    assert.equal(text(memory, 'rasd:AllocationUnits'), 'byte * 2^20');
    const disk = byType.get(17)!;
    assert.equal(text(disk, 'rasd:VirtualQuantity'), String(vm.diskMb * 1024 * 1024), 'bytes');
    assert.equal(child(disk, 'rasd:HostResource').attrs['vcloud:capacity'], String(vm.diskMb), 'MB');
    assert.equal(text(disk, 'rasd:Parent'), text(byType.get(6)!, 'rasd:InstanceID'), 'the disk hangs off the controller');
    const nic = child(byType.get(10)!, 'rasd:Connection');
    assert.equal(nic.text, vm.network);
    assert.equal(nic.attrs['vcloud:ipAddress'], vm.ipAddress);
    assert.equal(nic.attrs['vcloud:primaryNetworkConnection'], 'true');
  });

  test('vmw:ExtraConfig: every stored key, with its value, ovf:required="false", after the items', async () => {
    const vm = placementOf('ci-01').vm;
    assert.ok(
      vm.extraConfig.some((e) => e.key === KUBEINIT_STATUS_KEY),
      'the demo seeds kubeinit on ci-01',
    );
    const section = child(xmlRoot(await get(server, vmPath('ci-01'), s.alice), 200, /vm\+xml/), 'ovf:VirtualHardwareSection');
    const entries = childrenNamed(section, 'vmw:ExtraConfig');
    assert.deepEqual(
      entries.map((e) => [e.attrs['vmw:key'], e.attrs['vmw:value'], e.attrs['ovf:required']]),
      vm.extraConfig.map((e) => [e.key, e.value, 'false']),
    );
    const names = section.children.map((c) => c.name);
    assert.ok(names.lastIndexOf('ovf:Item') < names.indexOf('vmw:ExtraConfig'), 'items first, as VCD orders them');
  });

  test('a template VM: no NIC item, no network status key; the section is there all the same', async () => {
    const p = placementOf('k8s-worker');
    const section = child(xmlRoot(await get(server, vmPath('k8s-worker'), s.alice), 200, /vm\+xml/), 'ovf:VirtualHardwareSection');
    assert.deepEqual(
      itemsOf(section).map((i) => i.type),
      [6, 17, 3, 4],
    );
    assert.deepEqual(
      childrenNamed(section, 'vmw:ExtraConfig').map((e) => e.attrs['vmw:key']),
      p.vm.extraConfig.map((e) => e.key),
    );
  });

  test("the vApp's child VMs carry the section too, with the prefixes declared on the VApp root", async () => {
    const p = placementOf('ci-01');
    const root = xmlRoot(await get(server, `/api/vApp/vapp-${demoIds.vapp(acmeId, p.vdc.name, p.vapp.name)}`, s.bob), 200, /vApp\+xml/);
    assert.equal(root.attrs['xmlns:rasd'], RASD);
    assert.equal(root.attrs['xmlns:vmw'], VMW);
    for (const vm of childrenNamed(child(root, 'Children'), 'Vm')) {
      const spec = p.vapp.vms.find((v) => v.name === vm.attrs.name)!;
      const keys = childrenNamed(child(vm, 'ovf:VirtualHardwareSection'), 'vmw:ExtraConfig').map((e) => e.attrs['vmw:key']);
      assert.deepEqual(
        keys,
        spec.extraConfig.map((e) => e.key),
        vm.attrs.name,
      );
    }
  });

  test('VCD JSON: virtualHardwareSection with item and extraConfig arrays, typed values', async () => {
    const vm = placementOf('db-01').vm;
    const reply = await get(server, vmPath('db-01'), s.alice, 'application/*+json;version=37.0');
    assert.equal(reply.status, 200, reply.text.slice(0, 300));
    assert.equal(reply.headers.get('content-type'), 'application/vnd.vmware.vcloud.vm+json;version=37.0');
    const section = reply.json().virtualHardwareSection;
    assert.equal(section.type, 'application/vnd.vmware.vcloud.virtualHardwareSection+json');
    assert.ok(Array.isArray(section.item) && Array.isArray(section.extraConfig));
    const disk = section.item.find((i: { resourceType: number }) => i.resourceType === 17);
    assert.equal(disk.virtualQuantity, vm.diskMb * 1024 * 1024);
    assert.deepEqual(disk.hostResource, [
      { otherAttributes: {}, capacity: vm.diskMb, busSubType: 'lsilogic', busType: 6, storageProfileOverrideVmDefault: false },
    ]);
    assert.deepEqual(
      section.extraConfig.map((e: { key: string; value: string; required: boolean }) => [e.key, e.value, e.required]),
      vm.extraConfig.map((e) => [e.key, e.value, false]),
    );
  });

  test("another org's VM stays 403; a bad reference is 403, never 500", async () => {
    const other = (await server.store.getOrgByName('globex'))!.id;
    xmlError(
      await get(server, `/api/vApp/vm-${demoIds.vm(other, 'globex-main', 'erp', 'web-01')}`, s.alice),
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    );
    xmlError(await get(server, '/api/vApp/vm-%00', s.alice), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
  });
});
