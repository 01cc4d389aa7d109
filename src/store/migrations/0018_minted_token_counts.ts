/**
 * How many live minted tokens each org has, kept by the database itself (issue 16 §3: a token page under 5 ms).
 *
 * The default token list page (store/token-listing.ts) read its total with `count(*)` over migration 0015's
 * index-only partial indexes. That is exact but proportional to the count: at 10,000 tokens in an org, 1.7 ms on
 * PostgreSQL with every index page all-visible (4 ms when usage updates had cleared the visibility map), and for the
 * System org's list of every tenant's tokens a scan of the whole table, 200 ms at a million tokens.
 *
 * `api_token_counts` holds one row per org: the number of its tokens that are live (`revoked_at IS NULL`) and
 * minted (`minted_at IS NOT NULL`), the exact predicate of those indexes. Triggers on `api_tokens` keep it, so every
 * writer is covered without the code having to remember: inserts, mints, revocations, housekeeping's deletes, the
 * cascades of a deleted user or org, and nodes of an older version during a rolling upgrade. The update triggers
 * fire only on `revoked_at`, `minted_at` and `org_id`: "last used" batches (every exchange, in bulk) never run them.
 *
 * Decisions:
 * - A row per org, not one global row: minting in two orgs never waits on the same row lock, and the System org's
 *   total is a sum over the orgs (a few hundred rows, not a million).
 * - No foreign key to `orgs`: deleting an org cascades its tokens, whose delete trigger still decrements the org's
 *   row in the same statement; a key would make that order matter. A deleted org's row stays at 0 and is harmless.
 * - A counted token always has its org's row, so a decrement only ever changes a row that exists.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The predicate of a counted token, for the row named `row` (NEW or OLD). */
const counted = (row: 'NEW' | 'OLD') => `${row}.revoked_at IS NULL AND ${row}.minted_at IS NOT NULL`;

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('api_token_counts')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('minted_live', 'integer', (c) => c.notNull())
    .execute();
  const increment = (row: 'NEW' | 'OLD') =>
    `INSERT INTO api_token_counts (org_id, minted_live) VALUES (${row}.org_id, 1)
       ON CONFLICT (org_id) DO UPDATE SET minted_live = api_token_counts.minted_live + 1`;
  const decrement = (row: 'NEW' | 'OLD') => `UPDATE api_token_counts SET minted_live = minted_live - 1 WHERE org_id = ${row}.org_id`;
  if (dialect === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER api_token_counts_insert AFTER INSERT ON api_tokens WHEN ${counted('NEW')}
         BEGIN ${increment('NEW')}; END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER api_token_counts_delete AFTER DELETE ON api_tokens WHEN ${counted('OLD')}
         BEGIN ${decrement('OLD')}; END`,
      )
      .execute(db);
    // Two triggers for an update, one per side, each with its own WHEN: SQLite has no IF inside a trigger.
    await sql
      .raw(
        `CREATE TRIGGER api_token_counts_update_old AFTER UPDATE OF revoked_at, minted_at, org_id ON api_tokens
         WHEN ${counted('OLD')} BEGIN ${decrement('OLD')}; END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER api_token_counts_update_new AFTER UPDATE OF revoked_at, minted_at, org_id ON api_tokens
         WHEN ${counted('NEW')} BEGIN ${increment('NEW')}; END`,
      )
      .execute(db);
    await backfill(db);
    return;
  }
  // PostgreSQL keeps every version of a row a transaction updates, and finds the newest by walking them: a row
  // trigger on an insert of 20,000 tokens updated its org's count 10,000 times in one statement, each update slower
  // than the last (the million-token bench's load went from 75 to 210 s). Inserts and deletes come in bulk (a
  // seed, an org's cascade, housekeeping), so they are counted per statement, from the statement's rows, in org
  // order (two statements spanning the same orgs lock their counts in the same order). An UPDATE trigger with a
  // transition table cannot name its columns and would run for every "last used" batch, so updates, which
  // change a token or a handful at a time (mint, revoke), keep a row trigger on the three columns alone.
  const applyDeltas = (rows: string, sign: '' | '-') =>
    `INSERT INTO api_token_counts (org_id, minted_live)
       SELECT org_id, ${sign}count(*) FROM ${rows} WHERE revoked_at IS NULL AND minted_at IS NOT NULL
       GROUP BY org_id ORDER BY org_id
     ON CONFLICT (org_id) DO UPDATE SET minted_live = api_token_counts.minted_live + excluded.minted_live`;
  await sql
    .raw(
      `CREATE FUNCTION api_token_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${applyDeltas('added', '')}; RETURN NULL; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE FUNCTION api_token_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${applyDeltas('removed', '-')}; RETURN NULL; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE FUNCTION api_token_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF ${counted('OLD')} THEN ${decrement('OLD')}; END IF;
         IF ${counted('NEW')} THEN ${increment('NEW')}; END IF;
         RETURN NULL;
       END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER api_token_counts_added AFTER INSERT ON api_tokens
       REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION api_token_counts_added()`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER api_token_counts_removed AFTER DELETE ON api_tokens
       REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION api_token_counts_removed()`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER api_token_counts_changed AFTER UPDATE OF revoked_at, minted_at, org_id ON api_tokens
       FOR EACH ROW EXECUTE FUNCTION api_token_counts_changed()`,
    )
    .execute(db);
  await backfill(db);
}

/**
 * The counts as they stand, taken after the triggers exist: on PostgreSQL creating the trigger locks `api_tokens`
 * against writes until this migration commits (nodes of the previous version may be minting meanwhile), so no
 * write can fall between this count and the triggers; the migration runs in one transaction.
 */
async function backfill(db: Kysely<any>): Promise<void> {
  await sql`insert into api_token_counts (org_id, minted_live)
    select org_id, count(*) from api_tokens where revoked_at is null and minted_at is not null group by org_id`.execute(db);
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const name of ['api_token_counts_insert', 'api_token_counts_delete', 'api_token_counts_update_old', 'api_token_counts_update_new'])
      await sql.raw(`DROP TRIGGER ${name}`).execute(db);
  } else {
    for (const name of ['api_token_counts_added', 'api_token_counts_removed', 'api_token_counts_changed']) {
      await sql.raw(`DROP TRIGGER ${name} ON api_tokens`).execute(db);
      await sql.raw(`DROP FUNCTION ${name}()`).execute(db);
    }
  }
  await db.schema.dropTable('api_token_counts').execute();
}
