/**
 * What VCD's admin API writes and Terraform reads back (issue 12): an org's settings (JSON, shaped and
 * defaulted by domain/org-settings.ts; `{}` means the defaults, so existing orgs need no backfill) and the
 * User document's profile fields that had no column.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('orgs')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  for (const column of ['description', 'telephone', 'im']) {
    await db.schema
      .alterTable('users')
      .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
      .execute();
  }
}
