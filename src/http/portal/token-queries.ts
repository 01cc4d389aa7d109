/**
 * The portal's reads of API tokens and users. Lists show issued tokens: live ones, and revoked or expired ones
 * (greyed, with when and by whom) until housekeeping deletes them after their retention
 * (config revokedTokenRetentionDays). One registered but never issued is cleaned up by the create flow. Usage
 * comes from the API-token service, so this node's not-yet-flushed "last used" wins over the stored row.
 */
import { sql, type SqlBool } from 'kysely';
import type { Services } from '../context.js';
import type { ApiTokenRow } from '../../store/store.js';
import { searchPattern } from './user-queries.js';
import { IDLE_REVOCATION_VIA } from '../../auth/api-tokens.js';
import { nameKey } from '../../domain/user-name.js';

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
  readonly revokedAt: number | null;
  /** Who revoked it (user name), when known; null for the token's holder (RFC 7009) or an unknown user. */
  readonly revokedBy: string | null;
  /** Set when a Regenerate replaced this token (it then stops at its expiry: the end of the grace). */
  readonly replaced: boolean;
  /**
   * How a token revoked by no recorded user (`revokedBy` null) ended, read from the audit trail (revocationCauses);
   * absent or null when the trail does not say (its events were pruned, or they never matched).
   */
  readonly revokedHow?: RevocationCause | null;
}

/**
 * Why a token with no `revoked_by` was revoked. The store records who revoked a token only for a revoke of that one
 * token (the owner or an administrator); `revoked_by` is null for the other three ways a token ends early
 * (auth/api-tokens.ts): RFC 7009 revocation by whoever holds the token, and `revokeAllOf` when a password change
 * asked for it ("Also revoke all my API tokens", or `revokeApiTokens` on the cloudapi) or the account was disabled.
 * The audit trail tells them apart: the RFC 7009 revocation is an `apiToken.revoked` event of that token with no
 * actor; the other two are the owner's `user.passwordChanged` or `user.updated` event with `tokensRevoked`, written
 * right after the revocation.
 */
export type RevocationCause =
  | { readonly kind: 'holder' }
  | { readonly kind: 'idle'; readonly days: number | null }
  | { readonly kind: 'password-changed'; readonly byOwner: boolean; readonly actorName: string }
  | { readonly kind: 'account-disabled'; readonly actorName: string };

/** How long after a revocation its audit event may be written (it follows the revocation within the same request). */
const CAUSE_WINDOW_MS = 60_000;
/** At most this many distinct revocation instants are looked up for one list; the rest say only when. */
const MAX_CAUSE_LOOKUPS = 25;

/**
 * Fills `revokedHow` of the revoked tokens that have no `revokedBy`: one indexed read of the audit trail (org, time)
 * per distinct revocation instant (a password change revokes all of a user's tokens at the same instant).
 */
export async function withRevocationCauses(services: Services, items: TokenListItem[]): Promise<TokenListItem[]> {
  const unexplained = items.filter((t) => t.revokedAt !== null && t.revokedBy === null);
  if (unexplained.length === 0) return items;
  const groups = new Map<string, TokenListItem[]>();
  for (const t of unexplained) {
    const key = `${t.orgId}|${t.revokedAt}`;
    const group = groups.get(key);
    if (group) group.push(t);
    else if (groups.size < MAX_CAUSE_LOOKUPS) groups.set(key, [t]);
  }
  const causes = new Map<string, RevocationCause>();
  for (const group of groups.values()) {
    const { orgId, revokedAt } = group[0]!;
    const events = await services.store.db
      .selectFrom('audit_events')
      .select(['event_type', 'actor_id', 'actor_name', 'token_id', 'details'])
      .where('org_id', '=', orgId)
      .where('at', '>=', revokedAt!)
      .where('at', '<=', revokedAt! + CAUSE_WINDOW_MS)
      .where('event_type', 'in', ['apiToken.revoked', 'user.passwordChanged', 'user.updated'])
      .where('outcome', '=', 'success')
      .orderBy('at')
      .limit(200)
      .execute();
    for (const t of group) {
      const cause = causeOf(t, events);
      if (cause) causes.set(t.id, cause);
    }
  }
  return items.map((t) => (causes.has(t.id) ? { ...t, revokedHow: causes.get(t.id)! } : t));
}

function causeOf(
  t: TokenListItem,
  events: ReadonlyArray<{
    event_type: string;
    actor_id: string | null;
    actor_name: string | null;
    token_id: string | null;
    details: string;
  }>,
): RevocationCause | null {
  for (const e of events) {
    let details: Record<string, unknown>;
    try {
      details = JSON.parse(e.details) as Record<string, unknown>;
    } catch {
      details = {};
    }
    if (e.event_type === 'apiToken.revoked' && e.token_id === t.id && e.actor_id === null) {
      // Nobody's act: its holder's RFC 7009 revocation, or the org's idle limit (auth/idle-tokens.ts).
      if (details.via !== IDLE_REVOCATION_VIA) return { kind: 'holder' };
      return { kind: 'idle', days: typeof details.idleDays === 'number' ? details.idleDays : null };
    }
    if (e.event_type !== 'user.passwordChanged' && e.event_type !== 'user.updated') continue;
    if (details.userId !== t.ownerId || details.tokensRevoked !== true) continue;
    const actorName = e.actor_name ?? '';
    if (details.disabled === true) return { kind: 'account-disabled', actorName };
    if (e.event_type === 'user.passwordChanged') return { kind: 'password-changed', byOwner: e.actor_id === t.ownerId, actorName };
  }
  return null;
}

/** Seven days ahead, as GitHub warns: long enough to plan a rotation, short enough not to cry wolf. */
export const EXPIRING_SOON_MS = 7 * 86_400_000;

export type TokenStatus = 'active' | 'expiring-soon' | 'expired' | 'revoked' | 'replaced';

/** What a list shows for a token now. A replaced token in its grace counts as expiring (it is, at the grace's end). */
export function tokenStatus(t: Pick<TokenListItem, 'revokedAt' | 'expiresAt' | 'replaced'>, now = Date.now()): TokenStatus {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt !== null && t.expiresAt <= now) return t.replaced ? 'replaced' : 'expired';
  if (t.expiresAt !== null && t.expiresAt - now <= EXPIRING_SOON_MS) return 'expiring-soon';
  return 'active';
}

export function isLive(t: Pick<TokenListItem, 'revokedAt' | 'expiresAt'>, now = Date.now()): boolean {
  return t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now);
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

/** More live tokens than a user's own Access Tokens list shows (listOwnApiTokens); the list says so and what to do. */
export const TOKEN_LIST_LIMIT = 500;

/** Administration's token lists (an org's, the provider's, one user's): rows a page, as the Users list. */
export const TOKEN_PAGE_SIZE = 25;

/** Issued (minted) tokens with their owner's, org's and revoker's names: what every token list shows. */
function issuedTokens(services: Services) {
  return services.store.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .innerJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .leftJoin('users as revoker', 'revoker.id', 'api_tokens.revoked_by')
    .selectAll('api_tokens')
    .select(['users.name as owner_name', 'orgs.name as org_name', 'revoker.name as revoked_by_name'])
    .where('api_tokens.secret_hash', 'is not', null);
}

/**
 * One page of the issued tokens in scope (Administration > API Tokens, the provider's every-org list, one user's
 * tokens), searched and paged in SQL as the Users list is (user-queries.ts): until 2026-12-06 these lists read the
 * first 500 rows and said "Only the first tokens are shown", with no way to the others.
 *
 * Search: the token's name, and the owner's user name (not on one user's list, where it is always the same), and on
 * the provider's every-org list the org's name; case-insensitive, as a literal (LIKE's wildcards escaped).
 *
 * Order: org, owner, live before revoked, newest first, then id: a total order (the id is unique), so consecutive
 * pages never repeat or skip a row. The page's ids are found first (the sort carries only the keys), then those rows
 * are read with their names. An org's list reads its tokens through the `api_tokens_org` index (org_id, created_at),
 * one user's through `api_tokens_user`; sorting by owner name needs the join, so a page sorts the matching tokens of
 * its scope (no index holds the owner's name): about 10 ms for an org of 20,000 tokens on SQLite.
 */
export async function listApiTokensPage(
  services: Services,
  scope: TokenListScope,
  input: { search: string; page: number; pageSize?: number; filter?: TokenFilter; now?: number },
): Promise<{ total: number; items: TokenListItem[] }> {
  const pageSize = input.pageSize ?? TOKEN_PAGE_SIZE;
  const matching = matchingTokens(services, scope, input.search, input.filter ?? NO_FILTER, input.now ?? Date.now());
  const [count, page] = await Promise.all([
    matching.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    matching
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .innerJoin('orgs', 'orgs.id', 'api_tokens.org_id')
      .select('api_tokens.id')
      .orderBy('orgs.name')
      .orderBy('users.name')
      // Live tokens first; revoked ones (kept until their retention ends) after them.
      .orderBy((eb) => eb.case().when('api_tokens.revoked_at', 'is', null).then(0).else(1).end())
      .orderBy('api_tokens.created_at', 'desc')
      .orderBy('api_tokens.id')
      .limit(pageSize)
      .offset((input.page - 1) * pageSize)
      .execute(),
  ]);
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  const total = Number(count.n);
  const ids = page.map((r) => r.id);
  if (ids.length === 0) return { total, items: [] };
  const byId = new Map((await issuedTokens(services).where('api_tokens.id', 'in', ids).execute()).map((row) => [row.id, row]));
  // A row deleted between the two reads (housekeeping, an org deleted) is left out of the page.
  const rows = ids.map((id) => byId.get(id)).filter((row) => row !== undefined);
  const roleNames = await scopeRoleNames(services, rows);
  const items = rows.map((row) => toListItem(services, row, row.owner_name, row.org_name, roleNames, row.revoked_by_name));
  return { total, items: await withRevocationCauses(services, items) };
}

/**
 * The state filter of Administration's token lists. `active`, `expiring`, `expired` and `revoked` split the issued
 * tokens as the lists' badges do (tokenStatus: `expiring` is live and ends within 7 days, `expired` includes a
 * regenerated token whose grace ended); `never-used` and `unused` are live tokens (not revoked, not expired): never
 * exchanged, or not exchanged for `unusedDays` days (one never used counts from its creation).
 */
export const TOKEN_STATES = ['active', 'expiring', 'expired', 'revoked', 'never-used', 'unused'] as const;
export type TokenStateFilter = (typeof TOKEN_STATES)[number];

export interface TokenFilter {
  /** '' for every state. */
  readonly state: TokenStateFilter | '';
  /** With state `unused`: how many days without an exchange (1 to MAX_UNUSED_DAYS). */
  readonly unusedDays: number | null;
  /** The owner's user name, exactly (any case); '' for every owner. */
  readonly owner: string;
}

export const NO_FILTER: TokenFilter = { state: '', unusedDays: null, owner: '' };
export const MAX_UNUSED_DAYS = 3650;
/** `unused` without a number of days: the question the lists are asked most ("unused for 90 days"). */
export const DEFAULT_UNUSED_DAYS = 90;

/** The filter's states that only live tokens are in (a bulk revoke of another state has nothing to do). */
export function isLiveState(state: TokenFilter['state']): boolean {
  return state === 'active' || state === 'expiring' || state === 'never-used' || state === 'unused';
}

/**
 * The issued tokens of `scope` that match the search, the owner and the state, as a query on `api_tokens` alone (no
 * joins: the owner's and org's names are matched through subqueries, so that a count reads the scope's index). The
 * lists, their counts per state and the bulk revoke all read it, so the three can never disagree.
 */
export function matchingTokens(services: Services, scope: TokenListScope, search: string, filter: TokenFilter, now: number) {
  const db = services.store.db;
  // The matching tokens, without joins: the owner's and org's names are searched through subqueries, so that the
  // count reads the scope's index alone. Joined, SQLite's planner counted an org's tokens by walking every user of
  // every org and each user's tokens (52 ms instead of 5 at 20,000 tokens in each of two orgs).
  let matching = db.selectFrom('api_tokens').where('api_tokens.secret_hash', 'is not', null);
  if (scope.kind === 'user') matching = matching.where('api_tokens.user_id', '=', scope.userId);
  if (scope.kind === 'org') matching = matching.where('api_tokens.org_id', '=', scope.orgId);
  if (filter.owner !== '') {
    // The name as a sign-in reads it (Store.getUserByName): any case, and any Unicode form (`jose` + U+0301 typed on a
    // Mac, fullwidth `ｂｏｂ` from an IME) of the stored NFKC name. Until 2026-12-06 only the case was ignored, so the
    // owner filter (and a bulk revoke of "all matching" it) found none of a user's tokens that their sign-in found.
    const owners = sql.join([...new Set([filter.owner.toLowerCase(), nameKey(filter.owner)])]);
    matching = matching.where(
      scope.kind === 'org'
        ? sql<SqlBool>`api_tokens.user_id in (select users.id from users where users.org_id = ${scope.orgId} and users.name_lower in (${owners}))`
        : sql<SqlBool>`api_tokens.user_id in (select users.id from users where users.name_lower in (${owners}))`,
    );
  }
  const soon = now + EXPIRING_SOON_MS;
  const live = sql<SqlBool>`(api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > ${now}))`;
  switch (filter.state) {
    case 'active':
      matching = matching.where(
        sql<SqlBool>`api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > ${soon})`,
      );
      break;
    case 'expiring':
      matching = matching.where(
        sql<SqlBool>`api_tokens.revoked_at is null and api_tokens.expires_at > ${now} and api_tokens.expires_at <= ${soon}`,
      );
      break;
    case 'expired':
      matching = matching.where(sql<SqlBool>`api_tokens.revoked_at is null and api_tokens.expires_at <= ${now}`);
      break;
    case 'revoked':
      matching = matching.where('api_tokens.revoked_at', 'is not', null);
      break;
    case 'never-used':
      matching = matching.where(live).where('api_tokens.last_used_at', 'is', null);
      break;
    case 'unused': {
      const cutoff = now - (filter.unusedDays ?? DEFAULT_UNUSED_DAYS) * 86_400_000;
      matching = matching
        .where(live)
        .where(
          sql<SqlBool>`(api_tokens.last_used_at < ${cutoff} or (api_tokens.last_used_at is null and api_tokens.created_at < ${cutoff}))`,
        );
      break;
    }
  }
  if (search !== '') {
    const pattern = searchPattern(search);
    // `\` is the escape character on both backends (SQLite has no default one; PostgreSQL's is `\` already).
    const like = sql`like ${pattern} escape '\\'`;
    const conditions = [sql`${services.store.searchKey(sql.ref('api_tokens.name'))} ${like}`];
    if (scope.kind === 'org') {
      conditions.push(
        sql`api_tokens.user_id in (select users.id from users where users.org_id = ${scope.orgId} and users.name_lower ${like})`,
      );
    }
    if (scope.kind === 'all') {
      conditions.push(sql`api_tokens.user_id in (select users.id from users where users.name_lower ${like})`);
      conditions.push(sql`api_tokens.org_id in (select orgs.id from orgs where ${services.store.searchKey(sql.ref('orgs.name'))} ${like})`);
    }
    matching = matching.where(sql<SqlBool>`(${sql.join(conditions, sql` or `)})`);
  }
  return matching;
}

/** How many tokens of a list (its scope, search and owner; any state) are in each state: the filter's counts. */
export type TokenStateCounts = Record<Exclude<TokenStateFilter, 'unused'>, number>;

/**
 * The counts beside the state filter: one aggregate over the tokens the list's search and owner match (the scope's
 * index, as the list's own count), whatever state is chosen.
 */
export async function tokenStateCounts(
  services: Services,
  scope: TokenListScope,
  search: string,
  owner: string,
  now: number,
): Promise<TokenStateCounts> {
  const soon = now + EXPIRING_SOON_MS;
  const n = (condition: ReturnType<typeof sql>) => sql<number | string>`sum(case when ${condition} then 1 else 0 end)`;
  const row = await matchingTokens(services, scope, search, { ...NO_FILTER, owner }, now)
    .select([
      n(sql`api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > ${soon})`).as('active'),
      n(sql`api_tokens.revoked_at is null and api_tokens.expires_at > ${now} and api_tokens.expires_at <= ${soon}`).as('expiring'),
      n(sql`api_tokens.revoked_at is null and api_tokens.expires_at <= ${now}`).as('expired'),
      n(sql`api_tokens.revoked_at is not null`).as('revoked'),
      n(
        sql`api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > ${now}) and api_tokens.last_used_at is null`,
      ).as('neverUsed'),
    ])
    .executeTakeFirstOrThrow();
  // An empty set sums to NULL; PostgreSQL answers sums of integers as strings.
  const num = (v: number | string | null) => Number(v ?? 0);
  return {
    active: num(row.active),
    expiring: num(row.expiring),
    expired: num(row.expired),
    revoked: num(row.revoked),
    'never-used': num(row.neverUsed),
  };
}

/** Ended tokens a user's own page shows by default: the most recently ended; the rest behind "Show all". */
export const RECENT_ENDED_SHOWN = 10;

export interface OwnTokenList {
  items: TokenListItem[];
  /** More live tokens than TOKEN_LIST_LIMIT (the unpaged read only: Home's count). */
  truncated: boolean;
  /** The live tokens matching the search, of which one page is in `items` (the paged read). */
  liveTotal: number;
  /** Revoked tokens kept (retention) that match the search, of which the newest `endedShown` are in `items`. */
  endedTotal: number;
  endedShown: number;
}

/**
 * A user's own tokens (User preferences > Access Tokens): the live ones, newest first, then the `endedShown` most
 * recently revoked. Revoked tokens are kept listed for the retention period (30 days by default), so a user or
 * script that cycles tokens gathers thousands of them; reading and rendering them all made the page's cost grow with
 * that history (a soak saw it triple in half an hour). Both reads are bounded and indexed (api_tokens_user_live;
 * api_tokens_user_ended of migration 0015), and the count of ended ones is index-only.
 *
 * `page` (User preferences since 2026-12-07): one page of `pageSize` live tokens and their count, and the revoked
 * ones after them on the last page only, so the list reads as one: live, then revoked. Without it (Home): every live
 * token up to TOKEN_LIST_LIMIT. `search` narrows both to the names that contain it (as Administration's lists).
 */
export async function listOwnApiTokens(
  services: Services,
  userId: string,
  options: { endedShown: number; search?: string; page?: number; pageSize?: number },
): Promise<OwnTokenList> {
  const db = services.store.db;
  const search = options.search ?? '';
  // The name search of Administration's lists (matchingTokens): the name as typed, anywhere, in the names' own key.
  const nameMatches = sql<SqlBool>`${services.store.searchKey(sql.ref('api_tokens.name'))} like ${searchPattern(search)} escape '\\'`;
  const mine = issuedTokens(services).where('api_tokens.user_id', '=', userId);
  const base = search === '' ? mine : mine.where(nameMatches);
  const paged = options.page !== undefined;
  const pageSize = options.pageSize ?? TOKEN_PAGE_SIZE;
  const liveQuery = base.where('api_tokens.revoked_at', 'is', null).orderBy('api_tokens.created_at', 'desc').orderBy('api_tokens.id');
  const countOf = (revoked: boolean) => {
    const counted = db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .where('revoked_at', revoked ? 'is not' : 'is', null)
      .where(revoked ? 'minted_at' : 'secret_hash', 'is not', null);
    return search === '' ? counted : counted.where(nameMatches);
  };
  const [live, liveCount, endedCount] = await Promise.all([
    paged
      ? liveQuery
          .limit(pageSize)
          .offset((options.page! - 1) * pageSize)
          .execute()
      : liveQuery.limit(TOKEN_LIST_LIMIT + 1).execute(),
    paged ? countOf(false).executeTakeFirstOrThrow() : Promise.resolve({ n: 0 }),
    countOf(true).executeTakeFirstOrThrow(),
  ]);
  const liveTotal = paged ? Number(liveCount.n) : Math.min(live.length, TOKEN_LIST_LIMIT);
  // The revoked ones close the list: on its last page (the first when no token is live), never on a page past it.
  const lastPage = Math.max(1, Math.ceil(liveTotal / pageSize));
  const endedHere = options.endedShown > 0 && (!paged || options.page === lastPage);
  const ended = endedHere
    ? await base
        .where('api_tokens.revoked_at', 'is not', null)
        .where('api_tokens.minted_at', 'is not', null)
        .orderBy('api_tokens.revoked_at', 'desc')
        .orderBy('api_tokens.id')
        .limit(options.endedShown)
        .execute()
    : [];
  const rows = [...live.slice(0, TOKEN_LIST_LIMIT), ...ended];
  const roleNames = await scopeRoleNames(services, rows);
  return {
    items: await withRevocationCauses(
      services,
      rows.map((row) => toListItem(services, row, row.owner_name, row.org_name, roleNames, row.revoked_by_name)),
    ),
    truncated: !paged && live.length > TOKEN_LIST_LIMIT,
    liveTotal,
    endedTotal: Number(endedCount.n),
    endedShown: ended.length,
  };
}

export function toListItem(
  services: Services,
  row: ApiTokenRow,
  ownerName: string,
  orgName: string,
  roleNames: ReadonlyMap<string, string> = new Map(),
  revokedByName: string | null = null,
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
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: revokedByName,
    replaced: row.replaced_by !== null,
  };
}
