/**
 * VCD's Role document (application/vnd.vmware.admin.role+xml), at the href that RoleReferences, User documents and
 * role query records name: its description and its rights as RightReferences, as pyvcloud's `Role.list_rights` reads
 * them. Read only here: roles are written through /cloudapi/1.0.0/roles, as VCD 10.3 has them.
 * A right's href names it (`/api/admin/right/{id}`, VCD's form); rights themselves are served by the cloudapi.
 */
import type { Role } from '../../store/store.js';
import { rightId } from '../../domain/rights.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref, roleHref, urn } from '../hrefs.js';

export function roleTree(base: string, role: Role, rights: readonly string[]): DocElement {
  const href = roleHref(base, role.id);
  return node('Role', { xmlns: VCLOUD_NS, href, id: urn('role', role.id), name: role.name, type: MEDIA.role }, [
    node('Link', { rel: 'up', href: adminOrgHref(base, role.org_id), type: MEDIA.adminOrg }),
    text('Description', role.description),
    node(
      'RightReferences',
      {},
      [...rights]
        .sort()
        .map((name) => node('RightReference', { href: `${base}/api/admin/right/${rightId(name)}`, name, type: MEDIA.right })),
    ),
  ]);
}
