/**
 * The address blocks each user signed in from with their password lately (auth/known-addresses.ts), newest first,
 * as a JSON array of `[block, epoch ms]`: while strangers have spent an account's budget of failed sign-ins, its
 * owner signing in from a known block is still let through. Empty for every user until their next sign-in.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('sign_in_addresses', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
