/**
 * The VAppNetwork document (`GET /api/admin/network/{id}`, where the vAppNetwork query records and a vApp's
 * NetworkConfig point, and `GET /api/network/{id}`): one of a vApp's networks, derived from its VMs' NICs
 * (vapp-networks.ts says what is decided). govcd decodes it into types.VAppNetwork. Element order is VCD's
 * VAppNetworkType: Link, Description, Configuration; `deployed` is the vApp's.
 */
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, networkHrefAs, tenantNetworkHref, urn, vappHref, vmHref } from '../hrefs.js';
import type { VAppNetwork } from '../vapp-networks.js';
import type { VmWithNames } from '../repository.js';
import { vappNetworkConfiguration } from './vapp-sections.js';

export function vappNetworkTree(
  base: string,
  network: VAppNetwork,
  vapp: { id: string; name: string; is_deployed: number },
  admin: boolean,
): DocElement {
  const href = networkHrefAs(base, network.id, admin);
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
      node('Link', { rel: 'down', href: `${href}/allocatedAddresses/`, type: MEDIA.allocatedNetworkAddress }),
      node('Link', { rel: 'down', href: `${href}/metadata`, type: MEDIA.metadata }),
      text('Description', ''),
      vappNetworkConfiguration(base, network),
    ],
  );
}

/**
 * `<network href>/allocatedAddresses/`: VCD's AllocatedIpAddresses, one IpAddress per VM of the vApp that holds an
 * address on this network (its NIC's network is this one and the inventory knows its IP), in the vApp's VM order.
 * `vmAllocated`, as VCD names an address a VM's NIC holds; `isDeployed` is the VM's. Nothing else is allocated on a
 * vApp network Tessera knows of (no edge, so no `vsmAllocated` or `natRouted` addresses).
 */
export function allocatedAddressesTree(
  base: string,
  network: VAppNetwork,
  vms: ReadonlyArray<Pick<VmWithNames, 'id' | 'name' | 'network_name' | 'ip_address' | 'is_deployed'>>,
  admin: boolean,
): DocElement {
  const networkDoc = networkHrefAs(base, network.id, admin);
  return node(
    'AllocatedIpAddresses',
    { xmlns: VCLOUD_NS, href: `${networkDoc}/allocatedAddresses/`, type: MEDIA.allocatedNetworkAddress },
    [
      node('Link', { rel: 'up', href: networkDoc, name: network.name, type: MEDIA.vAppNetwork }),
      ...vms
        .filter((vm) => vm.network_name === network.name && vm.ip_address !== null && vm.ip_address !== '')
        .map((vm) =>
          node('IpAddress', { allocationType: 'vmAllocated', isDeployed: vm.is_deployed === 1 }, [
            node('Link', { rel: 'down', href: vmHref(base, vm.id, false), name: vm.name, type: MEDIA.vm }),
            text('IpAddress', vm.ip_address),
          ]),
        ),
    ],
  );
}
