/**
 * `/cloudapi/1.0.0/tokens` (vcd-wire §6): list (paged, FIQL, sort), read, revoke. Missing and not visible
 * are both 403, as VCD answers (govcd maps only 403 to "entity not found").
 *
 * A Tessera extension, under the segment VCD never uses (`x-tessera`, as the inventory sync API):
 *   POST /cloudapi/x-tessera/tokens/{id}/regenerate   {"graceSeconds": 0..604800, "expirationTimeUtc": ...}
 *                                                      → the new Token, secret once
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { byIdRoute, deleteByIdRoute, IdParams, listRoute } from './schemas.js';
import { ApiTokenEntity, ApiTokenPage, CLOUDAPI_BODY_ERRORS } from './responses.js';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { forbidden, badRequest } from '../../domain/errors.js';
import { apiTokenListScope } from '../../domain/policy.js';
import { compileFiqlFilter, type FiqlFieldMap } from '../../store/fiql-sql.js';
import { indexedTokenPage, readListedTokens } from '../../store/token-listing.js';
import { LISTED_TOKEN_COLUMNS } from '../../store/store.js';
import { pagedEnvelope, parsePageRequest, setPagingLinks } from './paging.js';
import { isoOrNull, tokenEntity, tokenEntityFrom } from './token-entity.js';
import { MAX_REGENERATE_GRACE_SECONDS } from '../../auth/api-tokens.js';
import { EntityReference, NullableString } from '../contract/common.js';
import { nameKey } from '../../domain/user-name.js';

/**
 * Regenerate's body. The grace has the portal's bounds (0 to 7 days); the portal offers 0, 1 hour, 1 day and
 * 7 days, an API caller any whole number of seconds within them. Absent (or no body) is 0: the old token stops at
 * once, as GitHub's "Regenerate token" does, the safe choice for a leaked one.
 */
const RegenerateBody = Type.Union(
  [
    Type.Object(
      {
        graceSeconds: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: MAX_REGENERATE_GRACE_SECONDS,
            description: 'how long the old token keeps working, in seconds (0 to 604800; default 0: it stops at once)',
          }),
        ),
        expirationTimeUtc: Type.Optional(
          Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
            description:
              "the new token's expiry, as when creating one (an ISO 8601 date-time with a zone, within the org's maximum " +
              'lifetime); null: none (or the maximum, when the org has one); absent: the old lifetime again from now, or ' +
              'none when the old token had none',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'optional; {} or no body regenerates with no grace' },
);

/** The new token: the Token entity with its secret in `token` (this answer only), and what became of the old one. */
const RegeneratedToken = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    token: Type.String({ description: 'the new API token; shown in this answer only' }),
    expirationTimeUtc: NullableString(),
    owner: EntityReference,
    org: EntityReference,
    type: Type.String(),
    createdTimeUtc: Type.Optional(NullableString()),
    lastUsedTimeUtc: Type.Optional(NullableString()),
    lastUsedIpAddresses: Type.Optional(Type.Array(Type.String())),
    tokenStart: Type.Optional(NullableString()),
    scope: Type.Optional(NullableString()),
    username: Type.Optional(Type.String()),
    userId: Type.Optional(Type.String()),
    orgName: Type.Optional(Type.String()),
    replaces: Type.String({ description: 'the id of the token replaced' }),
    replacedTokenStopsAtUtc: Type.String({ description: 'when the replaced token stops working (now when no grace)' }),
  },
  { additionalProperties: false },
);

const FILTER_FIELDS: FiqlFieldMap = {
  id: { column: 'api_tokens.id', type: 'ref' },
  name: { column: 'api_tokens.name', type: 'string' },
  type: { column: 'api_tokens.type', type: 'enum', values: ['REFRESH', 'PROXY', 'EXTENSION'] },
  // A user name as sign-in and the portal's Owner field read it (Store.getUserByName): `owner.name==BOB` finds bob's
  // tokens. Until 2026-12-07 it compared the stored name exactly, so `tessera token list|revoke --owner BOB`, which
  // sends this, found none of the tokens the portal's filter found for the same name.
  'owner.name': {
    column: 'users.name',
    type: 'string',
    equalityKeys: { column: 'users.name_lower', keys: (name) => [name.toLowerCase(), nameKey(name)] },
  },
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
    // A session made from an API token lists that token alone (domain/policy.ts canTouchApiToken).
    const oneToken = principal.kind === 'api_token' ? principal.apiTokenId : null;
    if (oneToken !== null) base = base.where('api_tokens.id', '=', oneToken);
    if (where) base = base.where(where);

    const offset = (page.page - 1) * page.pageSize;
    const pageQuery = () => base.select([...LISTED_TOKEN_COLUMNS, 'users.name as owner_name', 'orgs.name as org_name']);
    let total: number;
    let rows: Awaited<ReturnType<ReturnType<typeof pageQuery>['execute']>>;
    // The default page (no filter, no sort) comes from the minted-token indexes (store/token-listing.ts).
    const indexed =
      !where && sortField === undefined && oneToken === null
        ? await indexedTokenPage(store, scope, principal.userId, offset, page.pageSize)
        : null;
    if (indexed) {
      total = indexed.total;
      // By primary key alone; the ids are visible by construction (token-listing.ts).
      rows = await readListedTokens(store, indexed.ids);
    } else {
      const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total = Number(totalRow.n);
      let listQuery = pageQuery();
      if (sortField !== undefined) {
        // A token with no expiry or never used sorts after every date ascending and before them descending, on both
        // backends (PostgreSQL's own order; SQLite sorts NULLs the other way unless told, so the two backends gave
        // different pages until 2026-12-06), as the query service does (inventory/query/execute.ts).
        const nullable = FILTER_FIELDS[sortField]?.nullable === true;
        listQuery = nullable
          ? listQuery.orderBy(sql`${sql.ref(SORT_FIELDS[sortField]!)} ${sql.raw(sortDesc ? 'desc nulls first' : 'asc nulls last')}`)
          : listQuery.orderBy(sql.ref(SORT_FIELDS[sortField]!), sortDesc ? 'desc' : 'asc');
      }
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

  app.post(
    '/cloudapi/x-tessera/tokens/:id/regenerate',
    // The body is one small number: 4 KiB is plenty, and a large body is refused before it is parsed.
    { bodyLimit: 4096, schema: { params: IdParams, body: RegenerateBody, response: { ...CLOUDAPI_BODY_ERRORS, 200: RegeneratedToken } } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const graceSeconds = request.body?.graceSeconds ?? 0;
      // The service holds the rules: the owner only, never an API-token session (policy apiToken.regenerate), a
      // live token not already replaced; anyone else's or a missing token is the same 403.
      const result = await services.apiTokens.regenerate(
        principal,
        tokenIdFromParam(request.params.id),
        graceSeconds,
        request.ip,
        request.body?.expirationTimeUtc,
      );
      const entity = await tokenEntity(services, result.row, request.vcd.responseVersion);
      const stopsAt = result.oldStopsAt ?? Number(result.old.revoked_at ?? Date.now());
      // The answer carries a secret: no cache keeps it (RFC 6749 §5.1 asks the same of the token endpoint).
      reply.header('cache-control', 'no-store');
      return sendCloudapiJson(request, reply, 200, {
        ...entity,
        token: result.apiToken,
        replaces: `urn:vcloud:token:${result.old.id}`,
        replacedTokenStopsAtUtc: isoOrNull(stopsAt),
      });
    },
  );
};
