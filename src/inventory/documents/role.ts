/**
 * VCD's Role document (application/vnd.vmware.admin.role+xml), at the href that RoleReferences, User documents and
 * role query records name: its description and its rights as RightReferences, as pyvcloud's `Role.list_rights` reads
 * them. Read only here: roles are written through /cloudapi/1.0.0/roles, as VCD 10.3 has them.
 * A right's href is VCD's `/api/admin/right/{id}`, where rightTree's document is served.
 */
import type { Role } from '../../store/store.js';
import { rightBundleKey, rightId, rightType, type RightDefinition } from '../../domain/rights.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref, rightHref, roleHref, urn } from '../hrefs.js';

/** A role as a User's or a Group's `Role` element names it. */
export function roleReference(base: string, role: Pick<Role, 'id' | 'name'>): DocElement {
  return node('Role', { href: roleHref(base, role.id), id: urn('role', role.id), name: role.name, type: MEDIA.role });
}

export function roleTree(base: string, role: Role, rights: readonly string[]): DocElement {
  const href = roleHref(base, role.id);
  return node('Role', { xmlns: VCLOUD_NS, href, id: urn('role', role.id), name: role.name, type: MEDIA.role }, [
    node('Link', { rel: 'up', href: adminOrgHref(base, role.org_id), type: MEDIA.adminOrg }),
    text('Description', role.description),
    node(
      'RightReferences',
      {},
      [...rights].sort().map((name) => node('RightReference', { href: rightHref(base, rightId(name)), name, type: MEDIA.right })),
    ),
  ]);
}

/**
 * VCD's Right document (application/vnd.vmware.admin.right+xml), where every RightReference points: the same
 * description, category, bundle key and type as the cloudapi's Right entity. Element order is VCD's RightType:
 * Link, Description, Category, BundleKey, RightType.
 */
export function rightTree(base: string, right: RightDefinition): DocElement {
  const id = rightId(right.name);
  return node('Right', { xmlns: VCLOUD_NS, href: rightHref(base, id), id: urn('right', id), name: right.name, type: MEDIA.right }, [
    node('Link', { rel: 'up', href: `${base}/api/admin`, type: MEDIA.adminVCloud }),
    text('Description', right.label),
    text('Category', right.category),
    text('BundleKey', rightBundleKey(right.name)),
    text('RightType', rightType(right.name)),
  ]);
}
