/**
 * The admin `VCloud` document (`GET /api/admin`, application/vnd.vmware.admin.vcloud+xml): the root of VCD's
 * admin view. go-vcloud-director reads only its `Description`, which carries the product version and build
 * date (`Client.GetVcdVersion` / `GetVcdFullVersion`, domain/product-version.ts); the organization references
 * point at the AdminOrg documents the caller may read. Provider VDCs, rights, roles and networks of the
 * provider view are not modelled, so those reference lists are left out rather than served empty-but-wrong.
 */
import type { Org } from '../../store/store.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref } from '../hrefs.js';

/**
 * `canAddOrgs`: the caller may create organizations (the provider): VCD's `add` link to `/api/admin/orgs`, which
 * pyvcloud's `System.create_org` (and so `vcd org create`) follows; without it they answer "Operation is not supported".
 */
export function adminVCloudTree(base: string, description: string, orgs: readonly Org[], canAddOrgs: boolean): DocElement {
  return node('VCloud', { xmlns: VCLOUD_NS, href: `${base}/api/admin/`, name: 'vCloud', type: MEDIA.adminVCloud }, [
    canAddOrgs ? node('Link', { rel: 'add', href: `${base}/api/admin/orgs`, type: MEDIA.adminOrg }) : null,
    text('Description', description),
    node(
      'OrganizationReferences',
      {},
      orgs.map((o) => node('OrganizationReference', { href: adminOrgHref(base, o.id), name: o.name, type: MEDIA.adminOrg })),
    ),
  ]);
}
