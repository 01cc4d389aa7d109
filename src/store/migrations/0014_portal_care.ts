/**
 * Issue 14 §5: the time zone a user chose in User preferences (an IANA name such as `Europe/Paris`, validated
 * against the runtime's list before it is stored); null shows UTC. Dates are still stored as UTC epoch ms: the
 * zone only changes how the portal shows them and how it reads a date typed into a form.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('time_zone', 'text').execute();
}
