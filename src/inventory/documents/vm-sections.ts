/**
 * The sections of a Vm that VCD serves inline in the Vm document (and some at their own hrefs), in the shape
 * govcd decodes them and Terraform's genericVcdVmRead dereferences them:
 *
 * - NetworkConnectionSection: the one NIC Tessera stores (name, IP, MAC), its adapter the VMXNET3 the
 *   VirtualHardwareSection lists. The provider ranges over it without a nil check: always rendered.
 * - VmSpecSection: CPU, memory, the guest id (guest-os.ts; left out when unknown), the hardware version, the VMware
 *   Tools version (0, not installed: the inventory does not record it), and
 *   the DiskSection the provider's internal_disk reads (it fails without one, and dereferences every disk's
 *   StorageProfile). Reservations, limits and shares depend on VDC guarantees Tessera does not store: left out
 *   (each is optional in VCD's schema and nil-checked by the provider). Firmware is API 37.1
 *   (VCD 10.4.1) and so not in a 10.3.1 document.
 * - GuestCustomizationSection: Tessera's inventory holds no customization, so VCD's state of a VM whose
 *   customization was never configured: every switch off, no passwords, the VM's own id and name (VCD's default
 *   computer name).
 * - VmCapabilities: hot-add is not in the inventory; VCD's default for a VM is off. The provider reads
 *   `VMCapabilities` without a nil check, so the element is always rendered.
 * - ComputePolicy: every Tessera VDC has VCD's System Default sizing policy and no other (compute-policies.ts).
 */
import { node, text, type DocElement } from '../document-tree.js';
import { MEDIA, urn, vdcComputePolicyHref, vdcStorageProfileHref } from '../hrefs.js';
import { osTypeOf } from '../guest-os.js';
import { storageProfileId } from '../storage-profiles.js';
import { SYSTEM_DEFAULT_POLICY_ID, SYSTEM_DEFAULT_POLICY_NAME } from '../compute-policies.js';
import type { VmWithNames } from '../repository.js';
import { macAddress, scsiSubType } from './virtual-hardware.js';
import { SECTION_NAMESPACES } from './vapp-sections.js';

/** VCD's DiskSettings AdapterType codes for the controllers VirtualHardwareSection lists. */
const ADAPTER_TYPE: Readonly<Record<string, number>> = { lsilogic: 3, lsilogicsas: 4 };
/** VCD numbers disks 2000 + 16 × bus + unit (virtual-hardware.ts). */
const SYSTEM_DISK_ID = 2000;

const asRoot = (tree: DocElement): DocElement => node(tree.name, { ...SECTION_NAMESPACES, ...tree.attrs }, tree.children);

/** The VM's storage profile as a reference (the VDC's profile of that name, storage-profiles.ts). */
export function storageProfileReference(base: string, vm: VmWithNames): DocElement {
  const id = storageProfileId(vm.vdc_id, vm.storage_profile);
  return node('StorageProfile', {
    href: vdcStorageProfileHref(base, id),
    id: urn('vdcstorageProfile', id),
    name: vm.storage_profile,
    type: MEDIA.vdcStorageProfile,
  });
}

export function networkConnectionSection(vmHref: string, vm: VmWithNames, asDocument = false): DocElement {
  const connected = vm.network_name !== null;
  const tree = node(
    'NetworkConnectionSection',
    { href: `${vmHref}/networkConnectionSection/`, type: MEDIA.networkConnectionSection, 'ovf:required': false },
    [
      text('ovf:Info', 'Specifies the available VM network connections'),
      connected ? text('PrimaryNetworkConnectionIndex', 0) : null,
      connected
        ? node('NetworkConnection', { network: vm.network_name, needsCustomization: false }, [
            text('NetworkConnectionIndex', 0),
            text('IpAddress', vm.ip_address),
            text('IsConnected', vm.is_deployed === 1),
            text('MACAddress', macAddress(vm)),
            text('IpAddressAllocationMode', 'POOL'),
            text('NetworkAdapterType', 'VMXNET3'),
          ])
        : null,
    ],
  );
  return asDocument ? asRoot(tree) : tree;
}

/** vSphere's guest tools version of a VM without VMware Tools. */
const VM_TOOLS_NOT_INSTALLED = 0;

export function vmSpecSection(base: string, vm: VmWithNames): DocElement {
  const adapter = ADAPTER_TYPE[scsiSubType(vm.guest_os)];
  const hardwareVersion = `vmx-${vm.hardware_version}`;
  return node('VmSpecSection', { Modified: false }, [
    text('ovf:Info', 'The VM specification'),
    text('OsType', osTypeOf(vm.guest_os)),
    text('NumCpus', vm.cpus),
    text('NumCoresPerSocket', 1),
    node('MemoryResourceMb', {}, text('Configured', vm.memory_mb)),
    node(
      'DiskSection',
      {},
      node('DiskSettings', {}, [
        text('DiskId', SYSTEM_DISK_ID),
        text('SizeMb', vm.disk_mb),
        text('UnitNumber', 0),
        text('BusNumber', 0),
        text('AdapterType', adapter),
        storageProfileReference(base, vm),
        text('overrideVmDefault', false),
        text('VirtualQuantity', vm.disk_mb * 1024 * 1024),
        text('VirtualQuantityUnit', 'byte'),
      ]),
    ),
    text('HardwareVersion', hardwareVersion, {
      href: `${base}/api/vdc/${vm.vdc_id}/hwv/${hardwareVersion}`,
      type: MEDIA.virtualHardwareVersion,
    }),
    // The inventory does not record VMware Tools: 0 is vSphere's "not installed". pyvcloud's vm_to_dict (`vcd vm
    // info`) reads the element without a check.
    text('VmToolsVersion', VM_TOOLS_NOT_INSTALLED),
  ]);
}

export function guestCustomizationSection(vmHref: string, vm: VmWithNames, asDocument = false): DocElement {
  const tree = node(
    'GuestCustomizationSection',
    { href: `${vmHref}/guestCustomizationSection/`, type: MEDIA.guestCustomizationSection, 'ovf:required': false },
    [
      text('ovf:Info', 'Specifies Guest OS Customization Settings'),
      text('Enabled', false),
      text('ChangeSid', false),
      text('VirtualMachineId', vm.id),
      text('JoinDomainEnabled', false),
      text('UseOrgSettings', false),
      text('AdminPasswordEnabled', false),
      text('AdminPasswordAuto', false),
      text('AdminAutoLogonEnabled', false),
      text('AdminAutoLogonCount', 0),
      text('ResetPasswordRequired', false),
      text('ComputerName', vm.name),
    ],
  );
  return asDocument ? asRoot(tree) : tree;
}

export function vmCapabilities(vmHref: string, asDocument = false): DocElement {
  const tree = node('VmCapabilities', { href: `${vmHref}/vmCapabilities/`, type: MEDIA.vmCapabilitiesSection }, [
    text('MemoryHotAddEnabled', false),
    text('CpuHotAddEnabled', false),
  ]);
  return asDocument ? asRoot(tree) : tree;
}

export function computePolicy(base: string): DocElement {
  return node('ComputePolicy', {}, [
    text('VmPlacementPolicyFinal', false),
    node('VmSizingPolicy', {
      href: vdcComputePolicyHref(base, SYSTEM_DEFAULT_POLICY_ID),
      id: urn('vdcComputePolicy', SYSTEM_DEFAULT_POLICY_ID),
      name: SYSTEM_DEFAULT_POLICY_NAME,
      type: 'application/json',
    }),
    text('VmSizingPolicyFinal', false),
  ]);
}
