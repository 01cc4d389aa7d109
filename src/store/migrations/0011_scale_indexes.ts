/**
 * Indexes for scale (issue 16 §3-§4), both dialects:
 * - `vms_org_status_name`: the query service's status filter (`filter=status==POWERED_ON`, sorted by name as
 *   every VM page is) walks an index in page order instead of filtering all of an org's VMs;
 * - `api_tokens_user_live` / `api_tokens_org_live`: partial indexes over live (unrevoked) tokens only, in the
 *   listing's order (created_at, id), so listing one user's tokens or one org's page, and their counts, touch
 *   live rows only, however many revoked ones a long-lived store has gathered. (Not (…, created_at, id): with that
 *   shape SQLite's planner preferred the full api_tokens_user index; test/store/growth-indexes.test.ts checks it.)
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('vms_org_status_name').on('vms').columns(['org_id', 'status', 'name', 'id']).execute();
  await db.schema
    .createIndex('api_tokens_user_live')
    .on('api_tokens')
    .columns(['user_id', 'created_at'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('api_tokens_org_live')
    .on('api_tokens')
    .columns(['org_id', 'created_at'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['vms_org_status_name', 'api_tokens_user_live', 'api_tokens_org_live']) await db.schema.dropIndex(name).execute();
}
