/**
 * OrgList, Org and AdminOrg documents (vcd-clients §6). govcd reads OrgList `Org` elements by `name` and follows
 * their hrefs, which must be exactly `<base>/api/org/<uuid>`; GetAdminOrgByName needs the root `AdminOrg`;
 * pyvcloud lists VDCs through the Org's `Link rel="down"` of type query.records+xml whose href contains "vdc".
 */
import type { Org, User } from '../../store/store.js';
import { el, textEl, xmlDocument } from '../xml-render.js';
import { MEDIA, adminOrgHref, orgHref, urn, userHref, vdcHref } from '../hrefs.js';
import type { Vdc } from '../repository.js';

export function orgListDocument(base: string, orgs: readonly Org[]): string {
  return xmlDocument(
    'OrgList',
    { href: `${base}/api/org/`, type: MEDIA.orgList },
    orgs.map((o) => el('Org', { href: orgHref(base, o.id), name: o.name, type: MEDIA.org })),
  );
}

function orgBody(org: Org): string[] {
  return [textEl('Description', org.description), textEl('FullName', org.full_name), textEl('IsEnabled', org.is_enabled === 1)];
}

export function orgDocument(base: string, org: Org, vdcs: readonly Vdc[]): string {
  const href = orgHref(base, org.id);
  return xmlDocument('Org', { href, id: urn('org', org.id), name: org.name, type: MEDIA.org }, [
    ...vdcs.map((v) => el('Link', { rel: 'down', href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    el('Link', { rel: 'down', href: `${href}/vdcs/query`, type: MEDIA.records }),
    el('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    ...orgBody(org),
  ]);
}

export function adminOrgDocument(base: string, org: Org, vdcs: readonly Vdc[], users: readonly User[]): string {
  const href = adminOrgHref(base, org.id);
  const bool = (name: string, value: boolean) => textEl(name, value);
  const int = (name: string, value: number) => textEl(name, value);
  return xmlDocument('AdminOrg', { href, id: urn('org', org.id), name: org.name, type: MEDIA.adminOrg }, [
    el('Link', { rel: 'alternate', href: orgHref(base, org.id), type: MEDIA.org }),
    el('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    ...orgBody(org),
    el('Settings', { href: `${href}/settings`, type: 'application/vnd.vmware.admin.orgSettings+xml' }, [
      el('OrgGeneralSettings', { href: `${href}/settings/general`, type: 'application/vnd.vmware.admin.organizationGeneralSettings+xml' }, [
        bool('CanPublishCatalogs', false),
        bool('CanPublishExternally', false),
        bool('CanSubscribe', false),
        int('DeployedVMQuota', org.deployed_vm_quota),
        int('StoredVMQuota', org.stored_vm_quota),
        bool('UseServerBootSequence', false),
        int('DelayAfterPowerOnSeconds', 0),
      ]),
      // Lease settings are present (0 = never expires) because clients read them without nil checks.
      el('VAppLeaseSettings', { href: `${href}/settings/vAppLeaseSettings`, type: 'application/vnd.vmware.admin.vAppLeaseSettings+xml' }, [
        bool('DeleteOnStorageLeaseExpiration', false),
        int('DeploymentLeaseSeconds', 0),
        int('StorageLeaseSeconds', 0),
        bool('PowerOffOnRuntimeLeaseExpiration', false),
      ]),
      el(
        'VAppTemplateLeaseSettings',
        { href: `${href}/settings/vAppTemplateLeaseSettings`, type: 'application/vnd.vmware.admin.vAppTemplateLeaseSettings+xml' },
        [bool('DeleteOnStorageLeaseExpiration', false), int('StorageLeaseSeconds', 0)],
      ),
    ]),
    el(
      'Users',
      {},
      users.map((u) => el('UserReference', { href: userHref(base, u.id), name: u.name, type: MEDIA.user })),
    ),
    el('Groups'),
    el('Catalogs'),
    el(
      'Vdcs',
      {},
      vdcs.map((v) => el('Vdc', { href: vdcHref(base, v.id), name: v.name, type: MEDIA.vdc })),
    ),
    el('Networks'),
  ]);
}
