/**
 * VApp (or VAppTemplate) and Vm documents. Entity documents carry the status as VCD's integer (govcd decodes
 * `status` into an int), unlike query records, which carry its name. The OVF sections use the `ovf`, `rasd`,
 * `vssd` and `vmw` prefixes, declared on the root (a vApp's Vm children inherit them).
 */
import { node, renderXmlDocument, text, type DocElement } from '../document-tree.js';
import { OVF_NS, RASD_NS, VCLOUD_NS, VMW_NS, VSSD_NS } from '../xml-render.js';
import { MEDIA, catalogItemHref, tenantNetworkHref, urn, userHref, vappHref, vappUrn, vdcHref, vmHref } from '../hrefs.js';
import { catalogItemId } from '../catalogs.js';
import { statusCode } from '../status.js';
import type { VAppWithNames, VmExtraConfigRow, VmWithNames } from '../repository.js';
import { virtualHardwareSection } from './virtual-hardware.js';
import {
  computePolicy,
  guestCustomizationSection,
  networkConnectionSection,
  storageProfileReference,
  vmCapabilities,
  vmSpecSection,
} from './vm-sections.js';
import { leaseSettingsSection, networkConfigSection, networkSection, startupSection } from './vapp-sections.js';
import { bootOptions, operatingSystemSection, runtimeInfoSection } from './vm-os-sections.js';
import type { VAppLeaseSettings } from '../../domain/org-settings.js';
import type { VAppNetwork } from '../vapp-networks.js';

const NAMESPACES = { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, 'xmlns:rasd': RASD_NS, 'xmlns:vssd': VSSD_NS, 'xmlns:vmw': VMW_NS };
/** What a `Vm` needs to be a document root (`vmTree(base, vm, extraConfig, VM_NAMESPACES)`). */
export const VM_NAMESPACES = NAMESPACES;

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** ExtraConfig entries by VM id (repository.listExtraConfigOfVms); a VM without any is simply absent. */
export type ExtraConfigByVm = ReadonlyMap<string, readonly VmExtraConfigRow[]>;

/** What a vApp (not a template) document adds from outside its rows: its org's lease and its networks (vapp-sections.ts). */
export interface VAppSections {
  readonly lease: VAppLeaseSettings;
  readonly networks: readonly VAppNetwork[];
}

export function vappTree(
  base: string,
  vapp: VAppWithNames,
  vms: readonly VmWithNames[],
  extraConfig: ExtraConfigByVm,
  sections?: VAppSections,
): DocElement {
  const template = vapp.is_template === 1;
  const href = vappHref(base, vapp.id, template);
  const attributes = {
    ...NAMESPACES,
    href,
    id: vappUrn(vapp.id, template),
    name: vapp.name,
    type: template ? MEDIA.vAppTemplate : MEDIA.vApp,
    status: statusCode(vapp.status),
    ...(template ? { ovfDescriptorUploaded: true, goldMaster: false } : { deployed: vapp.is_deployed === 1, ovfDescriptorUploaded: true }),
  };
  const vappSections =
    sections && !template
      ? [
          leaseSettingsSection(href, sections.lease),
          startupSection(vms),
          networkSection(sections.networks),
          networkConfigSection(base, href, sections.networks, vapp.is_deployed === 1),
        ]
      : null;
  return node(template ? 'VAppTemplate' : 'VApp', attributes, [
    node('Link', { rel: 'up', href: vdcHref(base, vapp.vdc_id), name: vapp.vdc_name, type: MEDIA.vdc }),
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    // pyvcloud's get_product_sections follows this link (the sections of templates are not served).
    template ? null : node('Link', { rel: 'down', href: `${href}/productSections/`, type: MEDIA.productSections }),
    // Who may use it (pyvcloud's VApp.get_access_settings follows this link).
    template ? null : node('Link', { rel: 'down', href: `${href}/controlAccess/`, type: MEDIA.controlAccess }),
    // Each of its networks, by name (pyvcloud's VApp.list_ip_allocations finds a network by this link).
    ...(sections && !template
      ? sections.networks.map((n) =>
          node('Link', { rel: 'down', href: tenantNetworkHref(base, n.id), name: n.name, type: MEDIA.vAppNetwork }),
        )
      : []),
    // govcd's VAppTemplate.GetLease follows this one (a vApp's lease is inline, a template's only linked).
    template ? node('Link', { rel: 'down', href: `${href}/leaseSettingsSection/`, type: MEDIA.leaseSettingsSection }) : null,
    // A template in a catalog names its catalog item (govcd's VAppTemplate.GetCatalogItemHref/Id: Terraform's
    // vcd_catalog_vapp_template reads it).
    template && vapp.catalog_name !== null
      ? node('Link', { rel: 'catalogItem', href: catalogItemHref(base, catalogItemId(vapp.id)), type: MEDIA.catalogItem })
      : null,
    text('Description', vapp.description),
    // VCD's VAppType order: the sections, DateCreated, Owner, InMaintenanceMode, Children. A VAppTemplate has its
    // Owner and Children first and DateCreated last.
    ...(vappSections ?? []),
    template ? null : text('DateCreated', iso(vapp.created_at)),
    node(
      'Owner',
      { type: 'application/vnd.vmware.vcloud.owner+xml' },
      vapp.owner_id ? node('User', { href: userHref(base, vapp.owner_id), name: vapp.owner_name, type: MEDIA.user }) : null,
    ),
    template ? null : text('InMaintenanceMode', false),
    node(
      'Children',
      {},
      vms.map((vm) => vmTree(base, vm, extraConfig.get(vm.id) ?? [])),
    ),
    template ? text('DateCreated', iso(vapp.created_at)) : null,
  ]);
}

export const vappDocument = (
  base: string,
  vapp: VAppWithNames,
  vms: readonly VmWithNames[],
  extraConfig: ExtraConfigByVm,
  sections?: VAppSections,
): string => renderXmlDocument(vappTree(base, vapp, vms, extraConfig, sections));

export const vmDocument = (base: string, vm: VmWithNames, extraConfig: readonly VmExtraConfigRow[]): string =>
  renderXmlDocument(vmTree(base, vm, extraConfig, NAMESPACES));

/** A `Vm` element: inside a vApp's `Children`, or (with namespaces) as a document root. */
export function vmTree(
  base: string,
  vm: VmWithNames,
  extraConfig: readonly VmExtraConfigRow[],
  namespaces: Record<string, string> = {},
): DocElement {
  const template = vm.is_template === 1;
  const href = vmHref(base, vm.id, template);
  return node(
    'Vm',
    {
      ...namespaces,
      href,
      id: urn('vm', vm.id),
      name: vm.name,
      type: MEDIA.vm,
      status: statusCode(vm.status),
      deployed: vm.is_deployed === 1,
      needsCustomization: false,
      nestedHypervisorEnabled: false,
    },
    [
      node('Link', {
        rel: 'up',
        href: vappHref(base, vm.vapp_id, template),
        name: vm.vapp_name,
        type: template ? MEDIA.vAppTemplate : MEDIA.vApp,
      }),
      node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      template ? null : node('Link', { rel: 'down', href: `${href}/productSections/`, type: MEDIA.productSections }),
      text('Description', vm.description),
      // VCD's order: the hardware section first, then the OS and network sections.
      virtualHardwareSection(href, vm, extraConfig),
      operatingSystemSection(href, vm),
      networkConnectionSection(href, vm),
      guestCustomizationSection(href, vm),
      runtimeInfoSection(href),
      text('DateCreated', iso(vm.created_at)),
      text('VAppScopedLocalId', vm.name),
      vmCapabilities(href),
      storageProfileReference(base, vm),
      computePolicy(base),
      bootOptions(href, false),
      vmSpecSection(base, vm),
    ],
  );
}
