/**
 * VCD's account lockout (AdminOrg `OrgPasswordPolicySettings`, Terraform's `vcd_org` `account_lockout {}`), kept
 * in the store so that every node agrees on it: `password_failures` counts the user's consecutive wrong passwords
 * (incremented in the database by one statement, so a parallel burst is counted exactly), and
 * `password_locked_until` is when the lockout they caused ends (epoch ms; 0: not locked). Existing users start
 * unlocked with no failures. See src/auth/password-lockout.ts.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('password_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('password_locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_locked_until').execute();
  await db.schema.alterTable('users').dropColumn('password_failures').execute();
}
