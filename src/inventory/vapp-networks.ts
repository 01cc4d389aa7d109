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
 * - The id is the vApp's first 48 bits followed by a hash of the vApp id and the name (vappNetworkId): stable, the
 *   same in the section, the query records and the network's own href (`/api/admin/network/{id}`, served as a
 *   VAppNetwork document), and it says which vApp to look in. That is why it is not a plain name-based id like an
 *   org VDC network's: a hash cannot be inverted, so finding a network by a name-based id needs every vApp
 *   network's id computed first, a read of every VM (about 200 ms at 100,000 VMs, on each inventory change,
 *   holding SQLite's thread). With the vApp's prefix in it, a lookup is one index range of vApps (nearly always
 *   one) and their VMs.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { InventoryScope } from './scope.js';
import { orgVdcNetworkId } from './org-vdc-networks.js';

export interface VAppNetwork {
  readonly id: string;
  readonly name: string;
  /** Bridged to the VDC's org network of the same name (a "vApp org network"). */
  readonly linked: boolean;
  /** The id of the org VDC network it is bridged to, when linked. */
  readonly parentId: string | null;
}

/**
 * A UUID of RFC 9562's custom version 8: the vApp id's first 12 hex digits (48 bits), then 74 bits of
 * SHA-256(vApp id, name). Distinct networks of one vApp differ in the hash; of two vApps, in the prefix (or, for the
 * rare vApps that share one, in the hash). Org VDC network ids are version 5, so the two never meet.
 */
export function vappNetworkId(vappId: string, name: string): string {
  const hash = createHash('sha256').update(vappId).update('\u0000').update(`vapp-network/${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80; // version 8
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${vappId.slice(0, 13)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The vApp id prefix a vApp network id carries (`xxxxxxxx-xxxx`), or null when the id is not one. */
function vappPrefixOf(networkId: string): string | null {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(networkId) ? networkId.slice(0, 13) : null;
}

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

/**
 * The vApps (not templates) in the scope that a vApp network id can belong to: those whose id starts with the
 * network's prefix, by a range of the vApps' primary key (ids are lowercase canonical UUIDs, so the range holds in
 * byte order and in a linguistic collation alike). Nearly always one; none for an id that is no vApp network's.
 * Whether the network is one of theirs is for their VMs to say (vapp-context.ts, findVAppNetwork).
 */
export async function vappsNamedByNetworkId(store: Store, scope: InventoryScope, id: string): Promise<string[]> {
  const prefix = vappPrefixOf(id);
  if (prefix === null) return [];
  let vapps = store.db
    .selectFrom('vapps')
    .select('id')
    .where('id', '>=', `${prefix}-0000-0000-000000000000`)
    .where('id', '<=', `${prefix}-ffff-ffff-ffffffffffff`)
    .where('is_template', '=', 0);
  if (scope.kind === 'org') vapps = vapps.where('org_id', '=', scope.orgId);
  return (await vapps.execute()).map((row) => row.id);
}
