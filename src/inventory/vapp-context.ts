/**
 * What a vApp's document and sections need beyond its own row and VMs: its org's vApp lease settings (VCD gives a
 * vApp its org's lease; Tessera stores none per vApp) and its networks, derived from its VMs' NICs and its VDC's
 * org network (vapp-networks.ts).
 */
import type { Store } from '../store/store.js';
import { DEFAULT_ORG_SETTINGS, parseOrgSettings } from '../domain/org-settings.js';
import { getVdc, type VApp } from './repository.js';
import { vappNetworksOf } from './vapp-networks.js';
import type { VAppSections } from './documents/vapp.js';

export async function loadVAppSections(
  store: Store,
  vapp: Pick<VApp, 'id' | 'org_id' | 'vdc_id'>,
  vms: ReadonlyArray<{ network_name: string | null }>,
): Promise<VAppSections> {
  const [org, vdc] = await Promise.all([store.getOrg(vapp.org_id), getVdc(store, vapp.vdc_id)]);
  return {
    lease: org ? parseOrgSettings(org.settings).vappLease : DEFAULT_ORG_SETTINGS.vappLease,
    networks: vappNetworksOf(vapp.id, vms, vdc),
  };
}
