/**
 * A Vm's `ovf:VirtualHardwareSection`, in the shape VCD writes it and two clients decode it:
 * - go-vcloud-director's `types.VirtualHardwareSection` reads every `ovf:Item` into typed fields, so InstanceID,
 *   ResourceType, VirtualQuantity, Reservation, Weight, Parent, AddressOnParent and CoresPerSocket must be
 *   plain integers (a non-numeric value fails the whole Vm document) and AutomaticAllocation a boolean;
 * - the CPI/CAPVCD `vcdsdk` (`VdcManager.GetExtraConfigValue`) dereferences this section without a nil check
 *   and reads `vmw:ExtraConfig` `key`/`value` attributes, where CAPVCD polls its `guestinfo.*` bootstrap status.
 *
 * Items (InstanceIDs as VCD numbers them): the NIC (ResourceType 10) when the VM is on a network, a SCSI
 * controller (6), the system disk (17, child of the controller, size in bytes), CPU (3) and memory (4). Both
 * Go decoders match local names, but the prefixes are declared on the document root (VM_NAMESPACES), as VCD does.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import type { VmExtraConfigRow, VmWithNames } from '../repository.js';
import { MEDIA } from '../hrefs.js';

const RASD_ITEM = 'application/vnd.vmware.vcloud.rasdItem+xml';
const SECTION_TYPE = MEDIA.virtualHardwareSection;
const SCSI_CONTROLLER_ID = 2;
/** VCD numbers disks 2000 + 16 × bus + unit. */
const FIRST_DISK_ID = 2000;
/** CIM ResourceType values (DSP0243). */
const RESOURCE = { cpu: 3, memory: 4, scsiController: 6, nic: 10, disk: 17 } as const;
/** VCD's bus type for SCSI in `vcloud:busType`. */
const SCSI_BUS_TYPE = 6;

/** The VM's MAC address: the one the provider reported (`vms.mac_address`), else a stable VMware-range one derived from the id. */
export function macAddress(vm: { id: string; mac_address?: string | null }): string {
  if (vm.mac_address) return vm.mac_address;
  const hex = vm.id.replace(/-/g, '');
  return `00:50:56:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** The SCSI controller VCD picks for the guest OS (Windows gets LSI Logic SAS). */
export function scsiSubType(guestOs: string): string {
  return /windows/i.test(guestOs) ? 'lsilogicsas' : 'lsilogic';
}

export function virtualHardwareSection(vmHref: string, vm: VmWithNames, extraConfig: readonly VmExtraConfigRow[]): DocElement {
  const sectionHref = `${vmHref}/virtualHardwareSection/`;
  const scsi = scsiSubType(vm.guest_os);
  const connected = vm.network_name !== null;
  return node(
    'ovf:VirtualHardwareSection',
    // VCD declares `vcloud` on the section for its own attributes on OVF elements.
    { 'xmlns:vcloud': VCLOUD_NS, 'ovf:transport': '', 'vcloud:href': sectionHref, 'vcloud:type': SECTION_TYPE },
    [
      text('ovf:Info', 'Virtual hardware requirements'),
      node('ovf:System', {}, [
        text('vssd:ElementName', 'Virtual Hardware Family'),
        text('vssd:InstanceID', 0),
        text('vssd:VirtualSystemIdentifier', vm.name),
        text('vssd:VirtualSystemType', `vmx-${vm.hardware_version}`),
      ]),
      connected
        ? node('ovf:Item', {}, [
            text('rasd:Address', macAddress(vm)),
            text('rasd:AddressOnParent', 0),
            text('rasd:AutomaticAllocation', vm.is_deployed === 1),
            text('rasd:Connection', vm.network_name, {
              'vcloud:ipAddressingMode': 'POOL',
              'vcloud:ipAddress': vm.ip_address,
              'vcloud:primaryNetworkConnection': true,
            }),
            text('rasd:Description', `Vmxnet3 ethernet adapter on "${vm.network_name}"`),
            text('rasd:ElementName', 'Network adapter 0'),
            text('rasd:InstanceID', 1),
            text('rasd:ResourceSubType', 'VMXNET3'),
            text('rasd:ResourceType', RESOURCE.nic),
          ])
        : null,
      node('ovf:Item', {}, [
        text('rasd:Address', 0),
        text('rasd:Description', 'SCSI Controller'),
        text('rasd:ElementName', 'SCSI Controller 0'),
        text('rasd:InstanceID', SCSI_CONTROLLER_ID),
        text('rasd:ResourceSubType', scsi),
        text('rasd:ResourceType', RESOURCE.scsiController),
      ]),
      node('ovf:Item', {}, [
        text('rasd:AddressOnParent', 0),
        text('rasd:Description', 'Hard disk'),
        text('rasd:ElementName', 'Hard disk 1'),
        node('rasd:HostResource', {
          'vcloud:capacity': vm.disk_mb,
          'vcloud:busSubType': scsi,
          'vcloud:busType': SCSI_BUS_TYPE,
          'vcloud:storageProfileOverrideVmDefault': false,
        }),
        text('rasd:InstanceID', FIRST_DISK_ID),
        text('rasd:Parent', SCSI_CONTROLLER_ID),
        text('rasd:ResourceType', RESOURCE.disk),
        text('rasd:VirtualQuantity', vm.disk_mb * 1024 * 1024),
        text('rasd:VirtualQuantityUnits', 'byte'),
      ]),
      node('ovf:Item', { 'vcloud:href': `${sectionHref}cpu`, 'vcloud:type': RASD_ITEM }, [
        text('rasd:AllocationUnits', 'hertz * 10^6'),
        text('rasd:Description', 'Number of Virtual CPUs'),
        text('rasd:ElementName', `${vm.cpus} virtual CPU(s)`),
        text('rasd:InstanceID', 4),
        text('rasd:Reservation', 0),
        text('rasd:ResourceType', RESOURCE.cpu),
        text('rasd:VirtualQuantity', vm.cpus),
        text('rasd:Weight', 0),
        text('vmw:CoresPerSocket', 1, { 'ovf:required': false }),
      ]),
      node('ovf:Item', { 'vcloud:href': `${sectionHref}memory`, 'vcloud:type': RASD_ITEM }, [
        text('rasd:AllocationUnits', 'byte * 2^20'),
        text('rasd:Description', 'Memory Size'),
        text('rasd:ElementName', `${vm.memory_mb} MB of memory`),
        text('rasd:InstanceID', 5),
        text('rasd:Reservation', 0),
        text('rasd:ResourceType', RESOURCE.memory),
        text('rasd:VirtualQuantity', vm.memory_mb),
        text('rasd:Weight', 0),
      ]),
      ...extraConfig.map((e) => node('vmw:ExtraConfig', { 'ovf:required': false, 'vmw:key': e.key, 'vmw:value': e.value })),
    ],
  );
}
