/**
 * `/cloudapi/1.0.0/tokens` (vcd-wire §6): list (paged, FIQL, sort), read, revoke. Missing and not visible
 * are both 403, as VCD answers (govcd maps only 403 to "entity not found").
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { byIdRoute, deleteByIdRoute, listRoute } from './schemas.js';
import { ApiTokenEntity, ApiTokenPage } from './responses.js';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { forbidden, badRequest } from '../../domain/errors.js';
import { apiTokenListScope } from '../../domain/policy.js';
import { compileFiqlFilter, type FiqlFieldMap } from '../../store/fiql-sql.js';
import { indexedTokenPage } from '../../store/token-listing.js';
import { pagedEnvelope, parsePageRequest, setPagingLinks } from './paging.js';
import { tokenEntity, tokenEntityFrom } from './token-entity.js';

const FILTER_FIELDS: FiqlFieldMap = {
  id: { column: 'api_tokens.id', type: 'ref' },
  name: { column: 'api_tokens.name', type: 'string' },
  type: { column: 'api_tokens.type', type: 'enum', values: ['REFRESH', 'PROXY', 'EXTENSION'] },
  'owner.name': { column: 'users.name', type: 'string' },
  'owner.id': { column: 'api_tokens.user_id', type: 'ref' },
  'org.name': { column: 'orgs.name', type: 'string' },
  'org.id': { column: 'api_tokens.org_id', type: 'ref' },
  expirationTimeUtc: { column: 'api_tokens.expires_at', type: 'date', nullable: true },
  createdTimeUtc: { column: 'api_tokens.created_at', type: 'date' },
  lastUsedTimeUtc: { column: 'api_tokens.last_used_at', type: 'date', nullable: true },
};

const SORT_FIELDS: Record<string, string> = {
  name: 'api_tokens.name',
  type: 'api_tokens.type',
  'owner.name': 'users.name',
  'org.name': 'orgs.name',
  expirationTimeUtc: 'api_tokens.expires_at',
  createdTimeUtc: 'api_tokens.created_at',
  lastUsedTimeUtc: 'api_tokens.last_used_at',
};

const TOKEN_URN = /^(?:urn:vcloud:token:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * One query parameter as text: a repeated one (`filter=a&filter=b`) arrives as an array, which compileFiqlFilter
 * took for a parsed AST (a 500). The first value counts; empty is absent.
 */
function single(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

export function tokenIdFromParam(param: string): string {
  const m = TOKEN_URN.exec(param);
  if (!m) throw forbidden();
  return m[1]!;
}

export const cloudapiTokenRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const services = app.tessera;
  const { store } = services;

  app.get('/cloudapi/1.0.0/tokens', listRoute(ApiTokenPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const scope = apiTokenListScope(principal);
    if (!scope) throw forbidden();
    const page = parsePageRequest(request.query);
    const sortAsc = single(request.query.sortAsc);
    const sortDesc = single(request.query.sortDesc);
    if (sortAsc && sortDesc) throw badRequest('Use either sortAsc or sortDesc, not both');
    const sortField = sortAsc ?? sortDesc;
    // Own keys only: `in` also finds Object.prototype's (`constructor`, `__proto__`, `toString`), which reached
    // sql.ref() as functions and failed as a 500.
    if (sortField !== undefined && !Object.hasOwn(SORT_FIELDS, sortField)) throw badRequest(`Cannot sort by "${sortField.slice(0, 100)}"`);
    const filter = single(request.query.filter);
    const where = filter ? compileFiqlFilter(filter, FILTER_FIELDS, { likeOperator: store.likeOperator }) : null;

    let base = store
      .liveApiTokens()
      // As GET /tokens/{id} (ApiTokenService.getVisible): a registered but never-minted token is its owner's
      // business only. Listing it to others gave ids whose GET then answered 403.
      .where((eb) => eb.or([eb('api_tokens.secret_hash', 'is not', null), eb('api_tokens.user_id', '=', principal.userId)]));
    if (scope.kind === 'own') base = base.where('api_tokens.user_id', '=', principal.userId);
    if (scope.kind === 'org') base = base.where('api_tokens.org_id', '=', scope.orgId);
    if (where) base = base.where(where);

    const offset = (page.page - 1) * page.pageSize;
    const pageQuery = () => base.selectAll('api_tokens').select(['users.name as owner_name', 'orgs.name as org_name']);
    let total: number;
    let rows: Awaited<ReturnType<ReturnType<typeof pageQuery>['execute']>>;
    // The default page (no filter, no sort) comes from the minted-token indexes (store/token-listing.ts).
    const indexed =
      !where && sortField === undefined ? await indexedTokenPage(store.db, scope, principal.userId, offset, page.pageSize) : null;
    if (indexed) {
      total = indexed.total;
      const byId = new Map(
        (indexed.ids.length > 0 ? await pageQuery().where('api_tokens.id', 'in', indexed.ids).execute() : []).map((r) => [r.id, r]),
      );
      // A token revoked between the two reads is simply not on this page: each read is consistent on its own.
      rows = indexed.ids.flatMap((id) => byId.get(id) ?? []);
    } else {
      const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total = Number(totalRow.n);
      let listQuery = pageQuery();
      if (sortField !== undefined) listQuery = listQuery.orderBy(sql.ref(SORT_FIELDS[sortField]!), sortDesc ? 'desc' : 'asc');
      rows = await listQuery.orderBy('api_tokens.created_at').orderBy('api_tokens.id').limit(page.pageSize).offset(offset).execute();
    }
    const values = rows.map((r) =>
      tokenEntityFrom(services, r, { ownerName: r.owner_name, orgName: r.org_name }, request.vcd.responseVersion),
    );
    setPagingLinks(request, reply, total, page, 'Tokens');
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(values, total, page));
  });

  app.get('/cloudapi/1.0.0/tokens/:id', byIdRoute(ApiTokenEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const row = await services.apiTokens.getVisible(principal, tokenIdFromParam(request.params.id));
    return sendCloudapiJson(request, reply, 200, await tokenEntity(services, row, request.vcd.responseVersion));
  });

  app.delete('/cloudapi/1.0.0/tokens/:id', deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    await services.apiTokens.revoke(principal, tokenIdFromParam(request.params.id), request.ip);
    return reply.code(204).send();
  });
};
