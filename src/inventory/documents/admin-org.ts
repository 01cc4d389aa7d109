/**
 * The AdminOrg document (`/api/admin/org/{id}`, application/vnd.vmware.admin.organization+xml), as govcd and
 * Terraform's vcd_org read it. They dereference parts of it without nil checks, so these are always present:
 * `Settings` with every section (OrgGeneralSettings, VAppLeaseSettings and VAppTemplateLeaseSettings with all
 * their fields, since Terraform reads the lease pointers, OrgLdapSettings, OrgPasswordPolicySettings), `Users`,
 * `Groups`, `Catalogs`, `Vdcs`, `Networks` (AdminOrg.Delete ranges over them) and `RoleReferences` (where
 * CreateUserSimple finds a role by name). The settings read back exactly as stored (domain/org-settings.ts).
 */
import type { Group, Org, Role, TaskRow, User } from '../../store/store.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminCatalogHref, adminOrgHref, adminVdcHref, orgHref, rightHref, roleHref, urn, userHref } from '../hrefs.js';
import type { CatalogKey } from '../catalogs.js';
import type { Vdc } from '../repository.js';
import { parseOrgSettings, type OrgSettings } from '../../domain/org-settings.js';
import { taskTree } from './task.js';
import { groupReference } from './group.js';
import { rightId } from '../../domain/rights.js';

const ADMIN = 'application/vnd.vmware.admin';

export interface AdminOrgContents {
  vdcs: readonly Vdc[];
  users: readonly User[];
  /** The org's groups, listed as GroupReferences (govcd's GetGroupByName looks them up here). */
  groups: readonly Group[];
  roles: readonly Role[];
  /** The org's catalogs (derived from its templates: inventory/catalogs.ts), listed as CatalogReferences. */
  catalogs?: readonly CatalogKey[];
  /** The rights published to the org, listed as RightReferences. */
  rights?: Iterable<string>;
  /** Tasks to show in the `Tasks` element (the one that created or changed the org, in that answer). */
  tasks?: readonly TaskRow[];
}

/**
 * The org's settings documents, at `<AdminOrg href>/settings<path>`: the whole (inline, the element is `Settings`)
 * and its sections, each with its media type. The AdminOrg names them; the admin API serves each one.
 */
export const ORG_SETTINGS_SECTIONS = [
  { path: '', element: 'OrgSettings', media: `${ADMIN}.orgSettings+xml` },
  { path: '/general', element: 'OrgGeneralSettings', media: `${ADMIN}.organizationGeneralSettings+xml` },
  { path: '/vAppLeaseSettings', element: 'VAppLeaseSettings', media: `${ADMIN}.vAppLeaseSettings+xml` },
  { path: '/vAppTemplateLeaseSettings', element: 'VAppTemplateLeaseSettings', media: `${ADMIN}.vAppTemplateLeaseSettings+xml` },
  { path: '/ldap', element: 'OrgLdapSettings', media: `${ADMIN}.organizationLdapSettings+xml` },
  { path: '/passwordPolicy', element: 'OrgPasswordPolicySettings', media: `${ADMIN}.organizationPasswordPolicySettings+xml` },
] as const;
type SettingsElement = (typeof ORG_SETTINGS_SECTIONS)[number]['element'];

export function settingsTree(href: string, org: Org, settings: OrgSettings = parseOrgSettings(org.settings)): DocElement {
  const s = `${href}/settings`;
  const at = (element: SettingsElement) => {
    const section = ORG_SETTINGS_SECTIONS.find((x) => x.element === element)!;
    return { href: `${s}${section.path}`, type: section.media };
  };
  const { general, vappLease, vappTemplateLease, passwordPolicy } = settings;
  return node('Settings', at('OrgSettings'), [
    node('OrgGeneralSettings', at('OrgGeneralSettings'), [
      text('CanPublishCatalogs', general.canPublishCatalogs),
      text('CanPublishExternally', general.canPublishExternally),
      text('CanSubscribe', general.canSubscribe),
      text('DeployedVMQuota', org.deployed_vm_quota),
      // VCD's schema spells this one `StoredVmQuota` (govcd's `xml:"StoredVmQuota"`), unlike DeployedVMQuota.
      text('StoredVmQuota', org.stored_vm_quota),
      text('UseServerBootSequence', general.useServerBootSequence),
      text('DelayAfterPowerOnSeconds', general.delayAfterPowerOnSeconds),
    ]),
    node('VAppLeaseSettings', at('VAppLeaseSettings'), [
      text('DeleteOnStorageLeaseExpiration', vappLease.deleteOnStorageLeaseExpiration),
      text('DeploymentLeaseSeconds', vappLease.deploymentLeaseSeconds),
      text('StorageLeaseSeconds', vappLease.storageLeaseSeconds),
      text('PowerOffOnRuntimeLeaseExpiration', vappLease.powerOffOnRuntimeLeaseExpiration),
    ]),
    node('VAppTemplateLeaseSettings', at('VAppTemplateLeaseSettings'), [
      text('DeleteOnStorageLeaseExpiration', vappTemplateLease.deleteOnStorageLeaseExpiration),
      text('StorageLeaseSeconds', vappTemplateLease.storageLeaseSeconds),
    ]),
    node('OrgLdapSettings', at('OrgLdapSettings'), [text('OrgLdapMode', settings.ldapMode)]),
    node('OrgPasswordPolicySettings', at('OrgPasswordPolicySettings'), [
      text('AccountLockoutEnabled', passwordPolicy.accountLockoutEnabled),
      text('InvalidLoginsBeforeLockout', passwordPolicy.invalidLoginsBeforeLockout),
      text('AccountLockoutIntervalMinutes', passwordPolicy.accountLockoutIntervalMinutes),
    ]),
  ]);
}

export function adminOrgTree(base: string, org: Org, contents: AdminOrgContents): DocElement {
  const href = adminOrgHref(base, org.id);
  const tasks = contents.tasks ?? [];
  return node('AdminOrg', { xmlns: VCLOUD_NS, href, id: urn('org', org.id), name: org.name, type: MEDIA.adminOrg }, [
    node('Link', { rel: 'alternate', href: orgHref(base, org.id), type: MEDIA.org }),
    node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
    node('Link', { rel: 'edit', href, type: MEDIA.adminOrg }),
    node('Link', { rel: 'remove', href }),
    node('Link', {
      rel: org.is_enabled === 1 ? 'disable' : 'enable',
      href: `${href}/action/${org.is_enabled === 1 ? 'disable' : 'enable'}`,
    }),
    node('Link', { rel: 'add', href: `${href}/users`, type: MEDIA.user }),
    text('Description', org.description),
    tasks.length > 0
      ? node(
          'Tasks',
          {},
          tasks.map((t) => taskTree(base, t, false)),
        )
      : null,
    text('FullName', org.full_name),
    text('IsEnabled', org.is_enabled === 1),
    settingsTree(href, org),
    node(
      'Users',
      {},
      contents.users.map((u) => node('UserReference', { href: userHref(base, u.id), name: u.name, type: MEDIA.user })),
    ),
    node(
      'Groups',
      {},
      contents.groups.map((g) => groupReference(base, g)),
    ),
    node(
      'Catalogs',
      {},
      (contents.catalogs ?? []).map((c) =>
        node('CatalogReference', { href: adminCatalogHref(base, c.id), name: c.name, type: MEDIA.adminCatalog }),
      ),
    ),
    node(
      'Vdcs',
      {},
      // The admin view's hrefs, as VCD's AdminOrg lists them: govcd splits each on "/api/admin" (getVdcByAdminHREF,
      // in AdminOrg.Delete with force and recursive: Terraform's vcd_org destroy) and GETs it as an AdminVdc
      // (GetAdminVDCByName). Until 2026-12-06 the tenant href made that split panic the provider.
      contents.vdcs.map((v) => node('Vdc', { href: adminVdcHref(base, v.id), name: v.name, type: MEDIA.adminVdc })),
    ),
    node('Networks'),
    // The rights published to the org (its rights bundles; every right for the System org): pyvcloud's
    // Org.list_rights_of_org reads them here. Absent when the caller did not ask for them.
    contents.rights
      ? node(
          'RightReferences',
          {},
          [...contents.rights]
            .sort()
            .map((name) => node('RightReference', { href: rightHref(base, rightId(name)), name, type: MEDIA.right })),
        )
      : null,
    node(
      'RoleReferences',
      {},
      contents.roles.map((r) =>
        node('RoleReference', { href: roleHref(base, r.id), id: urn('role', r.id), name: r.name, type: MEDIA.role }),
      ),
    ),
  ]);
}
