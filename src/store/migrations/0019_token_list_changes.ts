/**
 * A number that moves whenever an org's token list changes (issue 16 §3: a deep page of the token list under 5 ms).
 *
 * `api_token_counts.list_changes` is bumped by the same triggers that keep `minted_live` (migration 0018), on every
 * change of that count: a token minted, revoked, deleted or moved into or out of the org. Those are exactly the
 * changes of the org's default list (live minted tokens in `(created_at, id)` order: the order of a token never
 * changes), so while the number is the same, so is every page of the list. A node that served a page remembers
 * where the page started, under that number (store/token-list-anchors.ts), and serves the same page or a later one
 * by seeking past that position in the index instead of walking `OFFSET` entries to it. Summed over every org, the
 * number does the same for the System org's list of every tenant's tokens.
 *
 * Decisions:
 * - A counter, not a timestamp: two changes in one millisecond must still differ, on any node's clock.
 * - Bumped once per statement and org on PostgreSQL's bulk inserts and deletes (the count's own granularity): the
 *   number only has to differ after a change, not to count changes.
 * - A trigger that fires without changing the list (an update of `revoked_at` from NULL to NULL) may bump it: a
 *   remembered position is then given up for nothing, never used wrongly.
 * - The triggers of 0018 are replaced, not joined by more: one trigger run per mint or revocation, as before.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import * as m0018 from './0018_minted_token_counts.js';

const counted = (row: 'NEW' | 'OLD') => `${row}.revoked_at IS NULL AND ${row}.minted_at IS NOT NULL`;
const increment = (row: 'NEW' | 'OLD') =>
  `INSERT INTO api_token_counts (org_id, minted_live, list_changes) VALUES (${row}.org_id, 1, 1)
     ON CONFLICT (org_id) DO UPDATE SET minted_live = api_token_counts.minted_live + 1,
       list_changes = api_token_counts.list_changes + 1`;
const decrement = (row: 'NEW' | 'OLD') =>
  `UPDATE api_token_counts SET minted_live = minted_live - 1, list_changes = list_changes + 1 WHERE org_id = ${row}.org_id`;

const SQLITE_TRIGGERS: ReadonlyArray<[name: string, when: string, body: string]> = [
  ['api_token_counts_insert', `AFTER INSERT ON api_tokens WHEN ${counted('NEW')}`, increment('NEW')],
  ['api_token_counts_delete', `AFTER DELETE ON api_tokens WHEN ${counted('OLD')}`, decrement('OLD')],
  ['api_token_counts_update_old', `AFTER UPDATE OF revoked_at, minted_at, org_id ON api_tokens WHEN ${counted('OLD')}`, decrement('OLD')],
  ['api_token_counts_update_new', `AFTER UPDATE OF revoked_at, minted_at, org_id ON api_tokens WHEN ${counted('NEW')}`, increment('NEW')],
];

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('api_token_counts')
    .addColumn('list_changes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (dialect === 'sqlite') {
    // SQLite cannot alter a trigger: each is dropped and created again with the bump, in this one transaction.
    for (const [name, when, body] of SQLITE_TRIGGERS) {
      await sql.raw(`DROP TRIGGER ${name}`).execute(db);
      await sql.raw(`CREATE TRIGGER ${name} ${when} BEGIN ${body}; END`).execute(db);
    }
    return;
  }
  // The triggers of 0018 stay; the functions they call are replaced.
  const applyDeltas = (rows: string, sign: '' | '-') =>
    `INSERT INTO api_token_counts (org_id, minted_live, list_changes)
       SELECT org_id, ${sign}count(*), 1 FROM ${rows} WHERE revoked_at IS NULL AND minted_at IS NOT NULL
       GROUP BY org_id ORDER BY org_id
     ON CONFLICT (org_id) DO UPDATE SET minted_live = api_token_counts.minted_live + excluded.minted_live,
       list_changes = api_token_counts.list_changes + 1`;
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION api_token_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${applyDeltas('added', '')}; RETURN NULL; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION api_token_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${applyDeltas('removed', '-')}; RETURN NULL; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION api_token_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF ${counted('OLD')} THEN ${decrement('OLD')}; END IF;
         IF ${counted('NEW')} THEN ${increment('NEW')}; END IF;
         RETURN NULL;
       END $$`,
    )
    .execute(db);
}

/** Back to 0018 as it was: its table and triggers made again, and the counts taken afresh from the rows. */
export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await m0018.down(db, dialect);
  await m0018.up(db, dialect);
}
