/**
 * OrgList, Org and AdminOrg documents (vcd-clients §6). govcd reads OrgList `Org` elements by `name` and follows
 * their hrefs, which must be exactly `<base>/api/org/<uuid>`; GetAdminOrgByName needs the root `AdminOrg`;
 * pyvcloud lists VDCs through the Org's `Link rel="down"` of type query.records+xml whose href contains "vdc".
 */
import type { Org, User } from '../../store/store.js';
import { node, renderXmlDocument, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref, orgHref, urn, userHref, vdcHref } from '../hrefs.js';
import type { Vdc } from '../repository.js';

const NAMESPACES = { xmlns: VCLOUD_NS };

export function orgListTree(base: string, orgs: readonly Org[]): DocElement {
  return node(
    'OrgList',
    { ...NAMESPACES, href: `${base}/api/org/`, type: MEDIA.orgList },
    orgs.map((o) => node('Org', { href: orgHref(base, o.id), name: o.name, type: MEDIA.org })),
  );
}

function orgBody(org: Org): DocElement['children'] {
  return [text('Description', org.description), text('FullName', org.full_name), text('IsEnabled', org.is_enabled === 1)];
}

export function orgTree(base: string, org: Org, vdcs: readonly Vdc[]): DocElement {
  const href = orgHref(base, org.id);
  return node('Org', { ...NAMESPACES, href, id: urn('org', org.id), name: org.name, type: MEDIA.org }, [
    ...vdcs.map((v) => node('Link', { rel: 'down', href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    node('Link', { rel: 'down', href: `${href}/vdcs/query`, type: MEDIA.records }),
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    ...orgBody(org),
  ]);
}

export function adminOrgTree(base: string, org: Org, vdcs: readonly Vdc[], users: readonly User[]): DocElement {
  const href = adminOrgHref(base, org.id);
  const bool = (name: string, value: boolean) => text(name, value);
  const int = (name: string, value: number) => text(name, value);
  return node('AdminOrg', { ...NAMESPACES, href, id: urn('org', org.id), name: org.name, type: MEDIA.adminOrg }, [
    node('Link', { rel: 'alternate', href: orgHref(base, org.id), type: MEDIA.org }),
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    ...orgBody(org),
    node('Settings', { href: `${href}/settings`, type: 'application/vnd.vmware.admin.orgSettings+xml' }, [
      node(
        'OrgGeneralSettings',
        { href: `${href}/settings/general`, type: 'application/vnd.vmware.admin.organizationGeneralSettings+xml' },
        [
          bool('CanPublishCatalogs', false),
          bool('CanPublishExternally', false),
          bool('CanSubscribe', false),
          int('DeployedVMQuota', org.deployed_vm_quota),
          int('StoredVMQuota', org.stored_vm_quota),
          bool('UseServerBootSequence', false),
          int('DelayAfterPowerOnSeconds', 0),
        ],
      ),
      // Lease settings are present (0 = never expires) because clients read them without nil checks.
      node(
        'VAppLeaseSettings',
        { href: `${href}/settings/vAppLeaseSettings`, type: 'application/vnd.vmware.admin.vAppLeaseSettings+xml' },
        [
          bool('DeleteOnStorageLeaseExpiration', false),
          int('DeploymentLeaseSeconds', 0),
          int('StorageLeaseSeconds', 0),
          bool('PowerOffOnRuntimeLeaseExpiration', false),
        ],
      ),
      node(
        'VAppTemplateLeaseSettings',
        { href: `${href}/settings/vAppTemplateLeaseSettings`, type: 'application/vnd.vmware.admin.vAppTemplateLeaseSettings+xml' },
        [bool('DeleteOnStorageLeaseExpiration', false), int('StorageLeaseSeconds', 0)],
      ),
    ]),
    node(
      'Users',
      {},
      users.map((u) => node('UserReference', { href: userHref(base, u.id), name: u.name, type: MEDIA.user })),
    ),
    node('Groups'),
    node('Catalogs'),
    node(
      'Vdcs',
      {},
      vdcs.map((v) => node('Vdc', { href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    ),
    node('Networks'),
  ]);
}

export const orgListDocument = (base: string, orgs: readonly Org[]): string => renderXmlDocument(orgListTree(base, orgs));

export const orgDocument = (base: string, org: Org, vdcs: readonly Vdc[]): string => renderXmlDocument(orgTree(base, org, vdcs));

export const adminOrgDocument = (base: string, org: Org, vdcs: readonly Vdc[], users: readonly User[]): string =>
  renderXmlDocument(adminOrgTree(base, org, vdcs, users));
