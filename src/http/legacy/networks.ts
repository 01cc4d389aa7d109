/**
 * Networks, read only, at `GET /api/admin/network/{id}` and `GET /api/network/{id}` (VCD's admin and tenant hrefs of
 * one document), each with its `/metadata`, which Terraform's network data sources read after the network:
 *
 * - **Org VDC networks** (a VDC's AvailableNetworks and the orgVdcNetwork records point here: govcd's
 *   Vdc.GetOrgVdcNetworkByName, pyvcloud's list_orgvdc_network_resources), derived from the VDCs
 *   (inventory/org-vdc-networks.ts); readable by whoever may read the VDC.
 * - **vApp networks** (the vAppNetwork records, a vApp's NetworkConfig and its `rel=down` links point here), derived
 *   from the vApp's VMs (inventory/vapp-networks.ts); readable exactly when the vApp is. Their `/allocatedAddresses`
 *   lists the addresses the vApp's VMs hold on them (pyvcloud's VApp.list_ip_allocations, `vcd vapp network
 *   list-allocated-ip`).
 *
 * Networks carry no metadata in Tessera, so theirs is VCD's empty Metadata document. Unknown ids, malformed ids and
 * other orgs' networks are the same 403 as every inventory entity.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { findOrgVdcNetwork, type OrgVdcNetworkKey } from '../../inventory/org-vdc-networks.js';
import type { VAppNetwork } from '../../inventory/vapp-networks.js';
import { orgVdcNetworkTree } from '../../inventory/documents/org-vdc-network.js';
import { allocatedAddressesTree, vappNetworkTree } from '../../inventory/documents/vapp-network.js';
import type { VAppWithNames, VmWithNames } from '../../inventory/repository.js';
import { findVAppNetwork } from '../../inventory/vapp-context.js';
import type { DocElement } from '../../inventory/document-tree.js';
import type { Store } from '../../store/store.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';
import { sendMetadataDocument } from './send-metadata.js';

const operation = (summary: string, media: string | readonly string[], description: string) => ({
  summary,
  tag: TAG.inventory,
  media,
  description,
});

type FoundNetwork =
  | { readonly kind: 'orgVdc'; readonly network: OrgVdcNetworkKey }
  | { readonly kind: 'vapp'; readonly network: VAppNetwork; readonly vapp: VAppWithNames; readonly vms: readonly VmWithNames[] };

/** The network a path names, if the caller may read it; otherwise the 403. */
async function findNetwork(store: Store, principal: Principal, segment: string): Promise<FoundNetwork> {
  const id = idFromPathSegment(segment, 'network');
  if (!id) throw forbidden();
  const scope = inventoryScope(principal);
  const orgVdcNetwork = await findOrgVdcNetwork(store, scope, id);
  if (orgVdcNetwork) {
    if (!mayRead(principal, 'vdc', orgVdcNetwork.orgId)) throw forbidden();
    return { kind: 'orgVdc', network: orgVdcNetwork };
  }
  const found = await findVAppNetwork(store, scope, id);
  if (!found || !mayRead(principal, 'vapp', found.vapp.org_id)) throw forbidden();
  return { kind: 'vapp', ...found };
}

function networkDocument(found: FoundNetwork, base: string, admin: boolean): { media: string; tree: DocElement } {
  return found.kind === 'orgVdc'
    ? { media: MEDIA.orgVdcNetwork, tree: orgVdcNetworkTree(base, found.network, admin) }
    : { media: MEDIA.vAppNetwork, tree: vappNetworkTree(base, found.network, found.vapp, admin) };
}

export const legacyNetworkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const admin of [false, true]) {
    const path = admin ? '/api/admin/network/:id' : '/api/network/:id';
    app.get(
      path,
      {
        schema: readByIdSchema(
          IdParams,
          operation(
            `One org VDC network or vApp network${admin ? ' (admin href)' : ''}`,
            [MEDIA.orgVdcNetwork, MEDIA.vAppNetwork],
            'OrgVdcNetwork or VAppNetwork',
          ),
        ),
      },
      async (request, reply) => {
        const found = await findNetwork(app.tessera.store, requirePrincipal(request), request.params.id);
        const { media, tree } = networkDocument(found, baseUrl(request), admin);
        return sendDocument(request, reply, media, tree);
      },
    );

    app.get(
      `${path}/metadata`,
      { schema: readByIdSchema(IdParams, operation("A network's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const found = await findNetwork(app.tessera.store, requirePrincipal(request), request.params.id);
        const { media, tree } = networkDocument(found, baseUrl(request), admin);
        return sendMetadataDocument(request, reply, { href: String(tree.attrs.href), type: media }, []);
      },
    );

    app.get(
      `${path}/allocatedAddresses`,
      {
        schema: readByIdSchema(
          IdParams,
          operation("The addresses a vApp network's VMs hold", MEDIA.allocatedNetworkAddress, 'AllocatedIpAddresses'),
        ),
      },
      async (request, reply) => {
        const found = await findNetwork(app.tessera.store, requirePrincipal(request), request.params.id);
        // An org VDC network's would be every VM of its VDC on it, in one unpaged document (100,000 at the scale
        // the benchmarks run): not served, and not linked from its document. A vApp's are bounded by the vApp.
        if (found.kind !== 'vapp') throw forbidden();
        const tree = allocatedAddressesTree(baseUrl(request), found.network, found.vms, admin);
        return sendDocument(request, reply, MEDIA.allocatedNetworkAddress, tree);
      },
    );
  }
};
