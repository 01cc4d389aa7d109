/**
 * Catalogs and catalog items, derived from the vApp templates: Tessera stores no catalog rows. Each template row
 * names its catalog (`vapps.catalog_name`), and what is known, and what is decided, is:
 *
 * - A catalog is one distinct (org, catalog name) among the org's templates; a template without a catalog name is
 *   in no catalog. Its items are its templates, one item per template (Tessera has no media).
 * - Ids are name-based (RFC 9562 v5), so every node and restart agrees: a catalog's from its org id and its name,
 *   an item's from its template's id.
 * - A catalog's owner and creation date are those of its oldest template (earliest `created_at`, ties by id): the
 *   catalog existed at the latest when its first template was put in it, by that template's owner. This is also
 *   the row that stands for the catalog in the query service (CATALOG_TABLE in query/catalogue.ts).
 * - Nothing is published, shared or subscribed, and catalogs carry no description, metadata or storage profiles.
 *   VersionNumber is 1: Tessera never changes a catalog through the API.
 *
 * Looking an id up needs the ids of every catalog and item in the caller's scope (a hash cannot be inverted); they
 * are computed from one index-only read of the templates and kept per inventory version (scoped-index.ts; every
 * write to `vapps` bumps it), so a lookup stays exact.
 */
import type { Executor, Store } from '../store/store.js';
import { deleteInventoryObjects } from './declarative/write.js';
import type { WriteCheck } from './teardown.js';
import type { InventoryScope } from './scope.js';
import { nameBasedUuid } from './uuid.js';
import { scopedIndex } from './scoped-index.js';

export const catalogId = (orgId: string, name: string): string => nameBasedUuid(orgId, `catalog/${name}`);
export const catalogItemId = (templateId: string): string => nameBasedUuid(templateId, 'catalog-item');

export interface CatalogKey {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
}

interface CatalogIndex {
  readonly catalogs: ReadonlyMap<string, CatalogKey>;
  /** Catalog item id → its template's id and its catalog. */
  readonly items: ReadonlyMap<string, { readonly templateId: string; readonly catalog: CatalogKey }>;
}

const catalogIndex = scopedIndex(async (store: Store, scope: InventoryScope): Promise<CatalogIndex> => {
  let qb = store.db
    .selectFrom('vapps')
    .select(['id', 'org_id', 'catalog_name'])
    .where('is_template', '=', 1)
    .where('catalog_name', 'is not', null);
  if (scope.kind === 'org') qb = qb.where('org_id', '=', scope.orgId);
  const catalogs = new Map<string, CatalogKey>();
  const byOrgAndName = new Map<string, CatalogKey>();
  const items = new Map<string, { templateId: string; catalog: CatalogKey }>();
  for (const row of await qb.execute()) {
    const name = row.catalog_name!;
    const orgAndName = JSON.stringify([row.org_id, name]);
    let catalog = byOrgAndName.get(orgAndName);
    if (!catalog) {
      catalog = { id: catalogId(row.org_id, name), orgId: row.org_id, name };
      byOrgAndName.set(orgAndName, catalog);
      catalogs.set(catalog.id, catalog);
    }
    items.set(catalogItemId(row.id), { templateId: row.id, catalog });
  }
  return { catalogs, items };
});

/**
 * How the query service names a catalog in SQL (query/catalogue.ts: `vapps.org_id || '/' || vapps.catalog_name`),
 * since its id is a hash of the two: an org id is a UUID, so the first `/` ends it.
 */
export const catalogSqlKey = (orgId: string, name: string): string => `${orgId}/${name}`;

/** The id of the catalog a catalogSqlKey names. */
export function catalogIdOfSqlKey(key: string): string {
  const slash = key.indexOf('/');
  return catalogId(key.slice(0, slash), key.slice(slash + 1));
}

/** For the query service's filters: a catalog id of the scope → its catalogSqlKey (undefined for any other id). */
export async function catalogSqlKeys(store: Store, scope: InventoryScope): Promise<(id: string) => string | undefined> {
  const { catalogs } = await catalogIndex(store, scope);
  return (id) => {
    const catalog = catalogs.get(id);
    return catalog && catalogSqlKey(catalog.orgId, catalog.name);
  };
}

/** For the query service's filters: a catalog item id of the scope → its template's id (else undefined). */
export async function catalogItemTemplateIds(store: Store, scope: InventoryScope): Promise<(id: string) => string | undefined> {
  const { items } = await catalogIndex(store, scope);
  return (id) => items.get(id)?.templateId;
}

/** The catalog with this id in the scope, or undefined. */
export async function findCatalog(store: Store, scope: InventoryScope, id: string): Promise<CatalogKey | undefined> {
  return (await catalogIndex(store, scope)).catalogs.get(id);
}

/** The catalog item with this id in the scope (its template's id and its catalog), or undefined. */
export async function findCatalogItem(store: Store, scope: InventoryScope, id: string) {
  return (await catalogIndex(store, scope)).items.get(id);
}

export interface CatalogTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly owner_id: string | null;
  readonly owner_name: string | null;
  readonly created_at: number;
}

const templatesQuery = (ex: Executor) =>
  ex
    .selectFrom('vapps')
    .leftJoin('users', 'users.id', 'vapps.owner_id')
    .select(['vapps.id', 'vapps.name', 'vapps.description', 'vapps.owner_id', 'users.name as owner_name', 'vapps.created_at'])
    .where('vapps.is_template', '=', 1);

/** A catalog's templates (its items), by name then id. */
export async function catalogTemplates(store: Store, catalog: CatalogKey): Promise<CatalogTemplate[]> {
  const rows = await templatesQuery(store.db)
    .where('vapps.org_id', '=', catalog.orgId)
    .where('vapps.catalog_name', '=', catalog.name)
    .orderBy('vapps.name')
    .orderBy('vapps.id')
    .execute();
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
}

/** One template, as a catalog item shows it. */
export async function catalogTemplate(store: Store, templateId: string): Promise<CatalogTemplate | undefined> {
  const row = await templatesQuery(store.db).where('vapps.id', '=', templateId).executeTakeFirst();
  return row && { ...row, created_at: Number(row.created_at) };
}

/** The template that gives a catalog its owner and creation date: the oldest, ties by id. */
export function oldestTemplate(templates: readonly CatalogTemplate[]): CatalogTemplate | undefined {
  let oldest: CatalogTemplate | undefined;
  for (const t of templates) {
    if (!oldest || t.created_at < oldest.created_at || (t.created_at === oldest.created_at && t.id < oldest.id)) oldest = t;
  }
  return oldest;
}

/** The org's catalogs (for the Org and AdminOrg documents), by name. */
export async function listCatalogsOfOrg(store: Store, orgId: string): Promise<CatalogKey[]> {
  const rows = await store.db
    .selectFrom('vapps')
    .select('catalog_name')
    .distinct()
    .where('org_id', '=', orgId)
    .where('is_template', '=', 1)
    .where('catalog_name', 'is not', null)
    .orderBy('catalog_name')
    .execute();
  return rows.map((r) => ({ id: catalogId(orgId, r.catalog_name!), orgId, name: r.catalog_name! }));
}

/**
 * Deletes a catalog, which is deleting its templates (with their VMs and metadata) in one transaction: a catalog is
 * nothing but the templates that name it. Returns how many templates went.
 */
export async function deleteCatalog(store: Store, catalog: CatalogKey, check: WriteCheck): Promise<number> {
  return store.transaction(async (trx) => {
    await check(trx);
    const rows = await trx
      .selectFrom('vapps')
      .select('id')
      .where('org_id', '=', catalog.orgId)
      .where('is_template', '=', 1)
      .where('catalog_name', '=', catalog.name)
      .execute();
    await deleteInventoryObjects(trx, { vdcs: [], vapps: rows.map((r) => r.id), vms: [] });
    return rows.length;
  });
}
