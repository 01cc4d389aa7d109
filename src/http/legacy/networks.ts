/**
 * Org VDC networks, read only: `GET /api/admin/network/{id}` (where a VDC's AvailableNetworks and the orgVdcNetwork
 * query records point: govcd's Vdc.GetOrgVdcNetworkByName, pyvcloud's list_orgvdc_network_resources) and
 * `GET /api/network/{id}` (VCD's tenant href of the same network), each with its `/metadata`, which Terraform's
 * vcd_network_isolated data source reads after the network. Derived from the VDCs (inventory/org-vdc-networks.ts);
 * networks carry no metadata in Tessera, so theirs is VCD's empty Metadata document.
 * Readable by whoever may read the network's VDC; unknown ids, malformed ids, a vApp network's id (named by its vApp's
 * NetworkConfigSection, not served) and other orgs' networks are the same 403 as every inventory entity.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { findOrgVdcNetwork } from '../../inventory/org-vdc-networks.js';
import { orgVdcNetworkTree } from '../../inventory/documents/org-vdc-network.js';
import { MEDIA, idFromPathSegment, networkHref, tenantNetworkHref } from '../../inventory/hrefs.js';
import { inventoryScope } from '../../inventory/scope.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';
import { sendMetadataDocument } from './send-metadata.js';

const operation = (summary: string, media: string, description: string) => ({ summary, tag: TAG.inventory, media, description });

export const legacyNetworkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const load = async (principal: Principal, segment: string) => {
    const id = idFromPathSegment(segment, 'network');
    const network = id ? await findOrgVdcNetwork(app.tessera.store, inventoryScope(principal), id) : undefined;
    if (!network || !mayRead(principal, 'vdc', network.orgId)) throw forbidden();
    return network;
  };

  for (const admin of [false, true]) {
    const path = admin ? '/api/admin/network/:id' : '/api/network/:id';
    app.get(
      path,
      {
        schema: readByIdSchema(
          IdParams,
          operation(`One org VDC network${admin ? ' (admin href)' : ''}`, MEDIA.orgVdcNetwork, 'OrgVdcNetwork'),
        ),
      },
      async (request, reply) => {
        const network = await load(requirePrincipal(request), request.params.id);
        return sendDocument(request, reply, MEDIA.orgVdcNetwork, orgVdcNetworkTree(baseUrl(request), network, admin));
      },
    );

    app.get(
      `${path}/metadata`,
      { schema: readByIdSchema(IdParams, operation("An org VDC network's metadata (none in Tessera)", MEDIA.metadata, 'Metadata')) },
      async (request, reply) => {
        const network = await load(requirePrincipal(request), request.params.id);
        const base = baseUrl(request);
        const entity = { href: admin ? networkHref(base, network.id) : tenantNetworkHref(base, network.id), type: MEDIA.orgVdcNetwork };
        return sendMetadataDocument(request, reply, entity, []);
      },
    );
  }
};
