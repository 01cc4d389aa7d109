/**
 * The VdcStorageProfile document (`GET /api/vdcStorageProfile/{id}`, the href the Vdc document lists), as govcd's
 * GetStorageProfileByHref decodes it into `types.VdcStorageProfile` for Terraform's vcd_org_vdc and
 * vcd_storage_profile: Enabled, Units, Limit, Default, StorageUsedMB, IopsAllocated. IopsSettings is left out:
 * Tessera models no IOPS limits, and the element is optional (Terraform then sets no iops_settings).
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminVdcHref, adminVdcStorageProfileHref, urn, vdcHref, vdcStorageProfileHref } from '../hrefs.js';
import type { VdcStorageProfile } from '../storage-profiles.js';

/**
 * `admin`: the AdminVdcStorageProfile (`GET /api/admin/vdcStorageProfile/{id}`: govcd's GetStorageProfileById,
 * pyvcloud's VDC.get_default_storage_profile), the same elements (Tessera knows no provider VDC storage profile), its
 * up link the AdminVdc and an alternate link the plain view.
 */
export function vdcStorageProfileTree(base: string, vdcId: string, profile: VdcStorageProfile, usedMb: number, admin = false): DocElement {
  const href = admin ? adminVdcStorageProfileHref(base, profile.id) : vdcStorageProfileHref(base, profile.id);
  const type = admin ? MEDIA.adminVdcStorageProfile : MEDIA.vdcStorageProfile;
  return node(
    admin ? 'AdminVdcStorageProfile' : 'VdcStorageProfile',
    { xmlns: VCLOUD_NS, href, id: urn('vdcstorageProfile', profile.id), name: profile.name, type },
    [
      admin
        ? node('Link', { rel: 'up', href: adminVdcHref(base, vdcId), type: MEDIA.adminVdc })
        : node('Link', { rel: 'up', href: vdcHref(base, vdcId), type: MEDIA.vdc }),
      admin ? node('Link', { rel: 'alternate', href: vdcStorageProfileHref(base, profile.id), type: MEDIA.vdcStorageProfile }) : null,
      // Its (empty) metadata, served at the non-admin href in both views.
      node('Link', { rel: 'down', href: `${vdcStorageProfileHref(base, profile.id)}/metadata`, type: MEDIA.metadata }),
      text('Enabled', true),
      text('Units', 'MB'),
      text('Limit', profile.limitMb),
      text('Default', profile.isDefault),
      text('StorageUsedMB', usedMb),
      text('IopsAllocated', 0),
    ],
  );
}
