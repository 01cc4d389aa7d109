/**
 * An org's API-token policy gains "revoke tokens unused for N days" (auth/api-token-policy.ts, auth/idle-tokens.ts):
 * `max_token_idle_days`, null for no limit (VCD's behaviour, and every org's until this migration). One nullable
 * column: instant on PostgreSQL, and a node still on the previous release ignores it.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('orgs').addColumn('max_token_idle_days', 'integer').execute();
}
