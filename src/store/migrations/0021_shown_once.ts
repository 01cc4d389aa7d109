/**
 * Secrets the portal shows once (a new API token, new recovery codes) travel to the page that shows them in an
 * encrypted cookie; the browser drops it when that page clears it, but a client that keeps a copy (a script's
 * cookie jar that ignores the clearing, a proxy's log) could present it again. `shown_once` records each such
 * cookie's random id when its page is served: the primary key lets exactly one request, on any node, claim it, and
 * every later presentation finds it spent. Rows are deleted by housekeeping after `expires_at` (the cookie's own
 * end, after which it opens nowhere anyway). See src/http/portal/shown-once.ts.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('shown_once')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shown_once_expires').on('shown_once').column('expires_at').execute();
}

export async function down(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.dropTable('shown_once').execute();
}
