/**
 * The OrgVdcNetwork document (`GET /api/admin/network/{id}`, where a VDC's AvailableNetworks and the orgVdcNetwork
 * records point, and `GET /api/network/{id}`), derived from its VDC (org-vdc-networks.ts says what is decided).
 * govcd's Vdc.GetOrgVdcNetworkByName decodes it into types.OrgVDCNetwork; pyvcloud's list_orgvdc_network_resources
 * reads `Configuration/FenceMode`. Element order is VCD's OrgVdcNetworkType: Link, Description, Configuration
 * (IpScopes, ParentNetwork, FenceMode, RetainNetInfoAcrossDeployments), IsShared. No IpScopes: the inventory has no
 * addressing, and an empty IpScopes would make clients that index its first scope fail.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, networkHrefAs, tenantNetworkHref, urn, vdcHref } from '../hrefs.js';
import type { OrgVdcNetworkKey } from '../org-vdc-networks.js';

/** VCD's network status integer: 1 = realized. */
const NETWORK_REALIZED = 1;

export function orgVdcNetworkTree(base: string, network: OrgVdcNetworkKey, admin: boolean): DocElement {
  const href = networkHrefAs(base, network.id, admin);
  return node(
    'OrgVdcNetwork',
    { xmlns: VCLOUD_NS, href, id: urn('network', network.id), name: network.name, status: NETWORK_REALIZED, type: MEDIA.orgVdcNetwork },
    [
      node('Link', { rel: 'up', href: vdcHref(base, network.vdcId), name: network.vdcName, type: MEDIA.vdc }),
      admin ? node('Link', { rel: 'alternate', href: tenantNetworkHref(base, network.id), type: MEDIA.orgVdcNetwork }) : null,
      // Its (empty) metadata: pyvcloud's VdcNetwork.get_all_metadata follows this link. No allocatedAddresses link:
      // that document is not served for an org VDC network (every VM of the VDC, unpaged: legacy/networks.ts).
      node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      text('Description', ''),
      node('Configuration', {}, [text('FenceMode', 'isolated'), text('RetainNetInfoAcrossDeployments', false)]),
      text('IsShared', false),
    ],
  );
}
