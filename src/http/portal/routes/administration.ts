/**
 * Administration, for holders of "Manage all users' API tokens" (System administrators: every org):
 *   GET {base}/administration                      -> Users
 *   GET {base}/administration/users                the org's users (every org's for the provider)
 *   GET {base}/administration/users/{id}/tokens[?search=&page=]       one user's API tokens
 *   GET {base}/administration/tokens[?org=name&search=&page=]         every API token in reach
 * The token lists are searched and paged in SQL (token-queries.ts listApiTokensPage), as the Users list is; `page`
 * and `search` are checked as the Users list's are (a page of 0, -1 or "abc" is the 400 page; past the last page
 * says so, with the way to the last page).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { seeOther, sendPage } from '../respond.js';
import { PAGE, pathIds } from '../responses.js';
import { MAX_LIST_PAGE } from '../return-path.js';
import { administrationScope, canManageOrgs, canViewAudit, canViewServiceAccounts, usersScope } from '../access.js';
import { listApiTokensPage, tokenStateCounts, type TokenListScope } from '../token-queries.js';
import { tokenFilterFields, tokenFilterFrom } from '../token-filter.js';
import { bulkRevokeRoutes, bulkRevokeNotice } from './token-bulk-revoke.js';
import { can } from '../../../domain/policy.js';
import { forbidden } from '../../../domain/errors.js';
import { allTokensPage, userTokensPage } from '../views/administration.js';
import { doneNoticeFor } from './preferences.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A token list's query: the Users list's `search` and `page`, and the notice after a revoke (`done`, `token`). */
const tokenListFields = {
  search: Type.Optional(Type.String({ maxLength: 128 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_PAGE })),
  done: Type.Optional(Type.String({ maxLength: 40 })),
  token: Type.Optional(Type.String({ maxLength: 64 })),
  /** After a bulk revoke (`done=bulk-revoked`): how many. */
  count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  ...tokenFilterFields,
};
const UserTokensQuery = Type.Object(tokenListFields);
const TokensQuery = Type.Object({ ...tokenListFields, org: Type.Optional(Type.String({ maxLength: 128 })) });

export function administrationRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  const requireAdministration = (request: FastifyRequest) => {
    const state = requireSignedIn(request);
    const scope = administrationScope(state.principal);
    if (!scope) throw forbidden('Administration needs the right "Manage all users\' API tokens".');
    return { state, scope };
  };

  // The revoke notice names the token (preferences.ts doneNoticeFor); a bulk revoke's says how many.
  const notice = async (request: FastifyRequest) =>
    bulkRevokeNotice(request) ?? (await doneNoticeFor(services, request, requireSignedIn(request).principal));
  const filterOf = (request: FastifyRequest) => tokenFilterFrom((name) => String((request.query as Record<string, unknown>)[name] ?? ''));

  // The first tab the user may open: Organizations (the provider), Users, Service Accounts, then Audit Trail.
  app.get('/administration', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const base = `${state.org.basePath}/administration`;
    if (canManageOrgs(principal)) return seeOther(reply, `${base}/orgs`);
    if (usersScope(principal)) return seeOther(reply, `${base}/users`);
    if (canViewServiceAccounts(principal)) return seeOther(reply, `${base}/serviceAccounts`);
    if (canViewAudit(principal)) return seeOther(reply, `${base}/audit`);
    throw forbidden('Administration needs the right "Manage all users\' API tokens" or "Group / User: View".');
  });

  app.get<{ Params: { userId: string }; Querystring: Static<typeof UserTokensQuery> }>(
    '/administration/users/:userId/tokens',
    { schema: { params: pathIds('userId'), querystring: UserTokensQuery, response: PAGE } },
    async (request, reply) => {
      const { state } = requireAdministration(request);
      const user = UUID.test(request.params.userId) ? await services.store.getUser(request.params.userId) : undefined;
      if (!user || !can(state.principal, 'apiToken.view', { orgId: user.org_id, ownerId: user.id })) throw forbidden();
      const org = await services.store.getOrg(user.org_id);
      const search = (request.query.search ?? '').trim();
      const page = request.query.page ?? 1;
      const filter = { ...filterOf(request), owner: '' };
      const now = Date.now();
      const scope: TokenListScope = { kind: 'user', userId: user.id };
      const [{ items, total }, counts] = await Promise.all([
        listApiTokensPage(services, scope, { search, page, filter, now }),
        tokenStateCounts(services, scope, search, '', now),
      ]);
      return sendPage(
        reply,
        userTokensPage(signedInFrame(state, deps), {
          userId: user.id,
          userName: user.name,
          fullName: user.full_name,
          orgName: org?.name ?? '',
          tokens: items,
          total,
          page,
          search,
          filter,
          counts,
          bulk: { action: `${state.org.basePath}/administration/tokens/revoke`, keep: { from: 'user', user: user.id } },
          notice: await notice(request),
        }),
      );
    },
  );

  app.get<{ Querystring: Static<typeof TokensQuery> }>(
    '/administration/tokens',
    { schema: { querystring: TokensQuery, response: PAGE } },
    async (request, reply) => {
      const { state, scope } = requireAdministration(request);
      const orgNames = scope.kind === 'all' ? (await services.store.listOrgs()).map((o) => o.name).sort((a, b) => a.localeCompare(b)) : [];
      const asked = scope.kind === 'all' ? (request.query.org ?? '') : '';
      const search = (request.query.search ?? '').trim();
      const page = request.query.page ?? 1;
      const narrowed = await tokenScopeFor(scope, asked);
      const filter = filterOf(request);
      const now = Date.now();
      const [{ items, total }, counts] = narrowed
        ? await Promise.all([
            listApiTokensPage(services, narrowed.scope, { search, page, filter, now }),
            tokenStateCounts(services, narrowed.scope, search, filter.owner, now),
          ])
        : [
            { items: [], total: 0 },
            { active: 0, expiring: 0, expired: 0, revoked: 0, 'never-used': 0 },
          ];
      const orgKeep: Record<string, string> = narrowed?.orgName ? { org: narrowed.orgName } : {};
      return sendPage(
        reply,
        allTokensPage(signedInFrame(state, deps), {
          tokens: items,
          total,
          page,
          search,
          filter,
          counts,
          bulk: narrowed
            ? {
                action: `${state.org.basePath}/administration/tokens/revoke`,
                keep: { from: scope.kind === 'all' && narrowed.orgName !== '' ? 'org-tokens' : 'tokens', ...orgKeep },
              }
            : null,
          allOrgs: scope.kind === 'all',
          orgNames,
          // The org's own name, as the lookup found it (any case): the select, the subtitle and a revoke's way back name
          // the org listed. Until 2026-12-05 `?org=GLOBEX` listed globex's tokens under "All organizations", and an
          // unknown name showed "No API tokens." as if every org had none.
          orgFilter: narrowed?.orgName ?? '',
          unknownOrg: narrowed === null ? asked : null,
          notice: await notice(request),
        }),
      );
    },
  );

  bulkRevokeRoutes(app, deps);

  /** The provider may narrow the list to one org (its name in any case); null when no org has that name. */
  const tokenScopeFor = async (
    scope: NonNullable<ReturnType<typeof administrationScope>>,
    orgFilter: string,
  ): Promise<{ scope: TokenListScope; orgName: string } | null> => {
    if (scope.kind === 'org' || orgFilter === '') return { scope, orgName: '' };
    const org = await services.store.getOrgByName(orgFilter);
    return org ? { scope: { kind: 'org', orgId: org.id }, orgName: org.name } : null;
  };
}
