/**
 * Drops the retention index over every token's `revoked_at` (issue 16 §3, found at 200,000 tokens).
 *
 * `api_tokens_revoked_at` (migration 0010) indexed `revoked_at` for every row, live ones included under NULL.
 * Without statistics SQLite's planner takes an equality on an indexed column for a selective one, so queries with
 * `revoked_at IS NULL` beside a better condition walked every live token instead: reading one page's 25 tokens by
 * `id IN (...)` scanned all 200,000 live rows (230 ms; 100-200 ms per token-list request). Housekeeping, its only
 * reader, deletes by `revoked_at < cutoff` among revoked rows, which migration 0012's partial `api_tokens_revoked`
 * (`WHERE revoked_at IS NOT NULL`) already serves exactly, and which can never be chosen for `revoked_at IS NULL`.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('api_tokens_revoked_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('api_tokens_revoked_at').on('api_tokens').column('revoked_at').execute();
}
