/**
 * The VdcStorageProfile document (`GET /api/vdcStorageProfile/{id}`, the href the Vdc document lists), as govcd's
 * GetStorageProfileByHref decodes it into `types.VdcStorageProfile` for Terraform's vcd_org_vdc and
 * vcd_storage_profile: Enabled, Units, Limit, Default, StorageUsedMB, IopsAllocated. IopsSettings is left out:
 * Tessera models no IOPS limits, and the element is optional (Terraform then sets no iops_settings).
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, urn, vdcHref, vdcStorageProfileHref } from '../hrefs.js';
import type { VdcStorageProfile } from '../storage-profiles.js';

export function vdcStorageProfileTree(base: string, vdcId: string, profile: VdcStorageProfile, usedMb: number): DocElement {
  const href = vdcStorageProfileHref(base, profile.id);
  return node(
    'VdcStorageProfile',
    { xmlns: VCLOUD_NS, href, id: urn('vdcstorageProfile', profile.id), name: profile.name, type: MEDIA.vdcStorageProfile },
    [
      node('Link', { rel: 'up', href: vdcHref(base, vdcId), type: MEDIA.vdc }),
      node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      text('Enabled', true),
      text('Units', 'MB'),
      text('Limit', profile.limitMb),
      text('Default', profile.isDefault),
      text('StorageUsedMB', usedMb),
      text('IopsAllocated', 0),
    ],
  );
}
