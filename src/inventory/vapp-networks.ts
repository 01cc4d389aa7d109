/**
 * A vApp's networks, derived from its VMs' NICs. Tessera's inventory knows a VM's network only as a name on its
 * NIC (`vms.network_name`); in VCD a NIC always connects to a network *of the vApp*, so every distinct name on
 * a vApp's NICs is one of its vApp networks, and VCD's NetworkConfigSection and vAppNetwork records need an entry
 * for each (readNetworks in Terraform's provider types a NIC from that entry).
 *
 * What is known, and what is decided:
 * - A name equal to the VDC's org network (`vdcs.network_name`) is a vApp *org* network: bridged to that org VDC
 *   network (`isLinked`, FenceMode `bridged`, ParentNetwork naming it: org-vdc-networks.ts), the way VCD adds an org
 *   VDC network to a vApp.
 * - Any other name is a network Tessera knows nothing else about: rendered as an isolated vApp network
 *   (FenceMode `isolated`, no parent), VCD's kind of network that exists only inside its vApp. Its IP scope
 *   (gateway, netmask, DNS) is unknown and left out rather than made up.
 * - The id is name-based (RFC 9562 v5 of the vApp id and the name): stable, and the same in the section, the
 *   query records and the network's own href (`/api/admin/network/{id}`, served as a VAppNetwork document).
 *
 * Finding a vApp network by id needs the ids of every vApp network in the caller's scope (a hash cannot be
 * inverted): one read of the distinct (vApp, NIC network) pairs, kept per inventory version (scoped-index.ts), so a
 * lookup stays exact. It is built only when a network id is asked for that is not an org VDC network's.
 */
import type { Store } from '../store/store.js';
import type { InventoryScope } from './scope.js';
import { nameBasedUuid } from './uuid.js';
import { orgVdcNetworkId } from './org-vdc-networks.js';
import { scopedIndex } from './scoped-index.js';

export interface VAppNetwork {
  readonly id: string;
  readonly name: string;
  /** Bridged to the VDC's org network of the same name (a "vApp org network"). */
  readonly linked: boolean;
  /** The id of the org VDC network it is bridged to, when linked. */
  readonly parentId: string | null;
}

export const vappNetworkId = (vappId: string, name: string): string => nameBasedUuid(vappId, `vapp-network/${name}`);

/** The vApp's networks, one per distinct NIC network name, ordered by name. */
export function vappNetworksOf(
  vappId: string,
  vms: ReadonlyArray<{ network_name: string | null }>,
  vdc: { id: string; network_name: string | null } | undefined,
): VAppNetwork[] {
  const names = [...new Set(vms.map((vm) => vm.network_name).filter((n): n is string => n !== null))].sort();
  return names.map((name) => {
    const linked = vdc !== undefined && name === vdc.network_name;
    return { id: vappNetworkId(vappId, name), name, linked, parentId: linked ? orgVdcNetworkId(vdc.id, name) : null };
  });
}

/** Where a vApp network id leads: its vApp (which decides who may read it) and its name. */
export interface VAppNetworkOwner {
  readonly vappId: string;
  readonly orgId: string;
  readonly name: string;
}

const ownersById = scopedIndex(async (store: Store, scope: InventoryScope): Promise<ReadonlyMap<string, VAppNetworkOwner>> => {
  let qb = store.db
    .selectFrom('vms')
    .select(['vapp_id', 'org_id', 'network_name'])
    .distinct()
    .where('network_name', 'is not', null)
    .where('is_template', '=', 0);
  if (scope.kind === 'org') qb = qb.where('org_id', '=', scope.orgId);
  const byId = new Map<string, VAppNetworkOwner>();
  for (const row of await qb.execute()) {
    const name = row.network_name!;
    byId.set(vappNetworkId(row.vapp_id, name), { vappId: row.vapp_id, orgId: row.org_id, name });
  }
  return byId;
});

/** The vApp network with this id in the scope (of a vApp, not a template), or undefined. */
export async function findVAppNetworkOwner(store: Store, scope: InventoryScope, id: string): Promise<VAppNetworkOwner | undefined> {
  return (await ownersById(store, scope)).get(id);
}
