/**
 * Networks, read only, at `GET /api/admin/network/{id}` and `GET /api/network/{id}` (VCD's admin and tenant hrefs of
 * one document), each with its `/metadata`, which Terraform's network data sources read after the network:
 *
 * - **Org VDC networks** (a VDC's AvailableNetworks and the orgVdcNetwork records point here: govcd's
 *   Vdc.GetOrgVdcNetworkByName, pyvcloud's list_orgvdc_network_resources), derived from the VDCs
 *   (inventory/org-vdc-networks.ts); readable by whoever may read the VDC.
 * - **vApp networks** (the vAppNetwork records and a vApp's NetworkConfig point here), derived from the vApp's VMs
 *   (inventory/vapp-networks.ts); readable exactly when the vApp is.
 *
 * Networks carry no metadata in Tessera, so theirs is VCD's empty Metadata document. Unknown ids, malformed ids and
 * other orgs' networks are the same 403 as every inventory entity.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { findOrgVdcNetwork } from '../../inventory/org-vdc-networks.js';
import { findVAppNetworkOwner } from '../../inventory/vapp-networks.js';
import { orgVdcNetworkTree } from '../../inventory/documents/org-vdc-network.js';
import { vappNetworkTree } from '../../inventory/documents/vapp-network.js';
import { getVApp, listVmsOfVApp } from '../../inventory/repository.js';
import { loadVAppSections } from '../../inventory/vapp-context.js';
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

/** The network a path names, rendered for that path, or the 403. */
async function loadNetwork(
  store: Store,
  principal: Principal,
  segment: string,
  base: string,
  admin: boolean,
): Promise<{ media: string; tree: DocElement }> {
  const id = idFromPathSegment(segment, 'network');
  if (!id) throw forbidden();
  const scope = inventoryScope(principal);
  const orgVdcNetwork = await findOrgVdcNetwork(store, scope, id);
  if (orgVdcNetwork) {
    if (!mayRead(principal, 'vdc', orgVdcNetwork.orgId)) throw forbidden();
    return { media: MEDIA.orgVdcNetwork, tree: orgVdcNetworkTree(base, orgVdcNetwork, admin) };
  }
  const owner = await findVAppNetworkOwner(store, scope, id);
  if (!owner || !mayRead(principal, 'vapp', owner.orgId)) throw forbidden();
  // Read again from the vApp itself: the index may be a moment older than the rows (scoped-index.ts), and the
  // network is rendered from what the vApp holds now, or not at all.
  const vapp = await getVApp(store, owner.vappId);
  if (!vapp || vapp.is_template === 1) throw forbidden();
  const { networks } = await loadVAppSections(store, vapp, await listVmsOfVApp(store, vapp.id));
  const network = networks.find((n) => n.id === id);
  if (!network) throw forbidden();
  return { media: MEDIA.vAppNetwork, tree: vappNetworkTree(base, network, vapp, admin) };
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
        const { media, tree } = await loadNetwork(app.tessera.store, requirePrincipal(request), request.params.id, baseUrl(request), admin);
        return sendDocument(request, reply, media, tree);
      },
    );

    app.get(
      `${path}/metadata`,
      { schema: readByIdSchema(IdParams, operation("A network's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const base = baseUrl(request);
        const { media, tree } = await loadNetwork(app.tessera.store, requirePrincipal(request), request.params.id, base, admin);
        return sendMetadataDocument(request, reply, { href: String(tree.attrs.href), type: media }, []);
      },
    );
  }
};
