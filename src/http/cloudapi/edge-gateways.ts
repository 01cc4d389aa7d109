/**
 * NSX-T edge gateways, as far as Tessera has them: none. Its inventory holds no edge gateways (nor the external
 * networks and edge clusters they need), so `GET /cloudapi/1.0.0/edgeGateways` answers an empty page rather than
 * the 404 of an unknown path: govcd finds an edge gateway by listing them (Org/Vdc.GetNsxtEdgeGatewayByName,
 * GetAllNsxtEdgeGateways: `name==<name>`, `ownerRef.id==<vdc urn>`), so Terraform's `data "vcd_nsxt_edgegateway"`
 * and `vcd_resource_list` can say "not found" or list none. The legacy query type `edgeGateway` answers the same
 * (inventory/query/catalogue.ts). No `/{id}`: there is no id to read.
 *
 * Readable by whoever may read VDCs (VCD's "Organization VDC Gateway: View" goes with the VDC's rights in its
 * predefined roles). filter, sort and paging as every list, on VCD's fields: an unknown one is the 400 it always is.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { can } from '../../domain/policy.js';
import { forbidden } from '../../domain/errors.js';
import { contractValidatorCompiler } from '../contract/validator.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { listPage, type ListFields } from './list-query.js';
import { EdgeGatewayPage } from './responses.js';
import { listRoute } from './schemas.js';

/** No row is ever read: the fields only decide which filters and sorts are VCD's. */
const none = () => null;
const EDGE_GATEWAY_FIELDS: ListFields<never> = {
  id: { read: none, type: 'ref' },
  name: { read: none },
  description: { read: none },
  'ownerRef.id': { read: none, type: 'ref' },
  'ownerRef.name': { read: none },
  'orgVdc.id': { read: none, type: 'ref' },
  'orgVdc.name': { read: none },
  'orgRef.id': { read: none, type: 'ref' },
  'orgRef.name': { read: none },
  'gatewayBacking.gatewayType': { read: none },
  status: { read: none },
  distributedRoutingEnabled: { read: none, type: 'boolean' },
};

export const cloudapiEdgeGatewayRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);

  app.get('/cloudapi/1.0.0/edgeGateways', listRoute(EdgeGatewayPage), async (request, reply) => {
    if (!can(requirePrincipal(request), 'vdc.view')) throw forbidden();
    const page = await listPage(request, reply, [] as never[], EDGE_GATEWAY_FIELDS, (g) => g, 'EdgeGateways');
    return sendCloudapiJson(request, reply, 200, page);
  });
};
