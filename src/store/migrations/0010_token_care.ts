/**
 * Token care and two-factor recovery (issue 14 §3-§4):
 * - `api_tokens.revoked_by`: who revoked a token (a user id; null when its holder revoked it through RFC 7009
 *   or nobody did), so that revoked tokens can stay listed with when and by whom until their retention ends.
 * - `api_tokens.replaced_by`: the token a Regenerate made in its place (its id), shown on the old one.
 * - `totp_recovery_codes`: one row per recovery code, its keyed hash only (auth/recovery-codes.ts), spent once.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('revoked_by', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('replaced_by', 'text').execute();
  await db.schema
    .createTable('totp_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('totp_recovery_codes_user').on('totp_recovery_codes').column('user_id').execute();
  // Retention of revoked and expired tokens (housekeeping deletes by these times).
  await db.schema.createIndex('api_tokens_revoked_at').on('api_tokens').column('revoked_at').execute();
}
