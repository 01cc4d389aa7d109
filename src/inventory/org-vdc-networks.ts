/**
 * Org VDC networks, derived from the VDCs: Tessera stores no network rows. The inventory names one network per
 * VDC (`vdcs.network_name`, the network its VMs' NICs connect to), and what is known, and what is decided, is:
 *
 * - A VDC with a network name has one org VDC network of that name; a VDC without one has none. The vApp networks
 *   bridged to it (vapp-networks.ts) name it as their parent.
 * - Its id is name-based (RFC 9562 v5 of the VDC's id and the name), so every node and restart agrees, and a
 *   renamed network is a new network, as a VCD network re-created under another name would be.
 * - How it connects (direct, routed through an edge gateway, isolated) and its IP scope (gateway, netmask, DNS,
 *   pools) are not in the inventory. It is presented as VCD's kind of network that needs no other entity, an
 *   *isolated* one (FenceMode `isolated`, query `linkType` 2), with no IP scope: left out rather than made up.
 *   Clients that read the scope (Terraform's isolated-network data source) check for its absence.
 * - Not shared with other VDCs, no metadata, read only: networks change when the inventory does.
 *
 * Looking an id up needs the ids of every network in the caller's scope (a hash cannot be inverted); they are
 * computed from one read of the VDCs and kept per inventory version (scoped-index.ts; every write to `vdcs` bumps
 * it), so a lookup stays exact.
 */
import type { Store } from '../store/store.js';
import type { InventoryScope } from './scope.js';
import { nameBasedUuid } from './uuid.js';
import { scopedIndex } from './scoped-index.js';

export const orgVdcNetworkId = (vdcId: string, name: string): string => nameBasedUuid(vdcId, `org-vdc-network/${name}`);

export interface OrgVdcNetworkKey {
  readonly id: string;
  readonly name: string;
  readonly orgId: string;
  readonly vdcId: string;
  readonly vdcName: string;
}

/** The VDC's org VDC network, or null when the VDC names none. */
export function orgVdcNetworkOf(vdc: { id: string; name: string; org_id: string; network_name: string | null }): OrgVdcNetworkKey | null {
  if (vdc.network_name === null || vdc.network_name === '') return null;
  return { id: orgVdcNetworkId(vdc.id, vdc.network_name), name: vdc.network_name, orgId: vdc.org_id, vdcId: vdc.id, vdcName: vdc.name };
}

const networksById = scopedIndex(async (store: Store, scope: InventoryScope): Promise<ReadonlyMap<string, OrgVdcNetworkKey>> => {
  let qb = store.db.selectFrom('vdcs').select(['id', 'name', 'org_id', 'network_name']).where('network_name', 'is not', null);
  if (scope.kind === 'org') qb = qb.where('org_id', '=', scope.orgId);
  const byId = new Map<string, OrgVdcNetworkKey>();
  for (const row of await qb.execute()) {
    const network = orgVdcNetworkOf(row);
    if (network) byId.set(network.id, network);
  }
  return byId;
});

/** The org VDC network with this id in the scope, or undefined. */
export async function findOrgVdcNetwork(store: Store, scope: InventoryScope, id: string): Promise<OrgVdcNetworkKey | undefined> {
  return (await networksById(store, scope)).get(id);
}
