/**
 * The token list's default page (created_at, id order, no filter, no sort) from the partial indexes of migration
 * 0015 alone: the page's ids never read a table row, so an org's page stays fast at 10,000 tokens and a deep page
 * is an index walk, not 5,000 row reads (issue 16 §3). The total of an org's list, or of every org's, is the count
 * the database keeps per org (migration 0018), not a count of index entries.
 *
 * The list's visibility rule is "live, and minted or the caller's own": an unminted registration is its owner's
 * business only. The minted-only indexes answer that rule exactly when the caller has no unminted registration in
 * scope, which is checked first (registrations are limited and removed after 15 minutes, so this is nearly always
 * true); otherwise `null` sends the caller to the general query, which is correct for every case, only slower.
 * No join: api_tokens.user_id and org_id are foreign keys with ON DELETE CASCADE, so every row has its user and org.
 *
 * A deep page of an org's list (or of every org's) starts from the nearest position this node remembers for the
 * list as it stands (store/token-list-anchors.ts): a seek in the index, then a short walk, instead of a walk past
 * every entry before the page.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from './schema.js';
import { LISTED_TOKEN_COLUMNS, type Store } from './store.js';
import type { Dialect } from './dialect.js';

/**
 * What the list reads through: every statement here has a text fixed by its scope (values are parameters), so on
 * PostgreSQL each is prepared once per connection (`store.runPrepared`), which saves parsing it again on every page.
 * Not planning: PostgreSQL keeps choosing a custom plan for these, made at each bind (0.2-0.55 ms a statement,
 * docs/performance.md §3), which is why fewer statements per page is what helps here.
 */
export type ListingStore = Pick<Store, 'db' | 'dialect' | 'runPrepared' | 'tokenListAnchors'>;

export type TokenListScope = { kind: 'own' } | { kind: 'org'; orgId: string } | { kind: 'all' };

export interface IndexedTokenPage {
  total: number;
  /** The page's token ids, in list order. */
  ids: string[];
}

export async function indexedTokenPage(
  store: ListingStore,
  scope: TokenListScope,
  callerId: string,
  offset: number,
  limit: number,
): Promise<IndexedTokenPage | null> {
  const db = store.db;
  let listed = db.selectFrom('api_tokens').where('revoked_at', 'is', null);
  if (scope.kind === 'own') {
    // All of one's own live tokens are visible, minted or not (api_tokens_user_live). A user's own tokens are few
    // (what a person and their scripts made): counted by their index entries, walked to their page.
    listed = listed.where('user_id', '=', callerId);
    const total = Number((await store.runPrepared(listed.select((eb) => eb.fn.countAll<number | string>().as('n'))))[0]!.n);
    if (limit === 0 || offset >= total) return { total, ids: [] };
    const rows = await store.runPrepared(listed.select('id').orderBy('created_at').orderBy('id').limit(limit).offset(offset));
    return { total, ids: rows.map((r) => r.id) };
  }
  const { ownUnminted, count: total, changes } = await mintedLiveCountUnlessUnminted(store, scope, callerId);
  if (ownUnminted) return null;
  // Never walk an index past its end: a page beyond the list (a deep page number, given or forged) costs no more.
  if (limit === 0 || offset >= total) return { total, ids: [] };
  // Minted: the exact predicate of the partial indexes (minted_at is written with secret_hash), so both planners
  // read them alone.
  listed = listed.where('minted_at', 'is not', null);
  if (scope.kind === 'org') listed = listed.where('org_id', '=', scope.orgId);
  const list = scope.kind === 'org' ? `org:${scope.orgId}` : 'all';
  return { total, ids: await mintedPageIds(store, listed, list, changes, offset, limit) };
}

/**
 * A page of the minted-token list: from the nearest position remembered before it for the list as it stands at
 * `changes` (or from the list's start), skipping what lies between. The entry just before the page is read too,
 * when there is one, and remembered as the page's own start; a full page's last entry, as the next page's.
 * Two statement texts per scope, with and without the seek (offset and limit are parameters).
 */
async function mintedPageIds(
  store: ListingStore,
  listed: SelectQueryBuilder<DB, 'api_tokens', object>,
  list: string,
  changes: string,
  offset: number,
  limit: number,
): Promise<string[]> {
  const anchors = store.tokenListAnchors;
  const from = offset > 0 ? anchors.nearest(list, changes, offset) : undefined;
  const query = from
    ? listed.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(from.position.created_at, from.position.id)))
    : listed;
  const skip = offset - (from?.offset ?? 0);
  const before = skip > 0 ? 1 : 0;
  const rows = await store.runPrepared(
    query
      .select(['created_at', 'id'])
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit + before)
      .offset(skip - before),
  );
  if (before === 1 && rows.length > 0) anchors.remember(list, changes, offset, rows[0]!);
  const page = before === 1 ? rows.slice(1) : rows;
  if (page.length === limit) anchors.remember(list, changes, offset + limit, page[limit - 1]!);
  return page.map((r) => r.id);
}

/**
 * In one statement, so one round trip: whether the caller has an unminted registration (any, live or not, in this
 * scope or not: a cheap superset, read from the small api_tokens_user_unminted index alone), which sends them to
 * the general query; and the org's, or every org's, live minted tokens as the database keeps them (migration
 * 0018): one row per org, so the total of an org of 10,000 tokens, or of the System org's list of a million,
 * costs no more than of ten. With them, the list's change number (migration 0019), which keys the positions
 * remembered for its pages.
 */
async function mintedLiveCountUnlessUnminted(
  store: ListingStore,
  scope: Exclude<TokenListScope, { kind: 'own' }>,
  callerId: string,
): Promise<{ ownUnminted: boolean; count: number; changes: string }> {
  const [row] = await store.runPrepared(ownUnmintedAndMintedLiveCount(store.db, scope, callerId));
  // EXISTS is a boolean on PostgreSQL, 0 or 1 on SQLite.
  return { ownUnminted: Number(row?.own_unminted ?? 0) !== 0, count: Number(row?.n ?? 0), changes: String(row?.changes ?? 0) };
}

/** The statement of `mintedLiveCountUnlessUnminted` (exported for the plan checks of its tests). */
export function ownUnmintedAndMintedLiveCount(db: Kysely<DB>, scope: Exclude<TokenListScope, { kind: 'own' }>, callerId: string) {
  return db.selectNoFrom((eb) => {
    let counts = eb.selectFrom('api_token_counts');
    if (scope.kind === 'org') counts = counts.where('org_id', '=', scope.orgId);
    return [
      eb
        .exists(eb.selectFrom('api_tokens').select('user_id').where('user_id', '=', callerId).where('minted_at', 'is', null))
        .as('own_unminted'),
      // PostgreSQL answers sum() of integers as a bigint string (node-stack pitfall 8).
      counts.select((c) => c.fn.sum<number | string | null>('minted_live').as('n')).as('n'),
      // The list's change number (migration 0019): summed over every org for the System org's list.
      counts.select((c) => c.fn.sum<number | string | null>('list_changes').as('changes')).as('changes'),
    ];
  });
}

/**
 * The rows of a page's ids, with their owner's and org's names, read by primary key. No scope condition beside
 * `id IN (...)`: with the org's `org_id = ?` SQLite's planner could walk the org's index instead (10,000 rows for 25),
 * and before migration 0017 `revoked_at IS NULL` alone made it walk every live token (see that migration).
 * test/store/planner-without-statistics.test.ts checks the plan on a store that has no statistics yet.
 * On PostgreSQL the ids go in as one array (`= any($1)`), so the text is the same for a page of any size and can
 * be prepared; SQLite has no arrays, and keeps each size's statement in its statement cache.
 */
export function listedTokensByIds(db: Kysely<DB>, ids: readonly string[], dialect: Dialect) {
  const rows = db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .innerJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .select([...LISTED_TOKEN_COLUMNS, 'users.name as owner_name', 'orgs.name as org_name'])
    .where('api_tokens.revoked_at', 'is', null);
  return dialect === 'postgres'
    ? rows.where(sql<boolean>`api_tokens.id = any(${[...ids]}::text[])`)
    : rows.where('api_tokens.id', 'in', ids);
}

/** A page's rows in the page's order (a token revoked between the two reads is simply not on it). */
export async function readListedTokens(store: ListingStore, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await store.runPrepared(listedTokensByIds(store.db, ids, store.dialect));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
