/**
 * The VAppNetwork document (`GET /api/admin/network/{id}`, where the vAppNetwork query records and a vApp's
 * NetworkConfig point, and `GET /api/network/{id}`): one of a vApp's networks, derived from its VMs' NICs
 * (vapp-networks.ts says what is decided). govcd decodes it into types.VAppNetwork. Element order is VCD's
 * VAppNetworkType: Link, Description, Configuration; `deployed` is the vApp's.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, networkHref, tenantNetworkHref, urn, vappHref } from '../hrefs.js';
import type { VAppNetwork } from '../vapp-networks.js';
import { vappNetworkConfiguration } from './vapp-sections.js';

export function vappNetworkTree(
  base: string,
  network: VAppNetwork,
  vapp: { id: string; name: string; is_deployed: number },
  admin: boolean,
): DocElement {
  const href = admin ? networkHref(base, network.id) : tenantNetworkHref(base, network.id);
  return node(
    'VAppNetwork',
    {
      xmlns: VCLOUD_NS,
      deployed: vapp.is_deployed === 1,
      href,
      id: urn('network', network.id),
      name: network.name,
      type: MEDIA.vAppNetwork,
    },
    [
      node('Link', { rel: 'up', href: vappHref(base, vapp.id, false), name: vapp.name, type: MEDIA.vApp }),
      admin ? node('Link', { rel: 'alternate', href: tenantNetworkHref(base, network.id), type: MEDIA.vAppNetwork }) : null,
      text('Description', ''),
      vappNetworkConfiguration(base, network),
    ],
  );
}
