/**
 * Indexes for what grows with time (issue 16 §7, docs/performance-soak.md).
 *
 * Lists of API tokens read live tokens only (`revoked_at is null`: the portal's Access Tokens page, the cloudapi
 * list, the administration pages), but the indexes of 0001 cover every token of a user or org, so each list read
 * walked past all the revoked ones too: a user who creates and revokes tokens made their own page slower every
 * day. Partial indexes over live tokens keep those reads proportional to what they return. The full indexes stay:
 * the audit view and deletes still look a user's tokens up whatever their state.
 *
 * Housekeeping (src/auth/housekeeping.ts) deletes dead API tokens, never-minted registrations and expired legacy
 * session ids every few minutes; without an index each of those deletes scanned the whole table (with a million
 * tokens, a stall of the event loop on SQLite every run). Partial indexes hold only the rows those deletes look
 * for. Sign-out and "end all sessions" delete legacy session ids by session and by user: indexed too.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  // The live-token list indexes (api_tokens_user_live, api_tokens_org_live) come with 0011.
  const live = sql.ref('revoked_at');
  await db.schema.createIndex('api_tokens_revoked').on('api_tokens').column('revoked_at').where(live, 'is not', null).execute();
  await db.schema
    .createIndex('api_tokens_expires')
    .on('api_tokens')
    .column('expires_at')
    .where(sql.ref('expires_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('api_tokens_unminted')
    .on('api_tokens')
    .column('created_at')
    .where(sql.ref('secret_hash'), 'is', null)
    .execute();
  await db.schema.createIndex('legacy_sessions_expires').on('legacy_sessions').column('expires_at').execute();
  await db.schema.createIndex('legacy_sessions_session').on('legacy_sessions').column('session_id').execute();
  await db.schema.createIndex('legacy_sessions_user').on('legacy_sessions').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'legacy_sessions_user',
    'legacy_sessions_session',
    'legacy_sessions_expires',
    'api_tokens_unminted',
    'api_tokens_expires',
    'api_tokens_revoked',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
