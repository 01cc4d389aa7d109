/**
 * Three small documents of a Vm that pyvcloud reads at their own hrefs (`VM.get_operating_system_section`,
 * `get_boot_options`, `get_guest_customization_status`):
 *
 * - `ovf:OperatingSystemSection` (`<vm>/operatingSystemSection/`): the same element the Vm document carries inline,
 *   the guest OS's name as its Description and, when known, VCD's guest id as `vmw:osType` (guest-os.ts).
 * - `BootOptions` (`<vm>/bootOptions/`): VCD 10.3's BootOptionsType holds BootDelay and EnterBIOSSetup (the retry,
 *   secure-boot and boot-order fields are API 37.1). Tessera's inventory holds no boot settings; a VM's are VCD's
 *   defaults unless someone changed them through this very API, which Tessera does not serve for writing: no
 *   delay, no BIOS setup at next boot.
 * - `GuestCustomizationStatusSection` (`<vm>/guestcustomizationstatus/`): see guestCustomizationStatus below.
 * - `RuntimeInfoSection` (`<vm>/runtimeInfoSection/`, and inline in the Vm): VCD's runtime facts of a VM, of which its
 *   schema has one, the VMware Tools version. The inventory records none: 0, not installed, as VmSpecSection's
 *   VmToolsVersion says. pyvcloud's `VM.list_run_time_info` (`vcd vm list-runtime-info`) reads it at its href.
 *
 * BootOptions is also inline in the Vm document: pyvcloud's `VM.general_setting_detail` (`vcd vm general-setting`)
 * reads `Vm.BootOptions` without a check, so VCD's Vm documents at the API versions pyvcloud speaks carried it.
 * govcd decodes it as optional (its comment "37.1+" is about the retry and secure-boot fields it may write).
 *
 * `checkpostcustomizationscript/` is not served: its answer says whether the guest's post-customization script
 * ran, which depends on a customization run Tessera never has (the same 404 as any unknown path).
 */
import { node, text, type DocElement } from '../document-tree.js';
import { OVF_NS, VCLOUD_NS, VMW_NS } from '../xml-render.js';
import { osTypeOf } from '../guest-os.js';
import type { VmWithNames } from '../repository.js';
import { SECTION_NAMESPACES } from './vapp-sections.js';

export const MEDIA_OPERATING_SYSTEM_SECTION = 'application/vnd.vmware.vcloud.operatingSystemSection+xml';
export const MEDIA_BOOT_OPTIONS = 'application/vnd.vmware.vcloud.bootOptionsSection+xml';
export const MEDIA_RUNTIME_INFO_SECTION = 'application/vnd.vmware.vcloud.runtimeInfoSection+xml';
/** Spelled as go-vcloud-director's MimeGuestCustomizationStatus (VCD's lower-case href says the same). */
export const MEDIA_GUEST_CUSTOMIZATION_STATUS = 'application/vnd.vmware.vcloud.guestcustomizationstatussection+xml';

/**
 * VCD's status of a VM whose guest customization never ran: `GC_PENDING`. VCD keeps one status per VM that starts
 * at GC_PENDING and moves (REBOOT_PENDING, POST_GC_PENDING, GC_COMPLETE or GC_FAILED) only when a customization
 * run is reported from the guest at power-on; with customization disabled (GuestCustomizationSection Enabled
 * false, as every Tessera VM is) none runs, so it stays there. That is what VCD answers for such VMs in practice:
 * VMware's container-service-extension stopped waiting on this href because it never left GC_PENDING for VMs
 * that were not customized. GC_COMPLETE would claim a run that did not happen; govcd's
 * BlockWhileGuestCustomizationStatus(GC_PENDING) then waits until its timeout, as it does against VCD.
 */
export const GUEST_CUSTOMIZATION_STATUS = 'GC_PENDING';

/**
 * The VM's `ovf:OperatingSystemSection`: inline in the Vm document, or (asDocument) the document at its href,
 * which declares the prefixes it uses.
 */
export function operatingSystemSection(vmHref: string, vm: VmWithNames, asDocument = false): DocElement {
  const namespaces = asDocument ? { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, 'xmlns:vmw': VMW_NS } : {};
  return node(
    'ovf:OperatingSystemSection',
    {
      ...namespaces,
      // VCD declares `vcloud` on the section for its own attributes on an OVF element.
      'xmlns:vcloud': VCLOUD_NS,
      'ovf:id': 0,
      'vcloud:href': `${vmHref}/operatingSystemSection/`,
      'vcloud:type': MEDIA_OPERATING_SYSTEM_SECTION,
      'vmw:osType': osTypeOf(vm.guest_os),
    },
    [text('ovf:Info', 'Specifies the operating system installed'), text('ovf:Description', vm.guest_os)],
  );
}

/** The VM's BootOptions: inline in the Vm document, or (asDocument) the document at its href. */
export function bootOptions(vmHref: string, asDocument = true): DocElement {
  const namespaces = asDocument ? SECTION_NAMESPACES : {};
  return node('BootOptions', { ...namespaces, href: `${vmHref}/bootOptions/`, type: MEDIA_BOOT_OPTIONS }, [
    text('BootDelay', 0),
    text('EnterBIOSSetup', false),
  ]);
}

/**
 * The VM's RuntimeInfoSection: inline in the Vm document, or (asDocument) the document at its href. Its href and
 * type are VCD's own attributes on an OVF section, so in the `vcloud` prefix as on the OperatingSystemSection.
 */
export function runtimeInfoSection(vmHref: string, asDocument = false): DocElement {
  const namespaces = asDocument ? SECTION_NAMESPACES : {};
  return node(
    'RuntimeInfoSection',
    {
      ...namespaces,
      'xmlns:vcloud': VCLOUD_NS,
      'vcloud:href': `${vmHref}/runtimeInfoSection/`,
      'vcloud:type': MEDIA_RUNTIME_INFO_SECTION,
    },
    [text('ovf:Info', 'Specifies Runtime info'), node('VMWareTools', { version: '0' })],
  );
}

export function guestCustomizationStatus(vmHref: string): DocElement {
  return node(
    'GuestCustomizationStatusSection',
    {
      ...SECTION_NAMESPACES,
      href: `${vmHref}/guestcustomizationstatus/`,
      type: MEDIA_GUEST_CUSTOMIZATION_STATUS,
      'ovf:required': false,
    },
    [text('ovf:Info', 'Specifies Guest OS Customization Status'), text('GuestCustStatus', GUEST_CUSTOMIZATION_STATUS)],
  );
}
