/**
 * Bulk revoke, from Administration's token lists (an org's, the provider's every-org or one-org list, one user's):
 *   GET  {base}/administration/tokens/revoke?id=..&id=..      the confirmation of the selected tokens
 *   GET  {base}/administration/tokens/revoke?all=1&<filter>   the confirmation of every live token the filter matches,
 *                                                              with their count and the filter in words
 *   POST {base}/administration/tokens/revoke                   revokes, then 303 back to the list and its filter
 *
 * The list's scope comes along (`user` for one user's list, `org` for the provider's one-org list) and is checked as
 * the list checks it; each token is checked as a single revoke checks it (ApiTokenService.revokeMany: one out of
 * reach refuses the whole request, as 403). "All matching" is evaluated again on the POST: when the filter matches
 * more live tokens than the count confirmed (tokens created since), nothing is revoked and the confirmation shows the
 * new count. At most MAX_BULK_REVOKE tokens a request. The POST takes the portal session's CSRF token; a token
 * session never reaches the portal (portal-session.ts takes password sessions only).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { sql, type SqlBool } from 'kysely';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn, type SignedInState } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { queryField, seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { administrationScope } from '../access.js';
import { can } from '../../../domain/policy.js';
import { forbidden } from '../../../domain/errors.js';
import {
  DEFAULT_UNUSED_DAYS,
  matchingTokens,
  scopeRoleNames,
  toListItem,
  type TokenFilter,
  type TokenListScope,
} from '../token-queries.js';
import { describeFilter, tokenFilterFields, tokenFilterFrom, tokenFilterParams } from '../token-filter.js';
import { listUrl } from '../views/paging.js';
import { bulkRevokeConfirmPage } from '../views/token-bulk.js';
import { counted } from '../../../domain/counted.js';
import type { ApiTokenRow } from '../../../store/store.js';

/** The most tokens one bulk revoke takes (each is a row, a revocation record and an audit event). */
export const MAX_BULK_REVOKE = 10_000;
/** The most tokens a selection names (a page shows 25). */
const MAX_SELECTED = 100;

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const bulkFields = {
  ...tokenFilterFields,
  search: Type.Optional(Type.String({ maxLength: 128 })),
  org: Type.Optional(Type.String({ maxLength: 128 })),
  user: Type.Optional(Type.String({ pattern: UUID_PATTERN })),
  from: Type.Optional(Type.Union([Type.Literal('tokens'), Type.Literal('org-tokens'), Type.Literal('user')])),
  all: Type.Optional(Type.Literal('1')),
  id: Type.Optional(
    Type.Union([Type.String({ pattern: UUID_PATTERN }), Type.Array(Type.String({ pattern: UUID_PATTERN }), { maxItems: MAX_SELECTED })]),
  ),
  count: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_BULK_REVOKE })),
};
const BulkQuery = Type.Object(bulkFields);
// A form's fields are strings (only the query string's are coerced to the schema's types).
const BulkBody = Type.Object({
  ...bulkFields,
  count: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
});
type BulkFields = Static<typeof BulkQuery> | Static<typeof BulkBody>;

/** The notice of the list a bulk revoke returns to (`done=bulk-revoked&count=N`: only digits are read). */
export function bulkRevokeNotice(request: FastifyRequest): string | null {
  const done = queryField(request, 'done');
  if (done === 'bulk-none') return 'Select the API tokens to revoke first: tick their boxes in the list.';
  if (done !== 'bulk-revoked') return null;
  const n = Number((request.query as Record<string, unknown>).count ?? 0);
  if (!Number.isInteger(n) || n < 0) return null;
  return n === 0
    ? 'No API token was revoked: the ones chosen had ended already.'
    : `${counted(n, 'API tokens')} revoked. Scripts using ${n === 1 ? 'it' : 'them'}, and their sessions, stopped working.`;
}

interface BulkPlace {
  readonly scope: TokenListScope;
  readonly filter: TokenFilter;
  readonly search: string;
  /** The parameters that name the list (from, org, user), kept by every form and link. */
  readonly keep: Record<string, string>;
  /** The list, and its filter as parameters. */
  readonly back: { readonly path: string; readonly params: Record<string, string | number | null> };
  readonly orgName: string;
  readonly userName: string;
  /** The System administrator's list of every org's tokens: the filter's words say so ("owner: bob" is each org's bob). */
  readonly everyOrg: boolean;
}

/** The selected ids: one `id` is a string, several an array. */
const idsOf = (fields: BulkFields): string[] => (fields.id === undefined ? [] : typeof fields.id === 'string' ? [fields.id] : fields.id);

const backTo = (place: BulkPlace, extra: Record<string, string | number> = {}) =>
  listUrl(place.back.path, { ...place.back.params, ...extra });

export function bulkRevokeRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  /** The list the bulk revoke started from, checked as the list itself checks it (another org's user: 403). */
  const placeOf = async (state: SignedInState, fields: BulkFields): Promise<BulkPlace> => {
    const reach = administrationScope(state.principal);
    if (!reach) throw forbidden('Administration needs the right "Manage all users\' API tokens".');
    const base = state.org.basePath;
    const search = (fields.search ?? '').trim();
    const filter = tokenFilterFrom((name) => String((fields as Record<string, unknown>)[name] ?? ''));
    if (fields.from === 'user' || fields.user !== undefined) {
      const user = fields.user ? await services.store.getUser(fields.user) : undefined;
      if (!user || !can(state.principal, 'apiToken.view', { orgId: user.org_id, ownerId: user.id })) throw forbidden();
      const path = `${base}/administration/users/${user.id}/tokens`;
      const f = { ...filter, owner: '' };
      return {
        scope: { kind: 'user', userId: user.id },
        filter: f,
        search,
        keep: { from: 'user', user: user.id },
        back: { path, params: { search, ...tokenFilterParams(f) } },
        orgName: '',
        userName: user.name,
        everyOrg: false,
      };
    }
    const path = `${base}/administration/tokens`;
    if (reach.kind === 'all' && (fields.org ?? '') !== '') {
      const org = await services.store.getOrgByName(fields.org!);
      if (!org) throw forbidden();
      return {
        scope: { kind: 'org', orgId: org.id },
        filter,
        search,
        keep: { from: 'org-tokens', org: org.name },
        back: { path, params: { org: org.name, search, ...tokenFilterParams(filter) } },
        orgName: org.name,
        userName: '',
        everyOrg: false,
      };
    }
    return {
      scope: reach,
      filter,
      search,
      keep: { from: 'tokens' },
      back: { path, params: { search, ...tokenFilterParams(filter) } },
      orgName: '',
      userName: '',
      everyOrg: reach.kind === 'all',
    };
  };

  /** The live tokens the filter matches (a state of ended tokens matches none), up to `limit`. */
  const liveMatching = (place: BulkPlace, now: number) =>
    matchingTokens(services, place.scope, place.search, place.filter, now).where(
      sql<SqlBool>`api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > ${now})`,
    );

  const countLive = async (place: BulkPlace, now: number): Promise<number> => {
    const row = await liveMatching(place, now)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  /** The selected tokens, each one the principal may revoke (else 403, as a single revoke); ended ones left out. */
  const selectedTokens = async (state: SignedInState, ids: readonly string[]) => {
    const rows: ApiTokenRow[] = [];
    for (const id of new Set(ids)) {
      const row = await services.store.getApiToken(id);
      const target = row && { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id };
      if (
        !row ||
        row.secret_hash === null ||
        !can(state.principal, 'apiToken.view', target!) ||
        !can(state.principal, 'apiToken.revoke', target!)
      )
        throw forbidden();
      if (row.revoked_at === null && (row.expires_at === null || Number(row.expires_at) > Date.now())) rows.push(row);
    }
    const roleNames = await scopeRoleNames(services, rows);
    const items = [];
    for (const row of rows) {
      const [owner, org] = await Promise.all([services.store.getUser(row.user_id), services.store.getOrg(row.org_id)]);
      items.push(toListItem(services, row, owner?.name ?? '', org?.name ?? '', roleNames));
    }
    return items;
  };

  const confirmation = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: SignedInState,
    place: BulkPlace,
    fields: BulkFields,
    changedFrom: number | null = null,
  ) => {
    const selected = fields.all === '1' ? null : await selectedTokens(state, idsOf(fields));
    const count = selected ? selected.length : await countLive(place, Date.now());
    return sendPage(
      reply,
      bulkRevokeConfirmPage(signedInFrame(state, deps, 'administration'), {
        selected,
        count,
        filterText: selected
          ? 'the tokens selected'
          : describeFilter({
              filter: place.filter,
              search: place.search,
              orgName: place.orgName,
              userName: place.userName,
              everyOrg: place.everyOrg,
              isolate: true,
            }),
        tooMany: count > MAX_BULK_REVOKE ? MAX_BULK_REVOKE : null,
        changedFrom,
        action: `${state.org.basePath}/administration/tokens/revoke`,
        hidden: { ...place.keep, search: place.search, ...tokenFilterParams(place.filter) },
        cancelHref: backTo(place),
      }),
      changedFrom === null ? 200 : 409,
    );
  };

  app.get<{ Querystring: Static<typeof BulkQuery> }>(
    '/administration/tokens/revoke',
    { schema: { querystring: BulkQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const place = await placeOf(state, request.query);
      // Revoke selected with nothing ticked: back to the list, which says so.
      if (request.query.all !== '1' && idsOf(request.query).length === 0) return seeOther(reply, backTo(place, { done: 'bulk-none' }));
      return confirmation(request, reply, state, place, request.query);
    },
  );

  app.post<{ Body: Static<typeof BulkBody> }>(
    '/administration/tokens/revoke',
    { config: { csrf: 'session' }, schema: { body: BulkBody, response: FORM } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const fields = request.body;
      const place = await placeOf(state, fields);
      const now = Date.now();
      let ids: string[];
      let skip: (row: ApiTokenRow) => boolean = () => false;
      if (fields.all === '1') {
        const confirmed = fields.count === undefined ? undefined : Number(fields.count);
        const rows = await liveMatching(place, now)
          .select('api_tokens.id')
          .orderBy('api_tokens.id')
          .limit(MAX_BULK_REVOKE + 1)
          .execute();
        // More than confirmed (tokens made since), or no count at all: nothing is revoked, the page asks again.
        if (confirmed === undefined || rows.length > confirmed || rows.length > MAX_BULK_REVOKE) {
          return confirmation(request, reply, state, place, fields, confirmed ?? 0);
        }
        ids = rows.map((r) => r.id);
        // A use this node saw but has not written yet (token-usage.ts writes "last used" once a minute) keeps a token
        // that "unused" or "never used" chose by its stored row.
        if (place.filter.state === 'unused' || place.filter.state === 'never-used') {
          const cutoff = place.filter.state === 'unused' ? now - (place.filter.unusedDays ?? DEFAULT_UNUSED_DAYS) * 86_400_000 : -Infinity;
          skip = (row) => {
            const last = services.apiTokens.usageOf(row).lastUsedAt;
            return last !== null && last >= cutoff;
          };
        }
      } else {
        ids = idsOf(fields);
        if (ids.length === 0) return seeOther(reply, backTo(place, { done: 'bulk-none' }));
      }
      const description = {
        selection: fields.all === '1' ? 'all matching' : 'selected',
        filter:
          fields.all === '1'
            ? describeFilter({
                filter: place.filter,
                search: place.search,
                orgName: place.orgName,
                userName: place.userName,
                everyOrg: place.everyOrg,
              })
            : 'the tokens selected',
      };
      const { revoked } = await services.apiTokens.revokeMany(state.principal, ids, request.ip, description, skip);
      return seeOther(reply, backTo(place, { done: 'bulk-revoked', count: revoked }));
    },
  );
}
