/**
 * Ids and hrefs at the edge (docs/CONVENTIONS.md: bare UUIDs in the store). The forms are VCD's exactly, because
 * clients parse them: govcd splits org hrefs on "/api/org/" and matches `^https://.+/(<uuid>)$` (vcd-clients §0, §1.6).
 *
 *   org      https://HOST/api/org/<uuid>                    urn:vcloud:org:<uuid>
 *   adminOrg https://HOST/api/admin/org/<uuid>
 *   vdc      https://HOST/api/vdc/<uuid>                    urn:vcloud:vdc:<uuid> (admin view: /api/admin/vdc/<uuid>)
 *   vApp     https://HOST/api/vApp/vapp-<uuid>              urn:vcloud:vapp:<uuid>
 *   template https://HOST/api/vAppTemplate/vappTemplate-<uuid>   urn:vcloud:vapptemplate:<uuid>
 *   vm       https://HOST/api/vApp/vm-<uuid>   (in a template: /api/vAppTemplate/vm-<uuid>)   urn:vcloud:vm:<uuid>
 *   user     https://HOST/api/admin/user/<uuid>             urn:vcloud:user:<uuid>
 *   role     https://HOST/api/admin/role/<uuid>             urn:vcloud:role:<uuid>
 *   group    https://HOST/api/admin/group/<uuid>            urn:vcloud:group:<uuid> (read only: groups are written in /cloudapi)
 *   task     https://HOST/api/task/<uuid>                   urn:vcloud:task:<uuid>
 *   storage profile  https://HOST/api/vdcStorageProfile/<uuid>   urn:vcloud:vdcstorageProfile:<uuid> (VCD's spelling;
 *                    admin view: /api/admin/vdcStorageProfile/<uuid>)
 *   compute policy   https://HOST/cloudapi/1.0.0/vdcComputePolicies/<urn>   urn:vcloud:vdcComputePolicy:<uuid>
 *   service account  https://HOST/cloudapi/1.0.0/serviceAccounts/<urn>      urn:vcloud:serviceAccount:<uuid>
 *   catalog  https://HOST/api/catalog/<uuid> (admin view: /api/admin/catalog/<uuid>)   urn:vcloud:catalog:<uuid>
 *   catalog item     https://HOST/api/catalogItem/<uuid>    urn:vcloud:catalogitem:<uuid>
 */
export type UrnKind =
  | 'org'
  | 'vdc'
  | 'vapp'
  | 'vapptemplate'
  | 'vm'
  | 'user'
  | 'role'
  | 'right'
  | 'rightsCategory'
  | 'group'
  | 'task'
  | 'vdcstorageProfile'
  | 'vdcComputePolicy'
  | 'serviceAccount'
  | 'network'
  | 'catalog'
  | 'catalogitem'
  | 'media'
  | 'disk'
  | 'gateway'
  | 'vdctemplate';

export const urn = (kind: UrnKind, id: string): string => `urn:vcloud:${kind}:${id}`;

export const orgHref = (base: string, id: string) => `${base}/api/org/${id}`;
export const adminOrgHref = (base: string, id: string) => `${base}/api/admin/org/${id}`;
export const vdcHref = (base: string, id: string) => `${base}/api/vdc/${id}`;
export const adminVdcHref = (base: string, id: string) => `${base}/api/admin/vdc/${id}`;
export const vdcComputePoliciesHref = (base: string, id: string) => `${base}/api/admin/vdc/${id}/computePolicies`;
export const userHref = (base: string, id: string) => `${base}/api/admin/user/${id}`;
export const roleHref = (base: string, id: string) => `${base}/api/admin/role/${id}`;
export const rightHref = (base: string, id: string) => `${base}/api/admin/right/${id}`;
export const groupHref = (base: string, id: string) => `${base}/api/admin/group/${id}`;
export const taskHref = (base: string, id: string) => `${base}/api/task/${id}`;
/**
 * A network's admin href, as VCD's vAppNetwork and orgVdcNetwork records and a VDC's AvailableNetworks carry it: the
 * OrgVdcNetwork (org-vdc-networks.ts) or the VAppNetwork (vapp-networks.ts) document.
 */
export const networkHref = (base: string, id: string) => `${base}/api/admin/network/${id}`;
/** A network's tenant href (VCD's `/api/network/{id}`): the same document as the admin one. */
export const tenantNetworkHref = (base: string, id: string) => `${base}/api/network/${id}`;
/** The href a network document answers at: the admin one or the tenant one, as the request named it. */
export const networkHrefAs = (base: string, id: string, admin: boolean) => (admin ? networkHref(base, id) : tenantNetworkHref(base, id));
/** A VDC's edge gateways as query records (VCD's `rel="edgeGateways"` link; none in Tessera). */
export const vdcEdgeGatewaysHref = (base: string, vdcId: string) => `${base}/api/admin/vdc/${vdcId}/edgeGateways`;
export const catalogHref = (base: string, id: string) => `${base}/api/catalog/${id}`;
export const adminCatalogHref = (base: string, id: string) => `${base}/api/admin/catalog/${id}`;
export const catalogItemHref = (base: string, id: string) => `${base}/api/catalogItem/${id}`;
/** A VDC's VM affinity rules, with VCD's trailing slash. */
export const vdcVmAffinityRulesHref = (base: string, vdcId: string) => `${base}/api/vdc/${vdcId}/vmAffinityRules/`;
/** An org's tasks (VCD's TasksList). */
export const tasksListHref = (base: string, orgId: string) => `${base}/api/tasksList/${orgId}`;
export const vdcStorageProfileHref = (base: string, id: string) => `${base}/api/vdcStorageProfile/${id}`;
export const adminVdcStorageProfileHref = (base: string, id: string) => `${base}/api/admin/vdcStorageProfile/${id}`;
export const vdcComputePolicyHref = (base: string, id: string) =>
  `${base}/cloudapi/1.0.0/vdcComputePolicies/${urn('vdcComputePolicy', id)}`;
export const serviceAccountHref = (base: string, id: string) => `${base}/cloudapi/1.0.0/serviceAccounts/${urn('serviceAccount', id)}`;

export function vappHref(base: string, id: string, isTemplate: boolean | number): string {
  return isTemplate ? `${base}/api/vAppTemplate/vappTemplate-${id}` : `${base}/api/vApp/vapp-${id}`;
}

export function vmHref(base: string, id: string, isTemplate: boolean | number): string {
  return isTemplate ? `${base}/api/vAppTemplate/vm-${id}` : `${base}/api/vApp/vm-${id}`;
}

export const vappUrn = (id: string, isTemplate: boolean | number) => urn(isTemplate ? 'vapptemplate' : 'vapp', id);

/** Media types of the entities, as `type=` attributes carry them. */
export const MEDIA = {
  orgList: 'application/vnd.vmware.vcloud.orgList+xml',
  org: 'application/vnd.vmware.vcloud.org+xml',
  adminOrg: 'application/vnd.vmware.admin.organization+xml',
  adminVCloud: 'application/vnd.vmware.admin.vcloud+xml',
  vdc: 'application/vnd.vmware.vcloud.vdc+xml',
  adminVdc: 'application/vnd.vmware.admin.vdc+xml',
  vdcComputePolicyReferences: 'application/vnd.vmware.vcloud.vdcComputePolicyReferences+xml',
  vApp: 'application/vnd.vmware.vcloud.vApp+xml',
  /** The body of a vApp's `action/undeploy` (govcd's MimeUndeployVappParams). */
  undeployVAppParams: 'application/vnd.vmware.vcloud.undeployVAppParams+xml',
  vAppTemplate: 'application/vnd.vmware.vcloud.vAppTemplate+xml',
  vm: 'application/vnd.vmware.vcloud.vm+xml',
  user: 'application/vnd.vmware.admin.user+xml',
  role: 'application/vnd.vmware.admin.role+xml',
  right: 'application/vnd.vmware.admin.right+xml',
  group: 'application/vnd.vmware.admin.group+xml',
  task: 'application/vnd.vmware.vcloud.task+xml',
  metadata: 'application/vnd.vmware.vcloud.metadata+xml',
  vdcStorageProfile: 'application/vnd.vmware.vcloud.vdcStorageProfile+xml',
  adminVdcStorageProfile: 'application/vnd.vmware.admin.vdcStorageProfile+xml',
  /** A reference to a network in a VDC's AvailableNetworks (govcd's MimeNetwork). */
  network: 'application/vnd.vmware.vcloud.network+xml',
  orgVdcNetwork: 'application/vnd.vmware.vcloud.orgVdcNetwork+xml',
  /** A vApp network's own document (govcd's MimeVappNetwork). */
  vAppNetwork: 'application/vnd.vmware.vcloud.vAppNetwork+xml',
  allocatedNetworkAddress: 'application/vnd.vmware.vcloud.allocatedNetworkAddress+xml',
  catalog: 'application/vnd.vmware.vcloud.catalog+xml',
  adminCatalog: 'application/vnd.vmware.admin.catalog+xml',
  catalogItem: 'application/vnd.vmware.vcloud.catalogItem+xml',
  /** Media (ISO and floppy images): named by the media query type, which has no records (catalogue.ts). */
  media: 'application/vnd.vmware.vcloud.media+xml',
  /** Independent disks and edge gateways: named by their query types, which have no records (catalogue.ts). */
  disk: 'application/vnd.vmware.vcloud.disk+xml',
  edgeGateway: 'application/vnd.vmware.admin.edgeGateway+xml',
  /** VDC templates: named by their query types, which have no records (catalogue.ts). */
  vdcTemplate: 'application/vnd.vmware.vcloud.orgVdcTemplate+xml',
  adminVdcTemplate: 'application/vnd.vmware.admin.vmwVdcTemplate+xml',
  owner: 'application/vnd.vmware.vcloud.owner+xml',
  leaseSettingsSection: 'application/vnd.vmware.vcloud.leaseSettingsSection+xml',
  networkConfigSection: 'application/vnd.vmware.vcloud.networkConfigSection+xml',
  networkConnectionSection: 'application/vnd.vmware.vcloud.networkConnectionSection+xml',
  productSections: 'application/vnd.vmware.vcloud.productSections+xml',
  controlAccess: 'application/vnd.vmware.vcloud.controlAccess+xml',
  guestCustomizationSection: 'application/vnd.vmware.vcloud.guestCustomizationSection+xml',
  vmCapabilitiesSection: 'application/vnd.vmware.vcloud.vmCapabilitiesSection+xml',
  virtualHardwareSection: 'application/vnd.vmware.vcloud.virtualHardwareSection+xml',
  virtualHardwareVersion: 'application/vnd.vmware.vcloud.virtualHardwareVersion+xml',
  /** A VDC's VM affinity rules (govcd's Vdc.GetAllVmAffinityRuleList looks for this type; none in Tessera). */
  vmAffinityRules: 'application/vnd.vmware.vcloud.vmaffinityrules+xml',
  /** An org's tasks (govcd's Org.GetTaskList; pyvcloud's Task.update POSTs to it, which is not served). */
  tasksList: 'application/vnd.vmware.vcloud.tasksList+xml',
  metadataValue: 'application/vnd.vmware.vcloud.metadata.value+xml',
  queryList: 'application/vnd.vmware.vcloud.query.queryList+xml',
  records: 'application/vnd.vmware.vcloud.query.records+xml',
  references: 'application/vnd.vmware.vcloud.query.references+xml',
  idrecords: 'application/vnd.vmware.vcloud.query.idrecords+xml',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bare lowercase UUID from a path segment that may be a UUID or a URN (`urn:vcloud:org:<uuid>`), as clients
 * send either; null when it is neither (the route then answers 403 like an unknown entity).
 */
export function idFromPathSegment(segment: string, kind?: UrnKind): string | null {
  let candidate = segment;
  if (candidate.startsWith('urn:vcloud:')) {
    const parts = candidate.split(':');
    if (parts.length !== 4 || (kind && parts[2] !== kind)) return null;
    candidate = parts[3]!;
  }
  return UUID.test(candidate) ? candidate.toLowerCase() : null;
}
