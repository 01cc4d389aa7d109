/**
 * VCD's query service under /api (vcd-wire §9): `GET /api/query` (the QueryList, or a typed query with
 * `type=`), and the packaged forms that fix the type by path (`/api/vms/query`, `/api/admin/vms/query`,
 * `/api/org/{id}/vdcs/query` ...). XML by default, JSON for `Accept: application/*+json`.
 *
 * Parameters are read from the raw query string (inventory/query/params.ts), not fastify's parsed query, to
 * keep govcd's duplicate `type`, leading `&` and unencoded FIQL exactly as sent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { baseUrl, requirePrincipal, sendExactText } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { mayRead } from '../../inventory/access.js';
import { MEDIA, idFromPathSegment, vdcEdgeGatewaysHref } from '../../inventory/hrefs.js';
import { getVdc } from '../../inventory/repository.js';
import { withVersion } from '../../inventory/xml-render.js';
import { filterValuesDecoded, queryParametersOf, type QueryParameters } from '../../inventory/query/params.js';
import { resultMediaType } from '../../inventory/query/records.js';
import { renderQueryListJson, renderQueryListXml } from '../../inventory/query/query-list.js';
import {
  ApiHeaders,
  COMMON_ERRORS,
  IdParams,
  PackagedQuerystring,
  TAG,
  TypedQuerystring,
  authenticated,
  documentResponse,
} from './contract.js';
import { answerTypedQuery, resolveQueryType, runnableQueryTypes, type TypedQueryInput } from '../../inventory/query/service.js';

/**
 * Packaged queries: path → the query type it runs (vcd-wire §9.1 "API-URL/object-type/query"; the API guide's
 * "Packaged Queries" table, 5.1 to 10.6). Each answers exactly as `/api/query?type=<type>` does, its rights
 * included. Not served: `strandedUsers` (no LDAP import here) and the `/api/admin/extension/...` ones (no
 * vSphere inventory).
 */
export const PACKAGED_QUERIES: Readonly<Record<string, string>> = {
  '/api/vms/query': 'vm',
  '/api/vApps/query': 'vApp',
  '/api/vAppTemplates/query': 'vAppTemplate',
  '/api/mediaList/query': 'media',
  '/api/admin/groups/query': 'group',
  '/api/admin/roles/query': 'role',
  '/api/admin/rights/query': 'right',
  '/api/admin/vms/query': 'adminVM',
  '/api/admin/vApps/query': 'adminVApp',
  '/api/admin/vdcs/query': 'adminOrgVdc',
  '/api/admin/orgs/query': 'organization',
  '/api/admin/users/query': 'user',
  '/api/catalogs/query': 'catalog',
  '/api/admin/catalogs/query': 'adminCatalog',
};

/** Sends a page with the media type exactly as VCD writes it (a cached page may be kept as bytes). */
function sendExactly(reply: FastifyReply, mediaType: string, body: string | Buffer) {
  return typeof body === 'string' ? sendExactText(reply, mediaType, body) : reply.header('content-type', mediaType).send(body);
}

function rawQueryString(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

const NO_CACHE = /\bno-cache\b/i;

async function sendTypedQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  params: QueryParameters,
  restrictions?: TypedQueryInput['restrictions'],
) {
  const principal = requirePrincipal(request);
  const type = resolveQueryType(principal, params.type!);
  params = filterValuesDecoded(params, request.vcd.version);
  const json = request.vcd.json;
  const cacheControl = request.headers['cache-control'];
  const body = await answerTypedQuery(request.server.tessera.store, principal, {
    type,
    params,
    restrictions,
    location: { base: baseUrl(request), path, typeParam: path === '/api/query' ? type.name : null },
    json,
    noCache: cacheControl !== undefined && NO_CACHE.test(String(cacheControl)),
  });
  return sendExactly(reply, withVersion(resultMediaType(params.format, json), request.vcd.responseVersion), body);
}

/** Every result format a query can answer in (format=records|references|idrecords). */
const RESULT_MEDIA = [MEDIA.records, MEDIA.references, MEDIA.idrecords];

const querySchema = {
  summary: 'The query service: the QueryList without `type`, a typed query with it',
  tags: [TAG.query],
  security: authenticated(),
  querystring: TypedQuerystring,
  headers: ApiHeaders,
  response: {
    200: documentResponse([MEDIA.queryList, ...RESULT_MEDIA], 'QueryList, or QueryResultRecords / References'),
    ...COMMON_ERRORS,
  },
};

const packagedQuerySchema = (typeName: string) => ({
  summary: `The packaged query of type ${typeName}`,
  tags: [TAG.query],
  security: authenticated(),
  querystring: PackagedQuerystring,
  headers: ApiHeaders,
  response: { 200: documentResponse(RESULT_MEDIA, 'QueryResultRecords / References'), ...COMMON_ERRORS },
});

export const legacyQueryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/query', { schema: querySchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    // Parsed once per distinct query string (params.ts); with `type=` it is the typed query's parameters.
    const params = queryParametersOf(rawQueryString(request));
    if (params.type !== null) return sendTypedQuery(request, reply, '/api/query', params);
    const base = baseUrl(request);
    const types = runnableQueryTypes(principal);
    if (request.vcd.json) {
      const body = JSON.stringify(renderQueryListJson(base, types));
      return sendExactly(reply, withVersion(MEDIA.queryList.replace(/\+xml$/, '+json'), request.vcd.responseVersion), body);
    }
    return sendExactly(reply, withVersion(MEDIA.queryList, request.vcd.responseVersion), renderQueryListXml(base, types));
  });

  for (const [path, typeName] of Object.entries(PACKAGED_QUERIES)) {
    app.get(path, { schema: packagedQuerySchema(typeName) }, async (request, reply) => {
      requirePrincipal(request);
      return sendTypedQuery(request, reply, path, queryParametersOf(rawQueryString(request), typeName));
    });
  }

  // The VDCs of one org: the Org document links here for pyvcloud's Org.list_vdcs (vcd-clients §3).
  app.get(
    '/api/org/:id/vdcs/query',
    { schema: { ...packagedQuerySchema('orgVdc'), summary: "The org's VDCs (orgVdc records)", params: IdParams } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const orgId = idFromPathSegment(request.params.id, 'org');
      if (!orgId || !mayRead(principal, 'org', orgId)) throw forbidden();
      return sendTypedQuery(request, reply, `/api/org/${orgId}/vdcs/query`, queryParametersOf(rawQueryString(request), 'orgVdc'), [
        { column: 'vdcs.org_id', value: orgId },
      ]);
    },
  );

  // The edge gateways of one VDC, as VCD's Vdc document links them (pyvcloud's VDC.list_edge_gateways): the
  // edgeGateway type, which has no records in Tessera (inventory/query/catalogue.ts), for whoever may read the VDC.
  app.get(
    '/api/admin/vdc/:id/edgeGateways',
    { schema: { ...packagedQuerySchema('edgeGateway'), summary: "The VDC's edge gateways (none in Tessera)", params: IdParams } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const vdcId = idFromPathSegment(request.params.id, 'vdc');
      const vdc = vdcId ? await getVdc(request.server.tessera.store, vdcId) : undefined;
      if (!vdc || !mayRead(principal, 'vdc', vdc.org_id)) throw forbidden();
      const path = vdcEdgeGatewaysHref('', vdc.id);
      return sendTypedQuery(request, reply, path, queryParametersOf(rawQueryString(request), 'edgeGateway'), [
        { column: 'vdcs.id', value: vdc.id },
      ]);
    },
  );

  // The catalogs of one org: the Org document links here for pyvcloud's Org.get_catalog (API 33 and later), whoever
  // may read the org's templates; the type's own check (`vApp: View`) follows.
  app.get(
    '/api/org/:id/catalogs/query',
    { schema: { ...packagedQuerySchema('catalog'), summary: "The org's catalogs (catalog records)", params: IdParams } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const orgId = idFromPathSegment(request.params.id, 'org');
      if (!orgId || !mayRead(principal, 'vapp', orgId)) throw forbidden();
      return sendTypedQuery(request, reply, `/api/org/${orgId}/catalogs/query`, queryParametersOf(rawQueryString(request), 'catalog'), [
        { column: 'vapps.org_id', value: orgId },
      ]);
    },
  );
};
