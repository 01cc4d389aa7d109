/**
 * Catalogs are derived from the vApp templates (inventory/catalogs.ts): the query service's `catalog` records are
 * each catalog's oldest template, found with "no older template of the same org and catalog name", and count the
 * catalog's templates. This index makes both a seek instead of a walk of the org's templates per record.
 */
import type { Kysely } from 'kysely';

export const CATALOG_INDEX = 'vapps_org_catalog';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex(CATALOG_INDEX).on('vapps').columns(['org_id', 'catalog_name', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex(CATALOG_INDEX).execute();
}
