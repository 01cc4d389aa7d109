/**
 * A TOTP enrolment that is started but never confirmed lapses (auth/totp-enrolment.ts, TOTP_ENROLMENT_TTL_MS).
 * Until this migration the unconfirmed secret stayed in the user's row for good, and any later password session of
 * the user could show it again and confirm it: an enrolment planted by whoever once held a session, or one the user
 * forgot, waited to be confirmed months later with a key that others had seen. `totp_started_at` is when the
 * enrolment's key was made (epoch ms); 0 for every row before this migration, so an enrolment left unconfirmed
 * across the upgrade has lapsed (its user starts again: a new key, a minute's work).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('totp_started_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
