/**
 * `revocations (subject, kind)`: the writes that re-read, inside their transaction, whether their session was cut off
 * (auth/session-stands.ts) look a subject's cut-offs up by its id. A service account's session reads them on every
 * such write (each batch of an inventory sync agent, since 2026-12-07), a user's after a cut-off; without an index
 * each read walked every revocation still relevant (thousands on a busy store: every revoked token and sign-out of
 * the last access-token lifetime). The table only holds rows still relevant, so the index stays as small.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('revocations_subject').on('revocations').columns(['subject', 'kind']).execute();
}
