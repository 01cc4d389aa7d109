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
 *
 * VCD also serves the items at their own hrefs under the section (pyvcloud's `VM.list_virtual_hardware_section`):
 * `cpu` and `memory` as a RasdItem document, `disks` (the disks and their controllers), `media`, `networkCards`
 * and `serialPorts` as a RasdItemsList. Both carry the item as VCD's `Item` in the vCloud namespace (RASD_Type),
 * the same children as the section's `ovf:Item` (hardwareItems builds both). Tessera's inventory holds no CD/DVD,
 * floppy or serial device, so those lists are empty, as VCD's are for a VM without one.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { OVF_NS, RASD_NS, VCLOUD_NS, VMW_NS, type Attrs } from '../xml-render.js';
import type { VmExtraConfigRow, VmWithNames } from '../repository.js';
import { MEDIA } from '../hrefs.js';

export const MEDIA_RASD_ITEM = 'application/vnd.vmware.vcloud.rasdItem+xml';
export const MEDIA_RASD_ITEMS_LIST = 'application/vnd.vmware.vcloud.rasdItemsList+xml';
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

/** The VM's hardware as VCD's RASD items, by the per-item hrefs VCD serves them at (each list in section order). */
export interface HardwareItems {
  /** `<section>/cpu` and `/memory`: one item each. */
  readonly cpu: DocElement;
  readonly memory: DocElement;
  /** `<section>/disks`: the hard disks and the controllers they hang on. */
  readonly disks: readonly DocElement[];
  /** `<section>/networkCards`: the NIC, when the VM is on a network. */
  readonly networkCards: readonly DocElement[];
  /** `<section>/media` (CD/DVD, floppy) and `/serialPorts`: Tessera's inventory holds no such device. */
  readonly media: readonly DocElement[];
  readonly serialPorts: readonly DocElement[];
}

/** The `ovf:Item`s of the VM's hardware; the section and the per-item documents are both built from these. */
export function hardwareItems(vmHref: string, vm: VmWithNames): HardwareItems {
  const sectionHref = `${vmHref}/virtualHardwareSection/`;
  const scsi = scsiSubType(vm.guest_os);
  const nic =
    vm.network_name !== null
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
      : null;
  const controller = node('ovf:Item', {}, [
    text('rasd:Address', 0),
    text('rasd:Description', 'SCSI Controller'),
    text('rasd:ElementName', 'SCSI Controller 0'),
    text('rasd:InstanceID', SCSI_CONTROLLER_ID),
    text('rasd:ResourceSubType', scsi),
    text('rasd:ResourceType', RESOURCE.scsiController),
  ]);
  const disk = node('ovf:Item', {}, [
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
  ]);
  const cpu = node('ovf:Item', { 'vcloud:href': `${sectionHref}cpu`, 'vcloud:type': MEDIA_RASD_ITEM }, [
    text('rasd:AllocationUnits', 'hertz * 10^6'),
    text('rasd:Description', 'Number of Virtual CPUs'),
    text('rasd:ElementName', `${vm.cpus} virtual CPU(s)`),
    text('rasd:InstanceID', 4),
    text('rasd:Reservation', 0),
    text('rasd:ResourceType', RESOURCE.cpu),
    text('rasd:VirtualQuantity', vm.cpus),
    text('rasd:Weight', 0),
    text('vmw:CoresPerSocket', 1, { 'ovf:required': false }),
  ]);
  const memory = node('ovf:Item', { 'vcloud:href': `${sectionHref}memory`, 'vcloud:type': MEDIA_RASD_ITEM }, [
    text('rasd:AllocationUnits', 'byte * 2^20'),
    text('rasd:Description', 'Memory Size'),
    text('rasd:ElementName', `${vm.memory_mb} MB of memory`),
    text('rasd:InstanceID', 5),
    text('rasd:Reservation', 0),
    text('rasd:ResourceType', RESOURCE.memory),
    text('rasd:VirtualQuantity', vm.memory_mb),
    text('rasd:Weight', 0),
  ]);
  return { cpu, memory, disks: [controller, disk], networkCards: nic ? [nic] : [], media: [], serialPorts: [] };
}

export function virtualHardwareSection(vmHref: string, vm: VmWithNames, extraConfig: readonly VmExtraConfigRow[]): DocElement {
  const items = hardwareItems(vmHref, vm);
  return node(
    'ovf:VirtualHardwareSection',
    // VCD declares `vcloud` on the section for its own attributes on OVF elements.
    { 'xmlns:vcloud': VCLOUD_NS, 'ovf:transport': '', 'vcloud:href': `${vmHref}/virtualHardwareSection/`, 'vcloud:type': SECTION_TYPE },
    [
      text('ovf:Info', 'Virtual hardware requirements'),
      node('ovf:System', {}, [
        text('vssd:ElementName', 'Virtual Hardware Family'),
        text('vssd:InstanceID', 0),
        text('vssd:VirtualSystemIdentifier', vm.name),
        text('vssd:VirtualSystemType', `vmx-${vm.hardware_version}`),
      ]),
      // VCD's order, by InstanceID: the NIC, the controller and its disk, CPU, memory.
      ...items.networkCards,
      ...items.disks,
      ...items.media,
      ...items.serialPorts,
      items.cpu,
      items.memory,
      ...extraConfig.map((e) => node('vmw:ExtraConfig', { 'ovf:required': false, 'vmw:key': e.key, 'vmw:value': e.value })),
    ],
  );
}

/** The namespaces of a RASD item document's root: VCD's own as the default, and the prefixes its items use. */
const RASD_NAMESPACES = { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, 'xmlns:rasd': RASD_NS, 'xmlns:vcloud': VCLOUD_NS, 'xmlns:vmw': VMW_NS };

/** An item as VCD's `Item` (RASD_Type in the vCloud namespace), which is how RasdItem documents and lists carry it. */
const asVcloudItem = (item: DocElement, attrs: Attrs = {}): DocElement => node('Item', { ...attrs, ...item.attrs }, item.children);

/**
 * `<section>/cpu` or `/memory`: the one item as a RasdItem document, the same element the section lists (its
 * `vcloud:href` is this document's). Read only: no `edit` link.
 */
export function rasdItemDocument(item: DocElement): DocElement {
  return asVcloudItem(item, RASD_NAMESPACES);
}

/** `<section>/disks`, `/media`, `/networkCards`, `/serialPorts`: a RasdItemsList of the items the section lists. */
export function rasdItemsListDocument(href: string, items: readonly DocElement[]): DocElement {
  return node(
    'RasdItemsList',
    { ...RASD_NAMESPACES, href, type: MEDIA_RASD_ITEMS_LIST },
    items.map((item) => asVcloudItem(item)),
  );
}
