/**
 * A service account's authorization ends with its org's API-token lifetime policy (issue 13: "expiry covers
 * service-account tokens as it covers user tokens"). Rotation must not extend it, or a rotating token would
 * outlive any cap: the end is fixed when the device grant activates the account, and every refresh token and
 * session of that chain ends with it. Null: no limit (the org has none, or the account was activated before).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('service_accounts').addColumn('authorized_until', 'bigint').execute();
}
