/**
 * A user-level revocation ("every session issued before T") may spare one session: the one that changed the
 * password keeps working while every other session of the user ends (ASVS 7.4.3: terminate *other* sessions).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('revocations').addColumn('keep_session', 'text').execute();
}
