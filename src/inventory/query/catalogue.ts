/**
 * The query service's types (`/api/query?type=...`), each described once: its table, the joins its fields
 * need, and every record attribute with the SQL behind it, its filter type and how it renders. The engine
 * (execute.ts) and the renderers (render-*.ts) are generic over these descriptions.
 *
 * Attribute names and record element names are VCD's (vcd-wire §9.2, go-vcloud-director's
 * `types.QueryResult*RecordType`). Constant attributes (`isBusy="false"`) are SQL literals so that filters and
 * sorts on them behave like on any other field.
 */
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Action } from '../../domain/policy.js';
import { RIGHT_CATALOGUE, rightBundleKey, rightId, rightType } from '../../domain/rights.js';
import type { FiqlFieldType } from '../../store/fiql-sql.js';
import type { Executor, Store } from '../../store/store.js';
import type { InventoryScope } from '../scope.js';
import { ALLOCATION_MODELS, type MetadataEntityKind } from '../schema.js';
import { VCD_STATUS_NAMES } from '../status.js';
import {
  MEDIA,
  catalogHref,
  catalogItemHref,
  networkHref,
  groupHref,
  orgHref,
  rightHref,
  roleHref,
  taskHref,
  urn,
  userHref,
  vappHref,
  vappUrn,
  adminVdcStorageProfileHref,
  vdcHref,
  vdcStorageProfileHref,
  vmHref,
  type UrnKind,
} from '../hrefs.js';
import { storageProfilesInScope } from '../storage-profiles.js';
import { vappNetworkId } from '../vapp-networks.js';
import { catalogId, catalogIdOfSqlKey, catalogItemId, catalogItemTemplateIds, catalogSqlKeys } from '../catalogs.js';
import { taskOwnerReference } from '../documents/task.js';
import { orgVdcNetworkId } from '../org-vdc-networks.js';

/** One selected row, keyed by field name (plus `id`). */
export type Row = Record<string, unknown>;

/** How a reference attribute renders: an href in `records`, a URN in `idrecords` (vcd-wire §9.2). */
export interface RefRendering {
  href(base: string, id: string, row: Row): string;
  urn(id: string, row: Row): string;
}

export interface QueryField {
  /** SQL for the attribute: a column reference (`'vms.name'`) or an expression. */
  readonly column: string | RawBuilder<unknown>;
  readonly type: FiqlFieldType;
  readonly values?: readonly string[];
  /** See FiqlField.looseValues. */
  readonly looseValues?: boolean;
  readonly nullable?: boolean;
  /** Joins (keys of the type's `joins`) the column needs. */
  readonly joins?: readonly string[];
  /** For `ref` fields: how the stored UUID renders. */
  readonly ref?: RefRendering;
  /** Rendered only in the admin variant of the type (e.g. `org` on AdminVMRecord). Still filterable in both. */
  readonly adminOnly?: boolean;
  /** A constant attribute (`isBusy="false"`): filterable and sortable as a SQL literal, never selected. */
  readonly constant?: number;
  /**
   * A name prefix on this field, when the page is sorted by it, is sought as ranges of its index (prefix-seek.ts):
   * set where an index in page order serves a range of the column in every scope and restriction of the type.
   * Elsewhere each range could be a scan of its own, worse than the one walk.
   */
  readonly prefixSeek?: true;
  /**
   * The same value on every row (a constant, a fixed text, an unknown): sorting by it is sorting by the tiebreaker
   * alone, so the engine orders by the id instead. A literal in ORDER BY is a column position to SQLite (`ORDER BY
   * 0` fails) and an error to PostgreSQL (`ORDER BY 'x'`).
   */
  readonly sameOnEveryRow?: true;
  /**
   * Never rendered nor selected: named by filters and sorts only (`id`, not an attribute of the record), or one of
   * VCD's attributes the inventory does not hold (`notHeld`), which `fields=` may also name.
   */
  readonly filterOnly?: true;
  /**
   * A `ref` to an entity whose id is derived, not stored (a catalog's, a catalog item's: inventory/catalogs.ts): the
   * column holds the key the id is derived from, and this loads, for the caller's scope, what an id from a filter
   * stands for in that column (undefined for an id that names nothing there). The engine loads it only when a
   * filter names the field.
   */
  readonly derivedRef?: DerivedRefLookup;
}

/** See QueryField.derivedRef. */
export type DerivedRefLookup = (store: Store, scope: InventoryScope) => Promise<(id: string) => string | undefined>;

type AnySelect = SelectQueryBuilder<any, any, any>;

/**
 * One value of a VALUES table's row: a literal (data of the code, ids Tessera derives, numbers), or `{ bound }`, text
 * read from the store (a name an inventory file chose), which goes into the statement as a bound parameter, never
 * spelled into its SQL.
 */
export type ValuesCell = string | number | { readonly bound: string };
export type ValuesRows = ReadonlyArray<ReadonlyArray<ValuesCell>>;

export interface QueryTable {
  /** `from` table, also the alias the columns use. */
  readonly table: 'vms' | 'vapps' | 'vdcs' | 'orgs' | 'users' | 'roles' | 'groups' | 'tasks' | 'rights' | 'vdc_storage_profiles';
  /**
   * Rows that are not a table of the store (the rights catalogue, which is code; VDC storage profiles, which are
   * JSON in their VDC's row): each statement reads them as a VALUES table named `table`, with these columns, the
   * rows the caller's scope sees. The engine reads them in the same snapshot as the count and the page (execute.ts),
   * so they are exact for the inventory version the caches are keyed on.
   */
  readonly values?: {
    readonly columns: readonly string[];
    /** A row of the columns' types: an empty table is this row under `where 1 = 0`, so its columns keep their types. */
    readonly emptyRow: ReadonlyArray<ValuesCell>;
    rows(scope: InventoryScope, ex: Executor): ValuesRows | Promise<ValuesRows>;
  };
  /** The entity id column (the tiebreaker of every sort, so pages never overlap). */
  readonly idColumn: string;
  /** The org a row belongs to: the tenant-isolation column; null for rows of no org (the rights catalogue). */
  readonly orgColumn: string | null;
  /** Rows of the table that are not of this type (vApp templates are not vApps). */
  readonly baseWhere?: RawBuilder<unknown>;
  /**
   * The metadata entities its records are, when not the table's own (records.ts): null for records that a row of
   * the table only stands for (a catalog is not its oldest template, and carries no metadata).
   */
  readonly metadataKind?: MetadataEntityKind | null;
  readonly joins: Readonly<Record<string, (qb: AnySelect) => AnySelect>>;
  readonly fields: Readonly<Record<string, QueryField>>;
  /** The record's own href and URN, from its row. */
  href(base: string, row: Row): string;
  urn(row: Row): string;
  /** The record's `type` attribute (the entity's media type). */
  mediaType(row: Row): string;
}

export interface QueryTypeDefinition {
  /** The `type=` value, case-sensitive as in VCD. */
  readonly name: string;
  readonly table: QueryTable;
  /** Record element (`VMRecord`) and its JSON `_type` (`QueryResultVMRecordType`). */
  readonly recordElement: string;
  readonly jsonRecordType: string;
  /** `format=references`: root and child element names. */
  readonly referencesElement: string;
  readonly referenceElement: string;
  /** Admin types are for System administrators only and render the admin-only attributes. */
  readonly admin: boolean;
  /** The right (as a policy action) needed to run it at all. */
  readonly action: Action;
}

// ------------------------------------------------------------------ shared pieces

/**
 * Attributes of VCD's record that the inventory does not hold (a VM's datastore, host and tools version, a VDC's
 * usage and provider figures, a task's type). Clients name them in `fields=`: go-vcloud-director's query with
 * metadata asks for its fixed list of each type's attributes (`SearchByFilter`, under every Terraform data source
 * with a `filter { metadata {...} }`), and until 2026-12-05 each unknown name was a 400 that failed the search.
 * Accepted in `fields=`, filters and sorts as a value no record has (`==` matches nothing, `!=` every record); never
 * selected nor rendered.
 * A name in no list of VCD's is still a 400.
 */
function notHeld(types: Readonly<Record<string, 'string' | 'number' | 'date' | 'boolean'>>): Record<string, QueryField> {
  const fields: Record<string, QueryField> = {};
  for (const [name, type] of Object.entries(types)) fields[name] = { ...none(type), filterOnly: true };
  return fields;
}

/**
 * An attribute VCD has and the inventory does not know, by type: a value no row has (null), filterable and sortable
 * (`==` matches nothing, `!=` every row), never rendered. A declaration, not a const: the tables above it use it.
 */
export function none(type: 'string' | 'date' | 'number' | 'boolean'): QueryField {
  const column = type === 'string' ? sql<string | null>`cast(null as text)` : sql<number | null>`cast(null as bigint)`;
  return { column, type, nullable: true, sameOnEveryRow: true };
}

/** A constant attribute of the given type (booleans as 0/1). */
const constant = (type: 'boolean' | 'number', value: number): QueryField => ({
  column: sql.lit(value),
  type,
  constant: value,
  sameOnEveryRow: true,
});
/** A text attribute with one value on every row (`publishSubscriptionType="UNPUBLISHED"`): selected and rendered. */
const fixedText = (value: string): QueryField => ({ column: sql<string>`${sql.lit(value)}`, type: 'string', sameOnEveryRow: true });
const FALSE = constant('boolean', 0);
const TRUE = constant('boolean', 1);

const ref = (urnKind: UrnKind, href: (base: string, id: string) => string): RefRendering => ({
  href: (base, id) => href(base, id),
  urn: (id) => urn(urnKind, id),
});

const vmCount = (where: string) => sql<number>`(select count(*) from vms where ${sql.raw(where)})`;

/**
 * `id==<URN, href or id>` in a filter, as VCD's query service takes it for every entity type (govcd's
 * QueryVAppTemplateById, which Terraform's `data "vcd_catalog_vapp_template"` calls, filters vAppTemplate by it).
 * Only for types whose record's URN is its row's id: a derived record (a catalog, a network) has a URN of its own.
 * Not an attribute: records carry their id already (`format=idrecords`), so it is never rendered.
 */
function filterableById(table: QueryTable): QueryTable {
  return { ...table, fields: { ...table.fields, id: { column: table.idColumn, type: 'ref', filterOnly: true } } };
}

// ------------------------------------------------------------------ VMs

const VM_TABLE: QueryTable = filterableById({
  table: 'vms',
  idColumn: 'vms.id',
  orgColumn: 'vms.org_id',
  joins: {
    vapp: (qb) => qb.innerJoin('vapps as va', 'va.id', 'vms.vapp_id'),
    vdc: (qb) => qb.innerJoin('vdcs as vd', 'vd.id', 'vms.vdc_id'),
  },
  fields: {
    // (org_id, name, id), (name, id), (vdc_id, name, id) and the template variants: migration 0002.
    name: { column: 'vms.name', type: 'string', prefixSeek: true },
    // vApp, VDC and owner names are read from their copies on `vms` (migration 0016, kept exact by triggers), so
    // that filtering and sorting by them walks an index of `vms` instead of joining and sorting every VM.
    containerName: { column: 'vms.vapp_name', type: 'string' },
    container: {
      column: 'vms.vapp_id',
      type: 'ref',
      ref: {
        href: (base, id, row) => vappHref(base, id, row.isVAppTemplate as number),
        urn: (id, row) => vappUrn(id, row.isVAppTemplate as number),
      },
    },
    ownerName: { column: 'vms.owner_name', type: 'string', nullable: true },
    owner: { column: 'vms.owner_id', type: 'ref', nullable: true, ref: ref('user', userHref) },
    vdcName: { column: 'vms.vdc_name', type: 'string' },
    vdc: { column: 'vms.vdc_id', type: 'ref', ref: ref('vdc', vdcHref) },
    org: { column: 'vms.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
    description: { column: 'vms.description', type: 'string' },
    isVAppTemplate: { column: 'vms.is_template', type: 'boolean' },
    isDeleted: FALSE,
    guestOs: { column: 'vms.guest_os', type: 'string' },
    numberOfCpus: { column: 'vms.cpus', type: 'number' },
    memoryMB: { column: 'vms.memory_mb', type: 'number' },
    status: { column: 'vms.status', type: 'enum', values: VCD_STATUS_NAMES },
    networkName: { column: 'vms.network_name', type: 'string', nullable: true },
    ipAddress: { column: 'vms.ip_address', type: 'string', nullable: true },
    isBusy: FALSE,
    isDeployed: { column: 'vms.is_deployed', type: 'boolean' },
    isPublished: FALSE,
    catalogName: { column: 'va.catalog_name', type: 'string', nullable: true, joins: ['vapp'] },
    hardwareVersion: { column: 'vms.hardware_version', type: 'number' },
    isInMaintenanceMode: FALSE,
    isAutoNature: FALSE,
    storageProfileName: { column: 'vms.storage_profile', type: 'string' },
    dateCreated: { column: 'vms.created_at', type: 'date' },
    isVdcEnabled: { column: 'vd.is_enabled', type: 'boolean', joins: ['vdc'], adminOnly: true },
    ...notHeld({
      datastoreName: 'string',
      gcStatus: 'string',
      hostName: 'string',
      moref: 'string',
      vc: 'string',
      vmToolsVersion: 'number',
      containerStatus: 'string',
      pvdcHighestSupportedHardwareVersion: 'number',
      isComputePolicyCompliant: 'boolean',
      vmSizingPolicyId: 'string',
      vmPlacementPolicyId: 'string',
      encrypted: 'boolean',
      totalStorageAllocatedMb: 'number',
      isExpired: 'boolean',
    }),
  },
  href: (base, row) => vmHref(base, row.id as string, row.isVAppTemplate as number),
  urn: (row) => urn('vm', row.id as string),
  mediaType: () => MEDIA.vm,
});

// ------------------------------------------------------------------ vApps (not templates)

/** The joins and fields vApps and vApp templates share: both are rows of `vapps`, told apart by `is_template`. */
const VAPP_JOINS: QueryTable['joins'] = {
  vdc: (qb) => qb.innerJoin('vdcs as vd', 'vd.id', 'vapps.vdc_id'),
  owner: (qb) => qb.leftJoin('users as ow', 'ow.id', 'vapps.owner_id'),
};
const VAPP_COMMON_FIELDS: QueryTable['fields'] = {
  // (org_id, is_template, name, id), (is_template, name, id), (vdc_id, name, id): migration 0002.
  name: { column: 'vapps.name', type: 'string', prefixSeek: true },
  description: { column: 'vapps.description', type: 'string' },
  vdcName: { column: 'vd.name', type: 'string', joins: ['vdc'] },
  vdc: { column: 'vapps.vdc_id', type: 'ref', ref: ref('vdc', vdcHref) },
  ownerName: { column: 'ow.name', type: 'string', nullable: true, joins: ['owner'] },
  owner: { column: 'vapps.owner_id', type: 'ref', nullable: true, ref: ref('user', userHref) },
  org: { column: 'vapps.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
  status: { column: 'vapps.status', type: 'enum', values: VCD_STATUS_NAMES },
  isEnabled: TRUE,
  isExpired: FALSE,
  isBusy: FALSE,
  creationDate: { column: 'vapps.created_at', type: 'date' },
  numberOfVMs: { column: vmCount('vms.vapp_id = vapps.id'), type: 'number' },
  isVdcEnabled: { column: 'vd.is_enabled', type: 'boolean', joins: ['vdc'], adminOnly: true },
};

const VAPP_TABLE: QueryTable = filterableById({
  table: 'vapps',
  idColumn: 'vapps.id',
  orgColumn: 'vapps.org_id',
  baseWhere: sql`vapps.is_template = 0`,
  joins: VAPP_JOINS,
  fields: {
    ...VAPP_COMMON_FIELDS,
    isDeployed: { column: 'vapps.is_deployed', type: 'boolean' },
    isInMaintenanceMode: FALSE,
    isPublic: FALSE,
    numberOfCpus: { column: sql<number>`(select coalesce(sum(cpus), 0) from vms where vms.vapp_id = vapps.id)`, type: 'number' },
    memoryAllocationMB: { column: sql<number>`(select coalesce(sum(memory_mb), 0) from vms where vms.vapp_id = vapps.id)`, type: 'number' },
    // Its VMs' disks (each VM has one, disk_mb), in KB as VCD counts it; vcd-cli's `vapp list` shows the column.
    storageKB: { column: sql<number>`(select coalesce(sum(disk_mb), 0) * 1024 from vms where vms.vapp_id = vapps.id)`, type: 'number' },
    // Lease notices and boot order: the inventory has no lease runs and no boot order; VCD's values for such a vApp.
    isAutoDeleteNotified: FALSE,
    isAutoUndeployNotified: FALSE,
    honorBootOrder: FALSE,
    ...notHeld({
      cpuAllocationMhz: 'number',
      cpuAllocationInMhz: 'number',
      // go-vcloud-director's spelling of honorBootOrder, in the list it sends.
      honorBookOrder: 'boolean',
      pvdcHighestSupportedHardwareVersion: 'number',
      lowestHardwareVersionInVApp: 'number',
    }),
  },
  href: (base, row) => vappHref(base, row.id as string, false),
  urn: (row) => urn('vapp', row.id as string),
  mediaType: () => MEDIA.vApp,
});

// ------------------------------------------------------------------ vApp templates

/**
 * A template's catalog and its catalog item, as references (on vAppTemplate and catalogItem records; govcd reads a
 * template record's `catalogItem`). Both ids are name-based, not stored (inventory/catalogs.ts), so each column holds
 * what its id is derived from (the catalog's org id and name, catalogSqlKey; the template's id), and an id in a
 * filter (`catalog==<urn>`, govcd's Catalog.QueryCatalogItemList) is resolved through the catalog index
 * (derivedRef). Null for a template in no catalog.
 */
const CATALOG_OF_TEMPLATE: QueryField = {
  column: sql<string | null>`(vapps.org_id || '/' || vapps.catalog_name)`,
  type: 'ref',
  nullable: true,
  ref: {
    href: (base, key) => catalogHref(base, catalogIdOfSqlKey(key)),
    urn: (key) => urn('catalog', catalogIdOfSqlKey(key)),
  },
  derivedRef: catalogSqlKeys,
};
const CATALOG_ITEM_OF_TEMPLATE: QueryField = {
  column: sql<string | null>`(case when vapps.catalog_name is null then null else vapps.id end)`,
  type: 'ref',
  nullable: true,
  ref: {
    href: (base, templateId) => catalogItemHref(base, catalogItemId(templateId)),
    urn: (templateId) => urn('catalogitem', catalogItemId(templateId)),
  },
  derivedRef: catalogItemTemplateIds,
};

/**
 * vApp templates (`vAppTemplate`, `adminVAppTemplate`): the rows of `vapps` that are templates, each in the catalog
 * its row names. Read like the template itself (`vApp: View`), at the href Tessera serves
 * (`/api/vAppTemplate/vappTemplate-<id>`). Tessera publishes and shares nothing, and a template is never deployed.
 */
const VAPP_TEMPLATE_TABLE: QueryTable = filterableById({
  table: 'vapps',
  idColumn: 'vapps.id',
  orgColumn: 'vapps.org_id',
  baseWhere: sql`vapps.is_template = 1`,
  joins: VAPP_JOINS,
  fields: {
    ...VAPP_COMMON_FIELDS,
    // A template's status may also be VCD's LOCAL_COPY_UNAVAILABLE (a subscribed catalog's template not yet copied):
    // none of Tessera's is, and govcd's QueryVAppTemplateById filters `status!=LOCAL_COPY_UNAVAILABLE`.
    status: { column: 'vapps.status', type: 'enum', values: [...VCD_STATUS_NAMES, 'LOCAL_COPY_UNAVAILABLE'] },
    catalogName: { column: 'vapps.catalog_name', type: 'string', nullable: true },
    catalog: CATALOG_OF_TEMPLATE,
    catalogItem: CATALOG_ITEM_OF_TEMPLATE,
    isDeployed: FALSE,
    isGoldMaster: FALSE,
    isPublished: FALSE,
    isInCatalog: TRUE,
    ...notHeld({ storageProfileName: 'string' }),
  },
  href: (base, row) => vappHref(base, row.id as string, true),
  urn: (row) => urn('vapptemplate', row.id as string),
  mediaType: () => MEDIA.vAppTemplate,
});

/**
 * Catalog items (`catalogItem`, `adminCatalogItem`): govcd's Catalog.QueryCatalogItemList (`catalog==<urn>`), which
 * Catalog.Delete(force, recursive) runs first, Vdc.QueryCatalogItemList (`vdc==<urn>`) and QueryCatalogItem (plus
 * `name==`). A catalog item is a template in a catalog (inventory/catalogs.ts), so each record is that template's
 * row: its entity is the template. The record's own id is name-based, so `id==` is resolved like `catalog==`. A
 * `catalog==` filter compares the derived key rather than an indexed column: it reads the scope's templates,
 * which are few beside its VMs. Read like the templates (`vApp: View`); no metadata (Tessera's catalogs carry none).
 */
const CATALOG_ITEM_TABLE: QueryTable = {
  table: 'vapps',
  idColumn: 'vapps.id',
  orgColumn: 'vapps.org_id',
  baseWhere: sql`vapps.is_template = 1 and vapps.catalog_name is not null`,
  metadataKind: null,
  joins: VAPP_JOINS,
  fields: {
    name: { column: 'vapps.name', type: 'string', prefixSeek: true },
    entity: { column: 'vapps.id', type: 'ref', ref: ref('vapptemplate', (base, id) => vappHref(base, id, true)) },
    entityName: { column: 'vapps.name', type: 'string' },
    entityType: fixedText('vapptemplate'),
    catalog: CATALOG_OF_TEMPLATE,
    catalogName: { column: 'vapps.catalog_name', type: 'string' },
    ownerName: { column: 'ow.name', type: 'string', nullable: true, joins: ['owner'] },
    owner: { column: 'vapps.owner_id', type: 'ref', nullable: true, ref: ref('user', userHref) },
    isPublished: FALSE,
    vdc: { column: 'vapps.vdc_id', type: 'ref', ref: ref('vdc', vdcHref) },
    vdcName: { column: 'vd.name', type: 'string', joins: ['vdc'] },
    isVdcEnabled: { column: 'vd.is_enabled', type: 'boolean', joins: ['vdc'] },
    creationDate: { column: 'vapps.created_at', type: 'date' },
    isExpired: FALSE,
    status: { column: 'vapps.status', type: 'enum', values: [...VCD_STATUS_NAMES, 'LOCAL_COPY_UNAVAILABLE'] },
    id: { column: 'vapps.id', type: 'ref', filterOnly: true, derivedRef: catalogItemTemplateIds },
  },
  href: (base, row) => catalogItemHref(base, catalogItemId(row.id as string)),
  urn: (row) => urn('catalogitem', catalogItemId(row.id as string)),
  mediaType: () => MEDIA.catalogItem,
};

// ------------------------------------------------------------------ vApp networks

/**
 * vApp networks (`vAppNetwork`, `adminVAppNetwork`), which govcd's QueryVappNetworks / QueryVappOrgNetworks run
 * with `vApp==<uuid>;isLinked==<bool>` for Terraform's vcd_vapp. Tessera stores no network rows: a vApp's networks
 * are the distinct network names on its VMs' NICs (inventory/vapp-networks.ts says why and what is decided), so
 * each record is one VM row standing for its (vApp, network name) pair, the first by id. `isLinked` says the
 * network is bridged to the VDC's org network of the same name. IP scopes are not in the inventory: not rendered.
 */
const VAPP_NETWORK_TABLE: QueryTable = {
  table: 'vms',
  idColumn: 'vms.id',
  orgColumn: 'vms.org_id',
  baseWhere: sql`vms.network_name is not null and vms.is_template = 0 and not exists (select 1 from vms as other where other.vapp_id = vms.vapp_id and other.network_name = vms.network_name and other.id < vms.id)`,
  joins: {
    vdc: (qb) => qb.innerJoin('vdcs as vd', 'vd.id', 'vms.vdc_id'),
  },
  fields: {
    name: { column: 'vms.network_name', type: 'string' },
    vApp: { column: 'vms.vapp_id', type: 'ref', ref: ref('vapp', (base, id) => vappHref(base, id, false)) },
    vAppName: { column: 'vms.vapp_name', type: 'string' },
    isLinked: {
      column: sql<number>`(case when vms.network_name = vd.network_name then 1 else 0 end)`,
      type: 'boolean',
      joins: ['vdc'],
    },
    linkNetworkName: {
      column: sql<string | null>`(case when vms.network_name = vd.network_name then vd.network_name else null end)`,
      type: 'string',
      nullable: true,
      joins: ['vdc'],
    },
    isBusy: FALSE,
    retainNicResources: FALSE,
  },
  href: (base, row) => networkHref(base, vappNetworkId(row.vApp as string, row.name as string)),
  urn: (row) => urn('network', vappNetworkId(row.vApp as string, row.name as string)),
  mediaType: () => 'application/vnd.vmware.admin.vAppNetwork+xml',
};

// ------------------------------------------------------------------ catalogs

/**
 * Catalogs (`catalog`, `adminCatalog`: pyvcloud's Org.list_catalogs, `vcd catalog list`). Tessera stores no catalog
 * rows: a catalog is a distinct (org, catalog name) among the org's templates (inventory/catalogs.ts says what is
 * decided), so each record is one template row standing for its catalog: the catalog's oldest template (earliest
 * `created_at`, ties by id), whose owner and creation date are the catalog's. The href and URN are the catalog's
 * name-based id, from the org and the name. Read like the templates (`vApp: View`). Nothing is published, shared
 * or subscribed, and catalogs hold no media. `vapps_org_catalog` (migration 0023) serves the "oldest" test and the
 * template count as index seeks.
 */
const CATALOG_TEMPLATES = 't.org_id = vapps.org_id and t.is_template = 1 and t.catalog_name = vapps.catalog_name';
const CATALOG_TABLE: QueryTable = {
  table: 'vapps',
  idColumn: 'vapps.id',
  orgColumn: 'vapps.org_id',
  baseWhere: sql`vapps.is_template = 1 and vapps.catalog_name is not null and not exists (select 1 from vapps as t where ${sql.raw(CATALOG_TEMPLATES)} and (t.created_at < vapps.created_at or (t.created_at = vapps.created_at and t.id < vapps.id)))`,
  metadataKind: null,
  joins: {
    org: (qb) => qb.innerJoin('orgs as o', 'o.id', 'vapps.org_id'),
    owner: (qb) => qb.leftJoin('users as ow', 'ow.id', 'vapps.owner_id'),
  },
  fields: {
    name: { column: 'vapps.catalog_name', type: 'string' },
    description: fixedText(''),
    isPublished: FALSE,
    isShared: FALSE,
    // Every catalog is its org's own (none is subscribed from another site): Terraform's `vcd_catalog` reads
    // `is_local` from it, and read false while the attribute was missing (until 2026-12-06).
    isLocal: TRUE,
    creationDate: { column: 'vapps.created_at', type: 'date' },
    orgName: { column: 'o.name', type: 'string', joins: ['org'] },
    ownerName: { column: 'ow.name', type: 'string', nullable: true, joins: ['owner'] },
    owner: { column: 'vapps.owner_id', type: 'ref', nullable: true, ref: ref('user', userHref) },
    org: { column: 'vapps.org_id', type: 'ref', ref: ref('org', orgHref) },
    numberOfVAppTemplates: { column: sql<number>`(select count(*) from vapps as t where ${sql.raw(CATALOG_TEMPLATES)})`, type: 'number' },
    numberOfMedia: constant('number', 0),
    publishSubscriptionType: fixedText('UNPUBLISHED'),
    version: constant('number', 1),
    // `id==<urn>` (govcd's Org.GetCatalogById): the catalog's id is derived, resolved like a template's `catalog`.
    id: { ...CATALOG_OF_TEMPLATE, nullable: false, filterOnly: true },
  },
  href: (base, row) => catalogHref(base, catalogId(row.org as string, row.name as string)),
  urn: (row) => urn('catalog', catalogId(row.org as string, row.name as string)),
  mediaType: () => MEDIA.catalog,
};

// ------------------------------------------------------------------ org VDC networks

const UNKNOWN_TEXT = none('string');

/**
 * Org VDC networks (`orgVdcNetwork`: govcd's Vdc.GetNetworkList, pyvcloud's list_orgvdc_network_records, `vcd network
 * list`; VCD has no admin variant). Tessera stores no network rows: each VDC that names a network has one
 * (inventory/org-vdc-networks.ts says what is decided), so each record is a VDC row standing for its network.
 * Presented as isolated (`linkType` 2) with no IP scope: the addressing attributes are accepted in `fields=`,
 * filters and sorts, and never rendered. Read like the VDC (`Organization VDC: View`).
 */
const ORG_VDC_NETWORK_TABLE: QueryTable = {
  table: 'vdcs',
  idColumn: 'vdcs.id',
  orgColumn: 'vdcs.org_id',
  baseWhere: sql`vdcs.network_name is not null and vdcs.network_name <> ''`,
  metadataKind: null,
  joins: {},
  fields: {
    name: { column: 'vdcs.network_name', type: 'string' },
    defaultGateway: UNKNOWN_TEXT,
    netmask: UNKNOWN_TEXT,
    dns1: UNKNOWN_TEXT,
    dns2: UNKNOWN_TEXT,
    dnsSuffix: UNKNOWN_TEXT,
    // 0 direct, 1 routed, 2 isolated (go-vcloud-director's reading of VCD's records).
    linkType: constant('number', 2),
    connectedTo: UNKNOWN_TEXT,
    vdc: { column: 'vdcs.id', type: 'ref', ref: ref('vdc', vdcHref) },
    isBusy: FALSE,
    isShared: FALSE,
    vdcName: { column: 'vdcs.name', type: 'string' },
    isIpScopeInherited: FALSE,
  },
  href: (base, row) => networkHref(base, orgVdcNetworkId(row.vdc as string, row.name as string)),
  urn: (row) => urn('network', orgVdcNetworkId(row.vdc as string, row.name as string)),
  mediaType: () => MEDIA.orgVdcNetwork,
};

// ------------------------------------------------------------------ media, independent disks, edge gateways

/** The same for a reference. */
const noRef = (urnKind: UrnKind, href: (base: string, id: string) => string): QueryField => ({
  column: sql<string | null>`cast(null as text)`,
  type: 'ref',
  nullable: true,
  sameOnEveryRow: true,
  ref: ref(urnKind, href),
});

/**
 * Rows of no type: the kinds of entity Tessera's inventory does not hold (media, independent disks, edge gateways).
 * Their query types are served and answer no records, rather than a 400 for an unknown type: clients list them to
 * find one by name (govcd's Vdc.QueryDisks and QueryEdgeGatewayList, under Terraform's vcd_independent_disk,
 * vcd_edgegateway and vcd_resource_list) and fail on the error, where "there is none" is the truth and lets them say
 * "not found". Every attribute of VCD's record is accepted in `fields=`, filters and sorts. The rows are VDCs', none
 * of them selected.
 */
function emptyTable(fields: QueryTable['fields'], href: QueryTable['href'], urnOf: QueryTable['urn'], media: string): QueryTable {
  return {
    table: 'vdcs',
    idColumn: 'vdcs.id',
    orgColumn: 'vdcs.org_id',
    baseWhere: sql`1 = 0`,
    metadataKind: null,
    joins: {},
    fields,
    href,
    urn: urnOf,
    mediaType: () => media,
  };
}

/**
 * Media (`media`, `adminMedia`): ISO and floppy images in catalogs. Tessera's inventory holds none (its catalogs are
 * its templates', inventory/catalogs.ts, and `numberOfMedia` is 0 on each), so the query is served and answers no
 * records, rather than a 400 for an unknown type: Terraform's `data "vcd_catalog"` and `vcd_catalog` read a catalog's
 * media with `type=media&filter=catalog==<href>` and fail on the error, and "no media" is the truth.
 */
const MEDIA_TABLE = emptyTable(
  {
    name: none('string'),
    catalog: noRef('catalog', catalogHref),
    catalogName: none('string'),
    catalogItem: noRef('catalogitem', catalogItemHref),
    creationDate: none('date'),
    isBusy: FALSE,
    isPublished: FALSE,
    isIso: TRUE,
    isInCatalog: TRUE,
    isVdcEnabled: TRUE,
    owner: noRef('user', userHref),
    ownerName: none('string'),
    org: { ...noRef('org', orgHref), adminOnly: true },
    status: none('string'),
    storageB: none('number'),
    storageProfileName: none('string'),
    vdc: noRef('vdc', vdcHref),
    vdcName: none('string'),
    ...notHeld({ taskStatusName: 'string', task: 'string', taskStatus: 'string', taskDetails: 'string' }),
  },
  (base, row) => `${base}/api/media/${row.id as string}`,
  (row) => urn('media', row.id as string),
  MEDIA.media,
);

/** Independent disks (`disk`, `adminDisk`): the attributes of VCD's DiskRecord. */
const DISK_TABLE = emptyTable(
  {
    name: none('string'),
    description: none('string'),
    vdc: noRef('vdc', vdcHref),
    vdcName: none('string'),
    sizeMb: none('number'),
    sizeB: none('number'),
    iops: none('number'),
    encrypted: FALSE,
    uuid: none('string'),
    dataStore: none('string'),
    datastoreName: none('string'),
    owner: noRef('user', userHref),
    ownerName: none('string'),
    task: none('string'),
    storageProfile: none('string'),
    storageProfileName: none('string'),
    status: none('string'),
    busType: none('string'),
    busSubType: none('string'),
    busTypeDesc: none('string'),
    attachedVmCount: none('number'),
    sharingType: none('string'),
    isAttached: FALSE,
    isShareable: FALSE,
    org: { ...noRef('org', orgHref), adminOnly: true },
  },
  (base, row) => `${base}/api/disk/${row.id as string}`,
  (row) => urn('disk', row.id as string),
  MEDIA.disk,
);

/** Edge gateways (`edgeGateway`; VCD has no admin variant): the attributes of VCD's EdgeGatewayRecord. */
const EDGE_GATEWAY_TABLE = emptyTable(
  {
    name: none('string'),
    vdc: noRef('vdc', vdcHref),
    orgVdcName: none('string'),
    numberOfExtNetworks: none('number'),
    numberOfOrgNetworks: none('number'),
    isBusy: FALSE,
    isSyslogServerSettingInSync: FALSE,
    advancedNetworkingEnabled: FALSE,
    gatewayStatus: none('string'),
    haStatus: none('string'),
    taskStatus: none('string'),
    taskOperation: none('string'),
    taskDetails: none('string'),
  },
  (base, row) => `${base}/api/admin/edgeGateway/${row.id as string}`,
  (row) => urn('gateway', row.id as string),
  MEDIA.edgeGateway,
);

/**
 * VDC templates (`orgVdcTemplate`, `adminOrgVdcTemplate`): a provider's blueprints for new VDCs, which Tessera's
 * inventory does not model. Served with no records, as VCD answers where none are published: govcd's
 * GetVdcTemplateByName (Terraform's `data "vcd_org_vdc_template"`) lists them by name and says "not found", where
 * the 400 of an unknown type failed it. The admin type has the provider's names and backing; the tenant's, its org.
 */
const VDC_TEMPLATE_TABLE = emptyTable(
  {
    name: none('string'),
    description: none('string'),
    org: noRef('org', orgHref),
  },
  (base, row) => `${base}/api/vdcTemplate/${row.id as string}`,
  (row) => urn('vdctemplate', row.id as string),
  MEDIA.vdcTemplate,
);
const ADMIN_VDC_TEMPLATE_TABLE = emptyTable(
  {
    name: none('string'),
    description: none('string'),
    tenantVisibleName: none('string'),
    tenantVisibleDescription: none('string'),
    networkBackingType: none('string'),
  },
  (base, row) => `${base}/api/admin/extension/vdcTemplate/${row.id as string}`,
  (row) => urn('vdctemplate', row.id as string),
  MEDIA.adminVdcTemplate,
);

// ------------------------------------------------------------------ org VDCs

const VDC_TABLE: QueryTable = filterableById({
  table: 'vdcs',
  idColumn: 'vdcs.id',
  orgColumn: 'vdcs.org_id',
  joins: {
    org: (qb) => qb.innerJoin('orgs as o', 'o.id', 'vdcs.org_id'),
  },
  fields: {
    name: { column: 'vdcs.name', type: 'string' },
    description: { column: 'vdcs.description', type: 'string' },
    orgName: { column: 'o.name', type: 'string', joins: ['org'] },
    org: { column: 'vdcs.org_id', type: 'ref', ref: ref('org', orgHref) },
    isEnabled: { column: 'vdcs.is_enabled', type: 'boolean' },
    isSystemVdc: FALSE,
    allocationModel: { column: 'vdcs.allocation_model', type: 'enum', values: ALLOCATION_MODELS },
    cpuAllocationMhz: { column: 'vdcs.cpu_allocated_mhz', type: 'number' },
    cpuLimitMhz: { column: 'vdcs.cpu_limit_mhz', type: 'number' },
    memoryAllocationMB: { column: 'vdcs.memory_allocated_mb', type: 'number' },
    memoryLimitMB: { column: 'vdcs.memory_limit_mb', type: 'number' },
    storageLimitMB: { column: 'vdcs.storage_limit_mb', type: 'number' },
    numberOfVMs: { column: vmCount('vms.vdc_id = vdcs.id'), type: 'number' },
    numberOfVApps: {
      column: sql<number>`(select count(*) from vapps where vapps.vdc_id = vdcs.id and vapps.is_template = 0)`,
      type: 'number',
    },
    numberOfVAppTemplates: {
      column: sql<number>`(select count(*) from vapps where vapps.vdc_id = vdcs.id and vapps.is_template = 1)`,
      type: 'number',
    },
    // The profiles listed in `storage_profiles` (JSON written by JSON.stringify: one `"name":` per profile), or the
    // one default profile of a row that lists none (storage-profiles.ts). Counted with length/replace, which both
    // backends have alike, rather than their different JSON functions.
    numberOfStorageProfiles: {
      column: sql<number>`(case when vdcs.storage_profiles in ('', '[]') then 1 else (length(vdcs.storage_profiles) - length(replace(vdcs.storage_profiles, '"name":', ''))) / 7 end)`,
      type: 'number',
    },
    ...notHeld({
      cpuUsedMhz: 'number',
      memoryUsedMB: 'number',
      storageUsedMB: 'number',
      providerVdcName: 'string',
      providerVdc: 'string',
      numberOfUnmanagedVApps: 'number',
      numberOfMedia: 'number',
      numberOfDisks: 'number',
      vcName: 'string',
      isBusy: 'boolean',
      status: 'string',
      networkPool: 'string',
      numberOfResourcePools: 'number',
      usedNetworksInVdc: 'number',
      numberOfRunningVMs: 'number',
      numberOfDeployedVApps: 'number',
      numberOfDeployedUnmanagedVApps: 'number',
      isThinProvisioned: 'boolean',
      isFastProvisioned: 'boolean',
      networkProviderType: 'string',
      cpuOverheadMhz: 'number',
      isVCEnabled: 'boolean',
      memoryReservedMB: 'number',
      cpuReservedMhz: 'number',
      storageOverheadMB: 'number',
      memoryOverheadMB: 'number',
      vc: 'string',
    }),
  },
  href: (base, row) => vdcHref(base, row.id as string),
  urn: (row) => urn('vdc', row.id as string),
  mediaType: () => MEDIA.vdc,
});

// ------------------------------------------------------------------ VDC storage profiles

/**
 * VDC storage profiles (`orgVdcStorageProfile`, `adminOrgVdcStorageProfile`): govcd's QueryOrgVdcStorageProfileByID
 * and QueryAdminOrgVdcStorageProfileByID (`id==<urn>`, one record or "not found"), the by-VDC listings of its CSE
 * code (`vdc==<urn>`), pyvcloud's ResourceType.ORG_VDC_STORAGE_PROFILE.
 *
 * Design: storage profiles have no table; each VDC row lists its own as JSON (inventory/storage-profiles.ts), and a
 * profile's id is name-based on its VDC's id (a SHA-1 that SQL cannot compute). The records are therefore a VALUES
 * table built per statement from the VDC rows of the caller's scope, through `storageProfilesOf`, the same function
 * the Vdc and VdcStorageProfile documents use, so a record never disagrees with the document its href names.
 * Rejected: expanding the JSON in SQL (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL): two dialects of
 * FROM clause, the profile list's fallback and validation written twice, and the id still computed in code.
 * - Tenant isolation twice over: the rows are read with the scope's `org_id = ?` (a tenant's org only), and the
 *   table's own `org_id` column is the type's org column, so the engine's scope condition applies as on any type.
 *   The admin type is for the provider only, as every admin* type (query/service.ts mayRunQueryType).
 * - Both backends: literals for the derived ids and numbers, and each profile's name (inventory text) as a bound
 *   parameter. Rows are read in the query's snapshot (execute.ts), so cached counts and pages stay exact: every
 *   change of `vdcs` bumps the inventory version (migration 0002).
 * - Scale: one indexed read of the scope's VDC rows and one row per profile per statement. A tenant has a few VDCs;
 *   the provider's admin listing grows with every VDC of every org (two parameters per profile per statement: SQLite
 *   takes 32,766, i.e. some 16,000 profiles), which govcd's callers never need unfiltered.
 * Values: `isEnabled` true (the VdcStorageProfile document's Enabled), `iopsAllocated` 0 (its IopsAllocated),
 * `iopsLimit` 0 (VCD's "no IOPS limit": Tessera models none), `numberOfConditions` 0, the VDC never busy;
 * `storageUsedMB` is what the VMs' disks on the profile take, as the document says. The vCenter and the profile's
 * vSphere moref are not in the inventory: accepted in filters and sorts, never rendered.
 */
const STORAGE_PROFILE_COLUMNS = ['id', 'org_id', 'vdc_id', 'name', 'limit_mb', 'is_default'] as const;
const storageProfileTable = (admin: boolean): QueryTable =>
  filterableById({
    table: 'vdc_storage_profiles',
    values: {
      columns: STORAGE_PROFILE_COLUMNS,
      emptyRow: ['', '', '', '', 0, 0],
      rows: async (scope, ex) =>
        (await storageProfilesInScope(ex, scope)).map(({ vdcId, orgId, profile }) => [
          profile.id,
          orgId,
          vdcId,
          { bound: profile.name },
          profile.limitMb,
          profile.isDefault ? 1 : 0,
        ]),
    },
    idColumn: 'vdc_storage_profiles.id',
    orgColumn: 'vdc_storage_profiles.org_id',
    metadataKind: null,
    joins: { vdc: (qb) => qb.innerJoin('vdcs as vd', 'vd.id', 'vdc_storage_profiles.vdc_id') },
    fields: {
      name: { column: 'vdc_storage_profiles.name', type: 'string' },
      isEnabled: TRUE,
      isDefaultStorageProfile: { column: 'vdc_storage_profiles.is_default', type: 'boolean' },
      storageUsedMB: {
        column: sql<number>`(select coalesce(sum(vms.disk_mb), 0) from vms where vms.vdc_id = vdc_storage_profiles.vdc_id and vms.storage_profile = vdc_storage_profiles.name)`,
        type: 'number',
      },
      storageLimitMB: { column: 'vdc_storage_profiles.limit_mb', type: 'number' },
      iopsAllocated: constant('number', 0),
      iopsLimit: constant('number', 0),
      numberOfConditions: constant('number', 0),
      vdc: { column: 'vdc_storage_profiles.vdc_id', type: 'ref', ref: ref('vdc', vdcHref) },
      vdcName: { column: 'vd.name', type: 'string', joins: ['vdc'] },
      isVdcBusy: FALSE,
      org: { column: 'vdc_storage_profiles.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
      vc: { ...none('string'), adminOnly: true },
      storageProfileMoref: { ...none('string'), adminOnly: true },
    },
    href: (base, row) => (admin ? adminVdcStorageProfileHref : vdcStorageProfileHref)(base, row.id as string),
    urn: (row) => urn('vdcstorageProfile', row.id as string),
    mediaType: () => (admin ? MEDIA.adminVdcStorageProfile : MEDIA.vdcStorageProfile),
  });
const VDC_STORAGE_PROFILE_TABLE = storageProfileTable(false);
const ADMIN_VDC_STORAGE_PROFILE_TABLE = storageProfileTable(true);

// ------------------------------------------------------------------ organizations

const ORG_TABLE: QueryTable = filterableById({
  table: 'orgs',
  idColumn: 'orgs.id',
  orgColumn: 'orgs.id',
  joins: {},
  fields: {
    name: { column: 'orgs.name', type: 'string' },
    displayName: { column: 'orgs.full_name', type: 'string' },
    description: { column: 'orgs.description', type: 'string' },
    isEnabled: { column: 'orgs.is_enabled', type: 'boolean' },
    isReadOnly: FALSE,
    canPublishCatalogs: FALSE,
    deployedVMQuota: { column: 'orgs.deployed_vm_quota', type: 'number' },
    storedVMQuota: { column: 'orgs.stored_vm_quota', type: 'number' },
    numberOfVdcs: { column: sql<number>`(select count(*) from vdcs where vdcs.org_id = orgs.id)`, type: 'number' },
    // Catalogs are the distinct catalog names of the org's templates (inventory/catalogs.ts).
    numberOfCatalogs: {
      column: sql<number>`(select count(distinct vapps.catalog_name) from vapps where vapps.org_id = orgs.id and vapps.is_template = 1)`,
      type: 'number',
    },
    ...notHeld({ type: 'string', numberOfVApps: 'number', numberOfGroups: 'number', numberOfDisks: 'number' }),
  },
  href: (base, row) => orgHref(base, row.id as string),
  urn: (row) => urn('org', row.id as string),
  mediaType: () => MEDIA.org,
});

// ------------------------------------------------------------------ users

const USER_TABLE: QueryTable = filterableById({
  table: 'users',
  idColumn: 'users.id',
  orgColumn: 'users.org_id',
  joins: {
    org: (qb) => qb.innerJoin('orgs as o', 'o.id', 'users.org_id'),
    role: (qb) => qb.innerJoin('roles as r', 'r.id', 'users.role_id'),
  },
  fields: {
    name: { column: 'users.name', type: 'string' },
    fullName: { column: 'users.full_name', type: 'string' },
    email: { column: 'users.email', type: 'string' },
    isEnabled: { column: 'users.is_enabled', type: 'boolean' },
    isLdapUser: FALSE,
    roleName: { column: 'r.name', type: 'string', joins: ['role'] },
    deployedVMQuota: { column: 'users.deployed_vm_quota', type: 'number' },
    storedVMQuota: { column: 'users.stored_vm_quota', type: 'number' },
    org: { column: 'users.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
    orgName: { column: 'o.name', type: 'string', joins: ['org'], adminOnly: true },
  },
  href: (base, row) => userHref(base, row.id as string),
  urn: (row) => urn('user', row.id as string),
  mediaType: () => MEDIA.user,
});

// ------------------------------------------------------------------ roles and groups

/**
 * Roles (`type=role`, pyvcloud's Org.list_roles and get_role_record; `adminRole` for the provider) and groups
 * (`type=group`). Each org's roles are its own (the predefined ones are copied into every org, read-only), so the
 * org column scopes them like users. A group's role is optional (a group without one grants nothing). Writes to both
 * tables bump the inventory version (migration 0022), so cached pages stay exact.
 */
const ROLE_TABLE: QueryTable = filterableById({
  table: 'roles',
  idColumn: 'roles.id',
  orgColumn: 'roles.org_id',
  joins: { org: (qb) => qb.innerJoin('orgs as o', 'o.id', 'roles.org_id') },
  fields: {
    name: { column: 'roles.name', type: 'string' },
    description: { column: 'roles.description', type: 'string' },
    isReadOnly: { column: 'roles.read_only', type: 'boolean' },
    org: { column: 'roles.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
    orgName: { column: 'o.name', type: 'string', joins: ['org'], adminOnly: true },
  },
  href: (base, row) => roleHref(base, row.id as string),
  urn: (row) => urn('role', row.id as string),
  mediaType: () => MEDIA.role,
});

const GROUP_TABLE: QueryTable = filterableById({
  table: 'groups',
  idColumn: 'groups.id',
  orgColumn: 'groups.org_id',
  joins: {
    org: (qb) => qb.innerJoin('orgs as o', 'o.id', 'groups.org_id'),
    role: (qb) => qb.leftJoin('roles as r', 'r.id', 'groups.role_id'),
  },
  fields: {
    name: { column: 'groups.name', type: 'string' },
    roleName: { column: 'r.name', type: 'string', joins: ['role'], nullable: true },
    isReadOnly: FALSE,
    identityProviderType: fixedText('INTEGRATED'),
    org: { column: 'groups.org_id', type: 'ref', ref: ref('org', orgHref), adminOnly: true },
  },
  href: (base, row) => groupHref(base, row.id as string),
  urn: (row) => urn('group', row.id as string),
  mediaType: () => MEDIA.group,
});

/**
 * VCD tasks (auth/tasks.ts, table `tasks`): `type=task` lists the org's tasks (the provider's: every org's, as its
 * scope is all orgs). `object` is what the task was about: an org (its AdminOrg), a user or a catalog. The table's
 * writes bump the inventory version (migration 0006), so cached counts and pages stay exact.
 */
const TASK_TABLE: QueryTable = filterableById({
  table: 'tasks',
  idColumn: 'tasks.id',
  orgColumn: 'tasks.org_id',
  joins: {},
  fields: {
    name: { column: 'tasks.operation_name', type: 'string' },
    operationFull: { column: 'tasks.operation', type: 'string' },
    // VCD's task statuses (TaskType): Tessera's tasks end in success or error, but a filter may name any of them
    // (govcd's Catalog.Delete(force, recursive) lists running, preRunning, postRunning and queued ones), in either
    // spelling VCD takes (vcd-cli's `vcd task list` sends RUNNING, PRE_RUNNING).
    status: {
      column: 'tasks.status',
      type: 'enum',
      values: ['queued', 'preRunning', 'running', 'postRunning', 'success', 'error', 'canceled', 'aborted'],
      looseValues: true,
    },
    progress: { column: 'tasks.progress', type: 'number' },
    startDate: { column: 'tasks.started_at', type: 'date' },
    endDate: { column: 'tasks.ended_at', type: 'date', nullable: true },
    message: { column: 'tasks.error_message', type: 'string', nullable: true },
    ownerName: { column: 'tasks.user_name', type: 'string' },
    objectType: { column: 'tasks.owner_kind', type: 'string' },
    objectName: { column: 'tasks.owner_name', type: 'string' },
    object: {
      column: 'tasks.owner_id',
      type: 'ref',
      ref: {
        href: (base, id, row) => taskOwnerReference(base, row.objectType as string, id).href,
        urn: (id, row) => taskOwnerReference('', row.objectType as string, id).id,
      },
    },
    org: { column: 'tasks.org_id', type: 'ref', ref: ref('org', orgHref) },
    orgName: { column: 'tasks.org_name', type: 'string' },
    ...notHeld({ type: 'string', serviceNamespace: 'string' }),
  },
  href: (base, row) => taskHref(base, row.id as string),
  urn: (row) => urn('task', row.id as string),
  mediaType: () => MEDIA.task,
});

// ------------------------------------------------------------------ rights

/**
 * Rights (`right`: pyvcloud's Org.list_rights_available_in_vcd and get_right_record, `vcd right list`): the rights
 * catalogue (domain/rights.ts), which is code, not a table, so the engine reads it as a VALUES table in each
 * statement. A tenant sees the rights its orgs may be given, the provider every right, as at
 * `/cloudapi/1.0.0/rights`. Each record's href is the Right document (`/api/admin/right/{id}`). Read by who may
 * read roles ("Role: View").
 */
const RIGHT_TABLE: QueryTable = {
  table: 'rights',
  values: {
    columns: ['id', 'name', 'description', 'category', 'bundle_key', 'right_type'],
    emptyRow: ['', '', '', '', '', ''],
    rows: (scope) =>
      RIGHT_CATALOGUE.filter((r) => scope.kind === 'all' || !r.providerOnly).map((r) => [
        rightId(r.name),
        r.name,
        r.label,
        r.category,
        rightBundleKey(r.name),
        rightType(r.name),
      ]),
  },
  idColumn: 'rights.id',
  orgColumn: null,
  metadataKind: null,
  joins: {},
  fields: {
    name: { column: 'rights.name', type: 'string' },
    description: { column: 'rights.description', type: 'string' },
    category: { column: 'rights.category', type: 'string' },
    bundleKey: { column: 'rights.bundle_key', type: 'string' },
    rightType: { column: 'rights.right_type', type: 'enum', values: ['VIEW', 'MODIFY'] },
    id: { column: 'rights.id', type: 'ref', filterOnly: true },
  },
  href: (base, row) => rightHref(base, row.id as string),
  urn: (row) => urn('right', row.id as string),
  mediaType: () => MEDIA.right,
};

// ------------------------------------------------------------------ the catalogue

function define(
  name: string,
  table: QueryTable,
  action: Action,
  admin: boolean,
  names: { record: string; json: string; references: string },
): QueryTypeDefinition {
  return {
    name,
    table,
    action,
    admin,
    recordElement: names.record,
    jsonRecordType: names.json,
    referencesElement: `${names.references}References`,
    referenceElement: `${names.references}Reference`,
  };
}

/** Every type, in the order QueryList advertises them. */
export const QUERY_TYPES: readonly QueryTypeDefinition[] = [
  define('organization', ORG_TABLE, 'org.view', false, {
    record: 'OrgRecord',
    json: 'QueryResultOrgRecordType',
    references: 'Organization',
  }),
  define('orgVdc', VDC_TABLE, 'vdc.view', false, { record: 'OrgVdcRecord', json: 'QueryResultOrgVdcRecordType', references: 'OrgVdc' }),
  define('adminOrgVdc', VDC_TABLE, 'vdc.view', true, {
    record: 'AdminVdcRecord',
    json: 'QueryResultAdminVdcRecordType',
    references: 'AdminOrgVdc',
  }),
  define('vApp', VAPP_TABLE, 'vapp.view', false, { record: 'VAppRecord', json: 'QueryResultVAppRecordType', references: 'VApp' }),
  define('adminVApp', VAPP_TABLE, 'vapp.view', true, {
    record: 'AdminVAppRecord',
    json: 'QueryResultAdminVAppRecordType',
    references: 'AdminVApp',
  }),
  define('vm', VM_TABLE, 'vapp.view', false, { record: 'VMRecord', json: 'QueryResultVMRecordType', references: 'VM' }),
  define('adminVM', VM_TABLE, 'vapp.view', true, { record: 'AdminVMRecord', json: 'QueryResultAdminVMRecordType', references: 'AdminVM' }),
  define('vAppTemplate', VAPP_TEMPLATE_TABLE, 'vapp.view', false, {
    record: 'VAppTemplateRecord',
    json: 'QueryResultVAppTemplateRecordType',
    references: 'VAppTemplate',
  }),
  define('adminVAppTemplate', VAPP_TEMPLATE_TABLE, 'vapp.view', true, {
    record: 'AdminVAppTemplateRecord',
    json: 'QueryResultAdminVAppTemplateRecordType',
    references: 'AdminVAppTemplate',
  }),
  define('vAppNetwork', VAPP_NETWORK_TABLE, 'vapp.view', false, {
    record: 'VAppNetworkRecord',
    json: 'QueryResultVAppNetworkRecordType',
    references: 'VAppNetwork',
  }),
  define('adminVAppNetwork', VAPP_NETWORK_TABLE, 'vapp.view', true, {
    record: 'AdminVAppNetworkRecord',
    json: 'QueryResultAdminVAppNetworkRecordType',
    references: 'AdminVAppNetwork',
  }),
  define('catalog', CATALOG_TABLE, 'vapp.view', false, {
    record: 'CatalogRecord',
    json: 'QueryResultCatalogRecordType',
    references: 'Catalog',
  }),
  define('adminCatalog', CATALOG_TABLE, 'vapp.view', true, {
    record: 'AdminCatalogRecord',
    json: 'QueryResultAdminCatalogRecordType',
    references: 'AdminCatalog',
  }),
  define('catalogItem', CATALOG_ITEM_TABLE, 'vapp.view', false, {
    record: 'CatalogItemRecord',
    json: 'QueryResultCatalogItemRecordType',
    references: 'CatalogItem',
  }),
  define('adminCatalogItem', CATALOG_ITEM_TABLE, 'vapp.view', true, {
    record: 'AdminCatalogItemRecord',
    json: 'QueryResultAdminCatalogItemRecordType',
    references: 'CatalogItem',
  }),
  define('media', MEDIA_TABLE, 'vapp.view', false, { record: 'MediaRecord', json: 'QueryResultMediaRecordType', references: 'Media' }),
  define('adminMedia', MEDIA_TABLE, 'vapp.view', true, {
    record: 'AdminMediaRecord',
    json: 'QueryResultAdminMediaRecordType',
    references: 'AdminMedia',
  }),
  define('disk', DISK_TABLE, 'vapp.view', false, { record: 'DiskRecord', json: 'QueryResultDiskRecordType', references: 'Disk' }),
  define('adminDisk', DISK_TABLE, 'vapp.view', true, {
    record: 'AdminDiskRecord',
    json: 'QueryResultAdminDiskRecordType',
    references: 'AdminDisk',
  }),
  define('orgVdcStorageProfile', VDC_STORAGE_PROFILE_TABLE, 'vdc.view', false, {
    record: 'OrgVdcStorageProfileRecord',
    json: 'QueryResultOrgVdcStorageProfileRecordType',
    references: 'OrgVdcStorageProfile',
  }),
  define('adminOrgVdcStorageProfile', ADMIN_VDC_STORAGE_PROFILE_TABLE, 'vdc.view', true, {
    record: 'AdminOrgVdcStorageProfileRecord',
    json: 'QueryResultAdminOrgVdcStorageProfileRecordType',
    references: 'AdminOrgVdcStorageProfile',
  }),
  define('edgeGateway', EDGE_GATEWAY_TABLE, 'vdc.view', false, {
    record: 'EdgeGatewayRecord',
    json: 'QueryResultEdgeGatewayRecordType',
    references: 'EdgeGateway',
  }),
  define('orgVdcTemplate', VDC_TEMPLATE_TABLE, 'vdc.view', false, {
    record: 'OrgVdcTemplateRecord',
    json: 'QueryResultOrgVdcTemplateRecordType',
    references: 'OrgVdcTemplate',
  }),
  define('adminOrgVdcTemplate', ADMIN_VDC_TEMPLATE_TABLE, 'vdc.view', true, {
    record: 'AdminOrgVdcTemplateRecord',
    json: 'QueryResultAdminOrgVdcTemplateRecordType',
    references: 'AdminOrgVdcTemplate',
  }),
  define('orgVdcNetwork', ORG_VDC_NETWORK_TABLE, 'vdc.view', false, {
    record: 'OrgVdcNetworkRecord',
    json: 'QueryResultOrgVdcNetworkRecordType',
    references: 'OrgVdcNetwork',
  }),
  define('user', USER_TABLE, 'user.view', false, { record: 'UserRecord', json: 'QueryResultUserRecordType', references: 'User' }),
  define('adminUser', USER_TABLE, 'user.view', true, {
    record: 'AdminUserRecord',
    json: 'QueryResultAdminUserRecordType',
    references: 'AdminUser',
  }),
  define('role', ROLE_TABLE, 'role.view', false, { record: 'RoleRecord', json: 'QueryResultRoleRecordType', references: 'Role' }),
  define('adminRole', ROLE_TABLE, 'role.view', true, {
    record: 'AdminRoleRecord',
    json: 'QueryResultAdminRoleRecordType',
    references: 'AdminRole',
  }),
  define('right', RIGHT_TABLE, 'role.view', false, { record: 'RightRecord', json: 'QueryResultRightRecordType', references: 'Right' }),
  define('group', GROUP_TABLE, 'group.view', false, { record: 'GroupRecord', json: 'QueryResultGroupRecordType', references: 'Group' }),
  define('adminGroup', GROUP_TABLE, 'group.view', true, {
    record: 'AdminGroupRecord',
    json: 'QueryResultAdminGroupRecordType',
    references: 'AdminGroup',
  }),
  define('task', TASK_TABLE, 'task.view', false, { record: 'TaskRecord', json: 'QueryResultTaskRecordType', references: 'Task' }),
  define('adminTask', TASK_TABLE, 'task.view', true, {
    record: 'AdminTaskRecord',
    json: 'QueryResultAdminTaskRecordType',
    references: 'AdminTask',
  }),
];

const BY_NAME = new Map(QUERY_TYPES.map((t) => [t.name, t]));

/** The type named by `type=` (case-sensitive, as VCD), or undefined. */
export function queryType(name: string): QueryTypeDefinition | undefined {
  return BY_NAME.get(name);
}

const RENDERED = new Map<QueryTypeDefinition, readonly string[]>(
  QUERY_TYPES.map((type) => [
    type,
    Object.entries(type.table.fields)
      .filter(([, f]) => !f.filterOnly && (type.admin || !f.adminOnly))
      .map(([name]) => name),
  ]),
);

/** Attributes a record of this type renders, in order (admin-only ones only for admin types). */
export function renderedFields(type: QueryTypeDefinition): readonly string[] {
  return RENDERED.get(type)!;
}
