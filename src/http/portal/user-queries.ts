/**
 * Administration > Users: one page of the users in reach, searched and paged in SQL (the list used to load
 * every user of every org and stop at nothing; a provider with thousands of users needs pages). Search matches
 * the user name or full name, case-insensitively, as a literal (LIKE's own wildcards are escaped).
 */
import { sql, type SqlBool } from 'kysely';
import type { Services } from '../context.js';
import { lockedUntil, shownLockUntil } from '../../domain/account-lock.js';
import { unexpiredAt } from '../../store/store.js';
import { nameKey } from '../../domain/user-name.js';

export const USER_PAGE_SIZE = 25;

export interface UserRow {
  readonly id: string;
  readonly name: string;
  readonly fullName: string;
  readonly email: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly roleName: string;
  readonly enabled: boolean;
  readonly twoFactor: boolean;
  /** Locked out by failed verification codes until this time (epoch ms), or null. */
  readonly lockedUntil: number | null;
  readonly liveTokens: number;
}

export type UserScope = { readonly kind: 'org'; readonly orgId: string } | { readonly kind: 'all' };

/** `text` for a LIKE pattern with `\` as the escape character. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * The LIKE pattern of a portal search: what was typed in the form names are compared in (nameKey: NFKC, lower
 * case), as a literal, anywhere in the value. Compare it with `users.name_lower` (user names are stored NFKC) or with
 * `Store.searchKey(column)`: `Jose` + U+0301 typed on a Mac finds `José` (until 2026-12-06 it found nothing).
 */
export function searchPattern(search: string): string {
  return `%${likeLiteral(nameKey(search))}%`;
}

/**
 * One page of the users in scope, in the order org name, user name (unique in an org, so a total order).
 *
 * The page is placed without sorting the join: until 2026-12-06 the provider's list ordered every user of every org
 * by `orgs.name_lower, users.name_lower` (no index can hold a sort key taken from two tables) and paid a sort of the
 * whole join per page, 25-50 ms on SQLite and up to 220 ms on PostgreSQL at 54,000 users. Now the matching users
 * are counted per org (one aggregate over `users`, no join), the orgs walked in name order up to the page's first
 * row, and the page read org by org through the `users_org_name` index (org_id, name_lower), which holds each
 * org's users in order: at most three reads (the org the page starts in, the orgs it holds whole, the org it ends
 * in), each bounded by the page size or by one org's users.
 */
export async function listUsersPage(
  services: Services,
  scope: UserScope,
  input: { search: string; page: number; pageSize?: number },
): Promise<{ total: number; items: UserRow[] }> {
  const pageSize = input.pageSize ?? USER_PAGE_SIZE;
  const counts = await matchingPerOrg(services, scope, input.search);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const orgs = total === 0 ? [] : await orgsByName(services, scope, counts);
  const slices = pageSlices(orgs, (input.page - 1) * pageSize, pageSize);
  const rows = await readSlices(services, slices, input.search);
  const tokens = await liveTokenCounts(
    services,
    rows.map((r) => r.id),
  );
  const now = Date.now();
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      fullName: r.full_name,
      email: r.email,
      orgId: r.org_id,
      orgName: r.org_name,
      roleName: r.role_name,
      enabled: r.is_enabled === 1,
      twoFactor: r.totp_enabled === 1,
      lockedUntil: shownLockUntil(lockedUntil(r, now), services.sessions.failedSignInPauseUntil(r.name, r.org_name, now)),
      liveTokens: tokens.get(r.id) ?? 0,
    })),
  };
}

/** The users in scope that the search matches (user name or full name contains it, case-insensitively, as a literal). */
function matchingUsers(services: Services, scope: UserScope, search: string) {
  const { store } = services;
  let users = store.db.selectFrom('users');
  if (scope.kind === 'org') users = users.where('users.org_id', '=', scope.orgId);
  if (search === '') return users;
  const pattern = searchPattern(search);
  // `\` is the escape character on both backends (SQLite has no default one; PostgreSQL's is `\` already).
  return users.where(
    sql<SqlBool>`(users.name_lower like ${pattern} escape '\\' or ${store.searchKey(sql.ref('users.full_name'))} like ${pattern} escape '\\')`,
  );
}

/**
 * How many users each org has that the search matches. Without the joins the old count had: every user has an org
 * and a role (NOT NULL foreign keys, enforced on both backends), so the joins never dropped a row.
 */
async function matchingPerOrg(services: Services, scope: UserScope, search: string): Promise<Map<string, number>> {
  // Searched on SQLite, grouped by an expression: by the bare column SQLite walks the `users_org_name` index for its
  // order and reads each row from the table out of order for the full name (60 ms instead of 24 at 54,000 users).
  const key = search !== '' && services.store.dialect === 'sqlite' ? sql<string>`users.org_id || ''` : sql<string>`users.org_id`;
  const rows = await matchingUsers(services, scope, search)
    .select([key.as('org_id'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(key)
    .execute();
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  return new Map(rows.map((r) => [r.org_id, Number(r.n)]));
}

interface OrgCount {
  readonly id: string;
  readonly name: string;
  readonly users: number;
}

/** The orgs with matching users, in the list's order (name_lower, unique): the SQL order, never a JS comparison. */
async function orgsByName(services: Services, scope: UserScope, counts: ReadonlyMap<string, number>): Promise<OrgCount[]> {
  let orgs = services.store.db.selectFrom('orgs').select(['orgs.id', 'orgs.name']).orderBy('orgs.name_lower');
  if (scope.kind === 'org') orgs = orgs.where('orgs.id', '=', scope.orgId);
  return (await orgs.execute()).filter((o) => counts.has(o.id)).map((o) => ({ id: o.id, name: o.name, users: counts.get(o.id)! }));
}

/** One org's part of a page: its matching users from `offset`, at most `limit`. */
export interface PageSlice {
  readonly org: OrgCount;
  readonly offset: number;
  readonly limit: number;
}

/** The parts of the page that starts at row `skip` (0-based) and holds `size` rows, orgs in order. */
export function pageSlices(orgs: readonly OrgCount[], skip: number, size: number): PageSlice[] {
  const slices: PageSlice[] = [];
  let before = skip;
  let wanted = size;
  for (const org of orgs) {
    if (wanted === 0) break;
    if (before >= org.users) {
      before -= org.users;
      continue;
    }
    const limit = Math.min(org.users - before, wanted);
    slices.push({ org, offset: before, limit });
    wanted -= limit;
    before = 0;
  }
  return slices;
}

/**
 * The page's rows, slice by slice in order. The first and the last slice can be part of an org (an offset or a
 * limit into it) and are read alone; the slices between are whole orgs with fewer users together than a page, read
 * at once.
 */
async function readSlices(services: Services, slices: readonly PageSlice[], search: string) {
  if (slices.length === 0) return [];
  const first = slices[0]!;
  const last = slices.length > 1 ? slices[slices.length - 1]! : null;
  const between = slices.slice(1, last ? -1 : undefined);
  const [head, middle, tail] = await Promise.all([
    readSlice(services, search, [], first),
    between.length === 0
      ? []
      : readSlice(
          services,
          search,
          between.map((s) => s.org.id),
          null,
        ),
    last ? readSlice(services, search, [], last) : [],
  ]);
  return [...head, ...middle, ...tail];
}

/**
 * The users of `orgIds` matching the search, in the list's order. One org's slice reads only that org's users, by
 * name, through the `users_org_name` index (org_id, name_lower), which is unique: the name alone orders them. The
 * whole orgs between are together fewer than a page, sorted as they come.
 */
function readSlice(services: Services, search: string, orgIds: readonly string[], window: PageSlice | null) {
  let query = matchingUsers(services, { kind: 'all' }, search)
    .innerJoin('orgs', 'orgs.id', 'users.org_id')
    .innerJoin('roles', 'roles.id', 'users.role_id')
    .select([
      'users.id',
      'users.name',
      'users.full_name',
      'users.email',
      'users.org_id',
      'orgs.name as org_name',
      'roles.name as role_name',
      'users.is_enabled',
      'users.totp_enabled',
      'users.totp_locked_until',
      'users.password_locked_until',
    ]);
  if (window)
    return query.where('users.org_id', '=', window.org.id).orderBy('users.name_lower').limit(window.limit).offset(window.offset).execute();
  return query.where('users.org_id', 'in', orgIds).orderBy('orgs.name_lower').orderBy('users.name_lower').execute();
}

/** Each user's live API tokens (issued, neither revoked nor expired): the users list's and a user page's count. */
export async function liveTokenCounts(services: Services, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await services.store.db
    .selectFrom('api_tokens')
    .select(['api_tokens.user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('api_tokens.revoked_at', 'is', null)
    .where(unexpiredAt(Date.now()))
    .where('api_tokens.secret_hash', 'is not', null)
    .where('api_tokens.user_id', 'in', userIds)
    .groupBy('api_tokens.user_id')
    .execute();
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}
