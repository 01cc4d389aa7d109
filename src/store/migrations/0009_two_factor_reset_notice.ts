/**
 * Issue 14 §2: when an administrator resets a user's two-factor authentication, the user is told once, at the
 * next sign-in (the portal's Home page). `two_factor_reset_at` holds when the reset happened (epoch ms) until the
 * notice has been shown; 0 = nothing to tell. A time rather than a flag, so the notice can say when.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('two_factor_reset_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
