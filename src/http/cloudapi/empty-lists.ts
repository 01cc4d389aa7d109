/**
 * cloudapi lists of kinds Tessera does not hold: each answers an empty page rather than the 404 of an unknown path,
 * because the clients find one by listing them and can then say "not found" (or list none), which is the truth.
 * No `/{id}` for any of them: there is no id to read. filter, sort and paging as every list, on VCD's fields: an
 * unknown one is the 400 it always is.
 *
 * - `/edgeGateways` (NSX-T): its inventory holds no edge gateways (nor the external networks and edge clusters they
 *   need). govcd's Org/Vdc.GetNsxtEdgeGatewayByName and GetAllNsxtEdgeGateways (`name==<name>`, `ownerRef.id==<vdc
 *   urn>`), under Terraform's `vcd_resource_list` (its `data "vcd_nsxt_edgegateway"` asks govcd's Vdc.IsNsxt first,
 *   which is false without `/vdcs/{id}/capabilities`, docs/design.md, and stops there). The legacy query type
 *   `edgeGateway` answers the same (inventory/query/catalogue.ts). Read by whoever may read VDCs (VCD's
 *   "Organization VDC Gateway: View" goes with the VDC's rights in its predefined roles).
 * - `/vdcGroups`: no VDC groups (they need NSX networking Tessera does not model). govcd's AdminOrg.GetAllVdcGroups
 *   and GetVdcGroupByName (`name==<name>`, filterEncoded), under Terraform's `data "vcd_vdc_group"` and
 *   `vcd_resource_list`. Read by whoever may read VDCs, as a group is a set of VDCs.
 * - `/ssl/certificateLibrary`: no certificates (Tessera's TLS certificate is its operator's, not a library entry).
 *   govcd's Client/AdminOrg.GetAllCertificatesFromLibrary and GetCertificateFromLibraryByName (`alias==<name>`),
 *   under Terraform's `data "vcd_library_certificate"` and `vcd_resource_list`. An org administration read, as in
 *   VCD: whoever may read the admin views (`adminView.read`: org administrators, the provider).

 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TSchema } from 'typebox';
import { can, type Action } from '../../domain/policy.js';
import { forbidden } from '../../domain/errors.js';
import { contractValidatorCompiler } from '../contract/validator.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { listPage, type ListFields } from './list-query.js';
import { CertificateLibraryItemPage, EdgeGatewayPage, VdcGroupPage } from './responses.js';
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
const VDC_GROUP_FIELDS: ListFields<never> = {
  id: { read: none, type: 'ref' },
  name: { read: none },
  description: { read: none },
  orgId: { read: none, type: 'ref' },
  status: { read: none },
  type: { read: none },
  networkProviderType: { read: none },
  localEgress: { read: none, type: 'boolean' },
  dfwEnabled: { read: none, type: 'boolean' },
  universalNetworkingEnabled: { read: none, type: 'boolean' },
};
const CERTIFICATE_FIELDS: ListFields<never> = {
  id: { read: none, type: 'ref' },
  alias: { read: none },
  description: { read: none },
};

export const cloudapiEmptyListRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);

  const emptyList = (path: string, page: TSchema, action: Action, fields: ListFields<never>, model: string) =>
    app.get(`/cloudapi/1.0.0/${path}`, listRoute(page), async (request, reply) => {
      if (!can(requirePrincipal(request), action)) throw forbidden();
      return sendCloudapiJson(request, reply, 200, await listPage(request, reply, [] as never[], fields, (g) => g, model));
    });

  emptyList('edgeGateways', EdgeGatewayPage, 'vdc.view', EDGE_GATEWAY_FIELDS, 'EdgeGateways');
  emptyList('vdcGroups', VdcGroupPage, 'vdc.view', VDC_GROUP_FIELDS, 'VdcGroups');
  emptyList('ssl/certificateLibrary', CertificateLibraryItemPage, 'adminView.read', CERTIFICATE_FIELDS, 'CertificateLibraryItems');
};
