/**
 * The sections of a vApp that VCD serves inline in the VApp document and at their own hrefs
 * (`<vApp href>/leaseSettingsSection/`, `/networkConfigSection/`, `/productSections/`): what govcd's
 * GetLease, GetNetworkConfig and GetProductSectionList read for Terraform's vcd_vapp, vcd_vapp_vm and vcd_vm.
 *
 * - **Lease**: Tessera stores no per-vApp lease. A VCD vApp takes its org's vApp lease settings
 *   (AdminOrg VAppLeaseSettings, `orgs.settings`) when it is created, so those are its lease. The expiry
 *   instants (DeploymentLeaseExpiration, StorageLeaseExpiration) depend on when the vApp was last deployed,
 *   which Tessera does not know: they are left out, as VCD does for a lease that never expires (0).
 * - **Networks**: derived from the VMs' NICs (inventory/vapp-networks.ts, which says what is decided and why).
 *   A vApp org network's ParentNetwork references its org VDC network (org-vdc-networks.ts).
 * - **Product sections** (OVF properties, Terraform's guest_properties): Tessera's inventory has none, so the
 *   list is VCD's empty one.
 *
 * A vApp template has a lease too (its storage lease), linked from its document and served at its own href.
 *
 * Inline only (their own hrefs are not served, so the elements name none): `ovf:StartupSection` and
 * `ovf:NetworkSection`, which pyvcloud reads from the VApp document (`VApp.get_startup_section`,
 * `get_all_networks`).
 * - **Startup**: Tessera stores no start order, so each VM has VCD's default for a VM put in a vApp: order 0,
 *   power on and off with no delay. The items name the VMs as VCD does (`ovf:id` is the VM's name), in the order
 *   of the vApp's Children.
 * - **Networks**: the OVF view of the same networks NetworkConfigSection configures, by name.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { OVF_NS, VCLOUD_NS } from '../xml-render.js';
import { MEDIA, networkHref, urn } from '../hrefs.js';
import type { VAppLeaseSettings, VAppTemplateLeaseSettings } from '../../domain/org-settings.js';
import type { VAppNetwork } from '../vapp-networks.js';
import type { VmWithNames } from '../repository.js';

/** What a section needs to be a document root. */
export const SECTION_NAMESPACES = { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS };

const asRoot = (tree: DocElement): DocElement => node(tree.name, { ...SECTION_NAMESPACES, ...tree.attrs }, tree.children);

export function leaseSettingsSection(vappHref: string, lease: VAppLeaseSettings, asDocument = false): DocElement {
  const href = `${vappHref}/leaseSettingsSection/`;
  const tree = node('LeaseSettingsSection', { href, type: MEDIA.leaseSettingsSection, 'ovf:required': false }, [
    text('ovf:Info', 'Lease settings section'),
    text('DeploymentLeaseInSeconds', lease.deploymentLeaseSeconds),
    text('StorageLeaseInSeconds', lease.storageLeaseSeconds),
  ]);
  return asDocument ? asRoot(tree) : tree;
}

/**
 * A vApp template's lease: its org's vApp template lease settings (AdminOrg VAppTemplateLeaseSettings), as a VCD
 * template takes them when it is made. A template is never deployed, so only the storage lease. Linked from the
 * VAppTemplate document and served at its own href only (govcd's VAppTemplate.GetLease follows the link; Terraform's
 * vcd_catalog_vapp_template reads `lease`).
 */
export function templateLeaseSettingsSection(templateHref: string, lease: VAppTemplateLeaseSettings): DocElement {
  return asRoot(
    node(
      'LeaseSettingsSection',
      { href: `${templateHref}/leaseSettingsSection/`, type: MEDIA.leaseSettingsSection, 'ovf:required': false },
      [text('ovf:Info', 'Lease settings section'), text('StorageLeaseInSeconds', lease.storageLeaseSeconds)],
    ),
  );
}

export function networkConfigSection(
  base: string,
  vappHref: string,
  networks: readonly VAppNetwork[],
  deployed: boolean,
  asDocument = false,
): DocElement {
  const href = `${vappHref}/networkConfigSection/`;
  const tree = node('NetworkConfigSection', { href, type: MEDIA.networkConfigSection, 'ovf:required': false }, [
    text('ovf:Info', 'The configuration parameters for logical networks'),
    ...networks.map((network) =>
      node('NetworkConfig', { networkName: network.name }, [
        // VCD links the network's reset action here (rel=repair); Tessera performs no actions on its inventory, so
        // it links the network itself. Terraform's vcd_vapp_network and vcd_vapp_org_network data sources read the
        // network's id from this href, and find nothing without it.
        node('Link', { rel: 'down', href: networkHref(base, network.id), name: network.name, type: MEDIA.vAppNetwork }),
        vappNetworkConfiguration(base, network),
        text('IsDeployed', deployed),
      ]),
    ),
  ]);
  return asDocument ? asRoot(tree) : tree;
}

/**
 * A vApp network's Configuration, in its NetworkConfig and in its own VAppNetwork document. No IpScopes: the
 * inventory has no addressing (vapp-networks.ts). RetainNetInfoAcrossDeployments and GuestVlanAllowed are always
 * present: Terraform's vApp network data sources dereference both without a check (vcd_vapp_network's read panics
 * on a missing GuestVlanAllowed). False is VCD's default for both.
 */
export function vappNetworkConfiguration(base: string, network: VAppNetwork): DocElement {
  return node('Configuration', {}, [
    network.parentId
      ? node('ParentNetwork', {
          href: networkHref(base, network.parentId),
          id: urn('network', network.parentId),
          name: network.name,
          type: MEDIA.network,
        })
      : null,
    text('FenceMode', network.linked ? 'bridged' : 'isolated'),
    text('RetainNetInfoAcrossDeployments', false),
    // Last in NetworkConfigurationType's order, after Features, RouterInfo and the interfaces (none served here).
    text('GuestVlanAllowed', false),
  ]);
}

/** `<entity href>/productSections/`: VCD's list without a ProductSection (no OVF properties in the inventory). */
export function productSectionList(entityHref: string, entityType: string): DocElement {
  return node('ProductSectionList', { ...SECTION_NAMESPACES, href: `${entityHref}/productSections/`, type: MEDIA.productSections }, [
    node('Link', { rel: 'up', href: entityHref, type: entityType }),
  ]);
}

export function startupSection(vms: ReadonlyArray<Pick<VmWithNames, 'name'>>): DocElement {
  return node('ovf:StartupSection', {}, [
    text('ovf:Info', 'VApp startup section'),
    ...vms.map((vm) =>
      node('ovf:Item', {
        'ovf:id': vm.name,
        'ovf:order': 0,
        'ovf:startAction': 'powerOn',
        'ovf:startDelay': 0,
        'ovf:stopAction': 'powerOff',
        'ovf:stopDelay': 0,
      }),
    ),
  ]);
}

export function networkSection(networks: readonly VAppNetwork[]): DocElement {
  return node('ovf:NetworkSection', {}, [
    text('ovf:Info', 'The list of logical networks'),
    ...networks.map((network) => node('ovf:Network', { 'ovf:name': network.name })),
  ]);
}
