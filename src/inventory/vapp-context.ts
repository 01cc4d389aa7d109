/**
 * What a vApp's document and sections need beyond its own row and VMs: its org's vApp lease settings (VCD gives a
 * vApp its org's lease; Tessera stores none per vApp) and its networks, derived from its VMs' NICs and its VDC's
 * org network (vapp-networks.ts).
 */
import type { Store } from '../store/store.js';
import { DEFAULT_ORG_SETTINGS, parseOrgSettings } from '../domain/org-settings.js';
import { getVApp, getVdc, listVmsOfVApp, type VApp, type VAppWithNames, type VmWithNames } from './repository.js';
import { vappNetworksOf, vappsNamedByNetworkId, type VAppNetwork } from './vapp-networks.js';
import type { InventoryScope } from './scope.js';
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

/**
 * The vApp network with this id in the scope, with its vApp and the vApp's VMs (what its documents are made of), or
 * undefined: each vApp the id can belong to (nearly always one) is read with its VMs, once, and the network is
 * the one of its networks with that id, as they are now.
 */
export async function findVAppNetwork(
  store: Store,
  scope: InventoryScope,
  id: string,
): Promise<{ vapp: VAppWithNames; vms: VmWithNames[]; network: VAppNetwork } | undefined> {
  for (const vappId of await vappsNamedByNetworkId(store, scope, id)) {
    const vapp = await getVApp(store, vappId);
    if (!vapp || vapp.is_template === 1) continue;
    const vms = await listVmsOfVApp(store, vapp.id);
    const network = (await loadVAppSections(store, vapp, vms)).networks.find((n) => n.id === id);
    if (network) return { vapp, vms, network };
  }
  return undefined;
}
