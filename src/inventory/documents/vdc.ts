/**
 * The Vdc document (`GET /api/vdc/{id}`), decoded by govcd into `types.Vdc` after GetVDCByName
 * (vcd-clients §1.6): `status` is VCD's VDC status integer (1 = READY), capacities are integers.
 *
 * The AdminOrg lists VDCs by this href too, so govcd's GetAdminVDCByName decodes this document into
 * `types.AdminVdc`, and Terraform's vcd_org_vdc dereferences `DefaultComputePolicy` without a nil check (VdcType
 * carries it since API 33): every VDC names VCD's "System Default" policy (compute-policies.ts). Its storage
 * profiles (storage-profiles.ts) are listed in `VdcStorageProfiles`, in VCD's order of elements. Its org VDC network
 * (org-vdc-networks.ts), when it names one, is its one `AvailableNetworks` entry: govcd's GetOrgVdcNetworkByName
 * looks a network up there and follows the href.
 *
 * The admin view (`GET /api/admin/vdc/{id}`, `admin`: pyvcloud's Org.get_vdc(is_admin_operation=True) and
 * VDC.get_resource_admin, govcd's GetAdminVDCByHref on that href) is the same document as AdminVdc: its up link
 * is the AdminOrg, an alternate link the Vdc, and of AdminVdcType's own elements only `VCpuInMhz` (the value
 * `VCpuInMhz2` has), since Tessera knows no guarantees, provider VDC, network pool or provisioning settings.
 */
import type { Org } from '../../store/store.js';
import { node, renderXmlDocument, text, type DocElement, type DocText } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import {
  MEDIA,
  adminOrgHref,
  adminVdcHref,
  networkHref,
  orgHref,
  urn,
  vappHref,
  vdcComputePoliciesHref,
  vdcComputePolicyHref,
  vdcEdgeGatewaysHref,
  vdcHref,
  vdcStorageProfileHref,
  vdcVmAffinityRulesHref,
} from '../hrefs.js';
import type { VApp, Vdc } from '../repository.js';
import { storageProfilesOf } from '../storage-profiles.js';
import { orgVdcNetworkOf } from '../org-vdc-networks.js';
import { SYSTEM_DEFAULT_POLICY_ID, SYSTEM_DEFAULT_POLICY_NAME } from '../compute-policies.js';

const VDC_READY = 1;
/** The virtual hardware version every VDC supports (its default and highest): vSphere 7.0 U2's. */
const HARDWARE_VERSION = 'vmx-19';
/** The MHz of one vCPU: VCD's default for a VDC (1,000), as Tessera keeps no such setting. */
const VCPU_MHZ = 1000;

function capacity(units: string, allocated: number, limit: number, used: number): DocText[] {
  return [text('Units', units), text('Allocated', allocated), text('Limit', limit), text('Reserved', 0), text('Used', used)];
}

export function vdcTree(base: string, vdc: Vdc, org: Org, vapps: readonly VApp[], admin = false): DocElement {
  const href = admin ? adminVdcHref(base, vdc.id) : vdcHref(base, vdc.id);
  const network = orgVdcNetworkOf(vdc);
  const type = admin ? MEDIA.adminVdc : MEDIA.vdc;
  return node(admin ? 'AdminVdc' : 'Vdc', { xmlns: VCLOUD_NS, href, id: urn('vdc', vdc.id), name: vdc.name, status: VDC_READY, type }, [
    admin
      ? node('Link', { rel: 'up', href: adminOrgHref(base, org.id), name: org.name, type: MEDIA.adminOrg })
      : node('Link', { rel: 'up', href: orgHref(base, org.id), name: org.name, type: MEDIA.org }),
    admin ? node('Link', { rel: 'alternate', href: vdcHref(base, vdc.id), name: vdc.name, type: MEDIA.vdc }) : null,
    // The Vdc's metadata in both views (Tessera serves VDC metadata at the Vdc's href only).
    node('Link', { rel: 'down', href: `${vdcHref(base, vdc.id)}/metadata`, type: MEDIA.metadata }),
    // Who may use it (pyvcloud's VDC.get_access_settings follows this link), at the Vdc's href in both views.
    node('Link', { rel: 'down', href: `${vdcHref(base, vdc.id)}/controlAccess/`, type: MEDIA.controlAccess }),
    // Its compute policies' references (pyvcloud's VDC.list_compute_policies follows this link).
    node('Link', { rel: 'down', href: vdcComputePoliciesHref(base, vdc.id), type: MEDIA.vdcComputePolicyReferences }),
    // Its edge gateways, as query records (none in Tessera): pyvcloud's VDC.list_edge_gateways follows this link.
    node('Link', { rel: 'edgeGateways', href: vdcEdgeGatewaysHref(base, vdc.id), type: MEDIA.records }),
    // Its VM affinity rules (none in Tessera): govcd's Vdc.GetAllVmAffinityRuleList, under Terraform's data
    // "vcd_vm_affinity_rule", finds them by this rel and type only, and failed without it.
    node('Link', { rel: 'down', href: vdcVmAffinityRulesHref(base, vdc.id), type: MEDIA.vmAffinityRules }),
    text('Description', vdc.description),
    text('AllocationModel', vdc.allocation_model),
    // Used: what the provider reported (inventory files and agents, 0008); 0 for the demo and generated VDCs.
    node('StorageCapacity', {}, capacity('MB', vdc.storage_limit_mb, vdc.storage_limit_mb, Number(vdc.storage_used_mb ?? 0))),
    node('ComputeCapacity', {}, [
      node('Cpu', {}, capacity('MHz', Number(vdc.cpu_allocated_mhz), Number(vdc.cpu_limit_mhz), Number(vdc.cpu_used_mhz ?? 0))),
      node('Memory', {}, capacity('MB', Number(vdc.memory_allocated_mb), Number(vdc.memory_limit_mb), Number(vdc.memory_used_mb ?? 0))),
    ]),
    node(
      'ResourceEntities',
      {},
      vapps.map((a) =>
        node('ResourceEntity', {
          href: vappHref(base, a.id, a.is_template),
          name: a.name,
          type: a.is_template ? MEDIA.vAppTemplate : MEDIA.vApp,
        }),
      ),
    ),
    node(
      'AvailableNetworks',
      {},
      network
        ? [
            node('Network', {
              href: networkHref(base, network.id),
              id: urn('network', network.id),
              name: network.name,
              type: MEDIA.network,
            }),
          ]
        : [],
    ),
    // VCD's reference with the version as its text too (govcd decodes a types.Reference and reads .Name). No href:
    // VCD's `/api/vdc/{id}/hwv/vmx-19` (VirtualHardwareVersion) is not served, as its operating-system table is
    // not Tessera's to state and only VM creation reads it (docs/design.md), and an href here must answer.
    node(
      'Capabilities',
      {},
      node('SupportedHardwareVersions', {}, [
        text('SupportedHardwareVersion', HARDWARE_VERSION, { default: true, name: HARDWARE_VERSION, type: MEDIA.virtualHardwareVersion }),
      ]),
    ),
    text('NicQuota', 0),
    text('NetworkQuota', 0),
    text('UsedNetworkCount', network ? 1 : 0),
    text('VmQuota', vdc.vm_quota),
    text('IsEnabled', vdc.is_enabled === 1),
    node(
      'VdcStorageProfiles',
      {},
      storageProfilesOf(vdc).map((p) =>
        node('VdcStorageProfile', {
          href: vdcStorageProfileHref(base, p.id),
          id: urn('vdcstorageProfile', p.id),
          name: p.name,
          type: MEDIA.vdcStorageProfile,
        }),
      ),
    ),
    node('DefaultComputePolicy', {
      href: vdcComputePolicyHref(base, SYSTEM_DEFAULT_POLICY_ID),
      id: urn('vdcComputePolicy', SYSTEM_DEFAULT_POLICY_ID),
      name: SYSTEM_DEFAULT_POLICY_NAME,
      type: 'application/json',
    }),
    text('VCpuInMhz2', VCPU_MHZ),
    admin ? text('VCpuInMhz', VCPU_MHZ) : null,
  ]);
}

/**
 * The VDC's compute policies (`GET /api/admin/vdc/{id}/computePolicies`, VdcComputePolicyReferences): VCD's
 * "System Default" sizing policy, every Tessera VDC's only one (compute-policies.ts), by its cloudapi href.
 */
export function vdcComputePolicyReferencesTree(base: string, vdc: Vdc): DocElement {
  return node(
    'VdcComputePolicyReferences',
    { xmlns: VCLOUD_NS, href: vdcComputePoliciesHref(base, vdc.id), type: MEDIA.vdcComputePolicyReferences },
    [
      node('Link', { rel: 'up', href: adminVdcHref(base, vdc.id), type: MEDIA.adminVdc }),
      node('VdcComputePolicyReference', {
        href: vdcComputePolicyHref(base, SYSTEM_DEFAULT_POLICY_ID),
        id: urn('vdcComputePolicy', SYSTEM_DEFAULT_POLICY_ID),
        name: SYSTEM_DEFAULT_POLICY_NAME,
        type: 'application/json',
      }),
    ],
  );
}

/**
 * The VDC's VM affinity rules (`GET /api/vdc/{id}/vmAffinityRules/`, VmAffinityRules), as govcd decodes it into
 * `types.VmAffinityRules`: none. VM placement on hosts is vSphere's, which the inventory does not describe, and
 * Tessera keeps no rules, so Terraform's data "vcd_vm_affinity_rule" says "not found" and its resource has nothing
 * to read. No `rel="add"` link: rules cannot be created here.
 */
export function vmAffinityRulesTree(base: string, vdc: Vdc): DocElement {
  return node('VmAffinityRules', { xmlns: VCLOUD_NS, href: vdcVmAffinityRulesHref(base, vdc.id), type: MEDIA.vmAffinityRules }, [
    node('Link', { rel: 'up', href: vdcHref(base, vdc.id), name: vdc.name, type: MEDIA.vdc }),
  ]);
}

export const vdcDocument = (base: string, vdc: Vdc, org: Org, vapps: readonly VApp[]): string =>
  renderXmlDocument(vdcTree(base, vdc, org, vapps));
