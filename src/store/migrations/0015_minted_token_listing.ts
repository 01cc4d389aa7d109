/**
 * Index-only listing of minted live tokens (issue 16 §3: an org's page of 10,000 tokens under 5 ms).
 *
 * The token list shows every live, minted token in scope, plus the caller's own registrations not minted yet
 * (an unminted registration is its owner's business only). That `secret_hash IS NOT NULL OR user_id = me` rule
 * made the count and each OFFSET step read the table row behind every index entry of `api_tokens_org_live`.
 * These partial indexes hold exactly the minted live tokens, keyed in the listing's order with `id` included, so
 * the count and the page's ids come from the index alone. "Minted" is `minted_at IS NOT NULL` here: it is set in
 * the same write as `secret_hash` and never cleared, and SQLite counts a partial index as covering only when the
 * columns of its own predicate are in it too (so `revoked_at` and `minted_at` are, and the 64-character hash is
 * not); src/http/cloudapi/token-list-page.ts uses them when the
 * caller has no unminted registration in scope (a registration lives 15 minutes at most, so nearly always).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  // Whether a user has a registration not minted yet (token-listing.ts asks before every indexed page): the
  // predicate's column is in the index, so the answer is read from it alone.
  await db.schema
    .createIndex('api_tokens_user_unminted')
    .on('api_tokens')
    .columns(['user_id', 'minted_at'])
    .where(sql.ref('minted_at'), 'is', null)
    .execute();
  // A user's revoked tokens, newest first (the portal's Access Tokens page shows the most recent few and counts
  // the rest: src/http/portal/token-queries.ts listOwnApiTokens), with the count read from the index alone.
  await db.schema
    .createIndex('api_tokens_user_ended')
    .on('api_tokens')
    .columns(['user_id', 'revoked_at', 'minted_at'])
    .where((eb) => eb.and([eb(sql.ref('revoked_at'), 'is not', null), eb(sql.ref('minted_at'), 'is not', null)]))
    .execute();
  await db.schema
    .createIndex('api_tokens_org_minted')
    .on('api_tokens')
    .columns(['org_id', 'created_at', 'id', 'revoked_at', 'minted_at'])
    .where((eb) => eb.and([eb(sql.ref('revoked_at'), 'is', null), eb(sql.ref('minted_at'), 'is not', null)]))
    .execute();
  await db.schema
    .createIndex('api_tokens_minted')
    .on('api_tokens')
    .columns(['created_at', 'id', 'revoked_at', 'minted_at'])
    .where((eb) => eb.and([eb(sql.ref('revoked_at'), 'is', null), eb(sql.ref('minted_at'), 'is not', null)]))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['api_tokens_org_minted', 'api_tokens_minted', 'api_tokens_user_ended', 'api_tokens_user_unminted'])
    await db.schema.dropIndex(name).execute();
}
