/**
 * The portal's reads of API tokens and users. Lists show live, issued tokens only (revoked ones are gone; one
 * registered but never issued is cleaned up by the create flow). Usage comes from the API-token service, so
 * this node's not-yet-flushed "last used" wins over the stored row.
 */
import type { Services } from '../context.js';
import type { ApiTokenRow, User } from '../../store/store.js';

export interface TokenListItem {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly ownerName: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly lastIp: string | null;
  readonly expiresAt: number | null;
  /** Least privilege: "All rights", "Read-only", or the name of the role the token was narrowed to. */
  readonly access: string;
}

/** The portal's label for a token's scope; `roleNames` resolves `urn:vcloud:role:<id>`. */
export function accessLabel(scope: string | null, roleNames: ReadonlyMap<string, string>): string {
  if (scope === null) return 'All rights';
  if (scope === 'read-only') return 'Read-only';
  const id = scope.replace(/^urn:vcloud:role:/, '');
  return roleNames.get(id) ?? 'A deleted role';
}

/** Names of the roles tokens were narrowed to, in one query. */
export async function scopeRoleNames(services: Services, rows: readonly Pick<ApiTokenRow, 'scope'>[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map((r) => r.scope).filter((s): s is string => s !== null && s.startsWith('urn:vcloud:role:')))].map((s) =>
    s.slice('urn:vcloud:role:'.length),
  );
  if (ids.length === 0) return new Map();
  const roles = await services.store.db.selectFrom('roles').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(roles.map((r) => [r.id, r.name]));
}

export type TokenListScope =
  { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'org'; readonly orgId: string } | { readonly kind: 'all' };

/** More than a page can usefully show; the lists say when they are cut. */
export const TOKEN_LIST_LIMIT = 500;

export async function listApiTokens(services: Services, scope: TokenListScope): Promise<{ items: TokenListItem[]; truncated: boolean }> {
  let query = services.store
    .liveApiTokens()
    .selectAll('api_tokens')
    .select(['users.name as owner_name', 'orgs.name as org_name'])
    .where('api_tokens.secret_hash', 'is not', null);
  if (scope.kind === 'user') query = query.where('api_tokens.user_id', '=', scope.userId);
  if (scope.kind === 'org') query = query.where('api_tokens.org_id', '=', scope.orgId);
  const rows = await query
    .orderBy('orgs.name')
    .orderBy('users.name')
    .orderBy('api_tokens.created_at', 'desc')
    .orderBy('api_tokens.id')
    .limit(TOKEN_LIST_LIMIT + 1)
    .execute();
  const page = rows.slice(0, TOKEN_LIST_LIMIT);
  const roleNames = await scopeRoleNames(services, page);
  const items = page.map((row) => toListItem(services, row, row.owner_name, row.org_name, roleNames));
  return { items, truncated: rows.length > TOKEN_LIST_LIMIT };
}

export function toListItem(
  services: Services,
  row: ApiTokenRow,
  ownerName: string,
  orgName: string,
  roleNames: ReadonlyMap<string, string> = new Map(),
): TokenListItem {
  const usage = services.apiTokens.usageOf(row);
  return {
    id: row.id,
    name: row.name,
    ownerId: row.user_id,
    ownerName,
    orgId: row.org_id,
    orgName,
    createdAt: Number(row.created_at),
    lastUsedAt: usage.lastUsedAt,
    lastIp: usage.ips[0] ?? null,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    access: accessLabel(row.scope, roleNames),
  };
}

export interface UserListItem {
  readonly id: string;
  readonly name: string;
  readonly fullName: string;
  readonly orgName: string;
  readonly roleName: string;
  readonly enabled: boolean;
  readonly liveTokens: number;
}

/** The users of one org, or of every org (provider), with their live-token counts. */
export async function listUsers(services: Services, scope: { kind: 'org'; orgId: string } | { kind: 'all' }): Promise<UserListItem[]> {
  const { store } = services;
  const orgs = scope.kind === 'all' ? await store.listOrgs() : [await store.getOrg(scope.orgId)].filter((o) => o !== undefined);
  const counts = await liveTokenCounts(services, scope);
  const out: UserListItem[] = [];
  for (const org of [...orgs].sort((a, b) => a.name.localeCompare(b.name))) {
    const roles = new Map((await store.listRoles(org.id)).map((r) => [r.id, r.name]));
    const users: User[] = [...(await store.listUsers(org.id))].sort((a, b) => a.name.localeCompare(b.name));
    for (const u of users) {
      out.push({
        id: u.id,
        name: u.name,
        fullName: u.full_name,
        orgName: org.name,
        roleName: roles.get(u.role_id) ?? '',
        enabled: u.is_enabled === 1,
        liveTokens: counts.get(u.id) ?? 0,
      });
    }
  }
  return out;
}

async function liveTokenCounts(services: Services, scope: { kind: 'org'; orgId: string } | { kind: 'all' }): Promise<Map<string, number>> {
  let query = services.store.db
    .selectFrom('api_tokens')
    .select(['api_tokens.user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('api_tokens.revoked_at', 'is', null)
    .where('api_tokens.secret_hash', 'is not', null)
    .groupBy('api_tokens.user_id');
  if (scope.kind === 'org') query = query.where('api_tokens.org_id', '=', scope.orgId);
  const rows = await query.execute();
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}
