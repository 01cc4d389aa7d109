/**
 * Inventory tables (VDCs, vApps, VMs, metadata), created by src/store/migrations/0002_inventory.ts.
 * Same portable conventions as src/store/schema.ts: lowercase UUID text ids, epoch-ms bigint times, 0/1 booleans.
 *
 * Every row carries its `org_id` (vApps and VMs denormalise it from their VDC) so that tenant isolation is a
 * plain indexed `where org_id = ?` in every query, never a join or a post-filter.
 */
import type { ColumnType } from 'kysely';
import { METADATA_VALUE_TYPES, type MetadataValueType } from '../domain/metadata-entry.js';

/** VCD's allocation models, as `AllocationModel` spells them. */
export const ALLOCATION_MODELS = ['AllocationVApp', 'AllocationPool', 'ReservationPool', 'Flex'] as const;
export type AllocationModel = (typeof ALLOCATION_MODELS)[number];

export interface VdcTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  allocation_model: AllocationModel;
  is_enabled: number;
  /** Compute capacity: CPU in MHz, memory and storage in MB. A limit of 0 means unlimited (VCD's convention). */
  cpu_allocated_mhz: number;
  cpu_limit_mhz: number;
  memory_allocated_mb: number;
  memory_limit_mb: number;
  storage_limit_mb: number;
  /** The VDC's default storage profile name (VMs name theirs in `vms.storage_profile`). */
  storage_profile: string;
  /** The org VDC network VMs attach to by default; null when the VDC has none. */
  network_name: string | null;
  /** Maximum number of VMs; 0 = unlimited. */
  vm_quota: number;
  created_at: number;
  /** What the VDC's VMs use, as the provider reports it (0008); rendered as `Used` in the Vdc document. */
  cpu_used_mhz: ColumnType<number, number | undefined, number>;
  memory_used_mb: ColumnType<number, number | undefined, number>;
  storage_used_mb: ColumnType<number, number | undefined, number>;
  /** Every storage profile of the VDC as JSON `[{"name","limitMb"}]` (0008); `[]` for rows written before. */
  storage_profiles: ColumnType<string, string | undefined, string>;
  /** The provider's id of the row and the file or agent that owns it (0008_inventory_sources.ts); null for the demo seed and generated rows. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  source: ColumnType<string | null, string | null | undefined, string | null>;
  /** SHA-256 of the row as the source last wrote it (spec-hash.ts), so an unchanged object costs one comparison. */
  spec_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface VAppTable {
  id: string;
  org_id: string;
  vdc_id: string;
  name: string;
  description: string;
  /** VCD status name (see VCD_STATUS). */
  status: string;
  /** users.id; null when the owner was deleted. */
  owner_id: string | null;
  is_deployed: number;
  /** A vApp template (lives in a catalog, hrefs under /api/vAppTemplate/) rather than a vApp. */
  is_template: number;
  /** For templates: the catalog that holds it. */
  catalog_name: string | null;
  created_at: number;
  /** The provider's id of the row and the file or agent that owns it (0008_inventory_sources.ts); null for the demo seed and generated rows. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  source: ColumnType<string | null, string | null | undefined, string | null>;
  /** SHA-256 of the row as the source last wrote it (spec-hash.ts), so an unchanged object costs one comparison. */
  spec_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface VmTable {
  id: string;
  /** Denormalised from the vApp (see the note at the top). */
  org_id: string;
  vdc_id: string;
  vapp_id: string;
  name: string;
  description: string;
  /** VCD status name (see VCD_STATUS), e.g. POWERED_ON. */
  status: string;
  guest_os: string;
  cpus: number;
  memory_mb: number;
  storage_profile: string;
  network_name: string | null;
  ip_address: string | null;
  owner_id: string | null;
  hardware_version: number;
  /** Size of the VM's one system disk, in MB (0004_vm_extra_config.ts; defaults to 16 GiB). */
  disk_mb: number;
  is_deployed: number;
  /** Denormalised from the vApp's is_template, for the indexed `isVAppTemplate==` filter every client sends. */
  is_template: number;
  created_at: number;
  /** The NIC's MAC address as the provider reports it (0008); null renders one derived from the VM id. */
  mac_address: ColumnType<string | null, string | null | undefined, string | null>;
  /** The provider's id of the row and the file or agent that owns it (0008_inventory_sources.ts); null for the demo seed and generated rows. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  source: ColumnType<string | null, string | null | undefined, string | null>;
  /** SHA-256 of the row as the source last wrote it (spec-hash.ts), so an unchanged object costs one comparison. */
  spec_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * Copies of the vApp's, the VDC's and the owner's names (0016_vm_sort_indexes.ts), so the VM list sorts by them
   * through an index. Triggers keep them exact whatever writes the row or renames the parent; a writer may supply
   * them (SQLite then skips a second write of the row) but never has to.
   */
  vapp_name: ColumnType<string, string | undefined, string | undefined>;
  vdc_name: ColumnType<string, string | undefined, string | undefined>;
  owner_name: ColumnType<string | null, string | null | undefined, string | null | undefined>;
}

/** Entity kinds that carry metadata, and whose ids `metadata.entity_id` holds. */
export const METADATA_ENTITY_KINDS = ['org', 'vdc', 'vapp', 'vm'] as const;
export type MetadataEntityKind = (typeof METADATA_ENTITY_KINDS)[number];

/** VCD's typed metadata values (`TypedValue xsi:type=...`), with the rules of an entry (domain/metadata-entry.ts). */
export { METADATA_VALUE_TYPES, type MetadataValueType };

export interface MetadataTable {
  entity_kind: MetadataEntityKind;
  entity_id: string;
  /** Entity's org, for isolation without a join. */
  org_id: string;
  /** 'GENERAL' (tenant-visible) or 'SYSTEM' (provider). */
  domain: string;
  key: string;
  /** The value as text; `value_type` says how to read it. */
  value: string;
  value_type: MetadataValueType;
  /** 'READWRITE' | 'READONLY' | 'PRIVATE'. */
  visibility: string;
}

/**
 * A VM's ExtraConfig (VMX) key/values, served as `vmw:ExtraConfig` in the VM's `ovf:VirtualHardwareSection`
 * (CAPVCD reads `guestinfo.*` keys there). Keys are unique per VM (0004_vm_extra_config.ts).
 */
export interface VmExtraConfigTable {
  vm_id: string;
  /** The VM's org (see the note at the top). */
  org_id: string;
  key: string;
  value: string;
}

/**
 * One row (id = 1) whose `version` grows with every change that can alter a query result: rows of vdcs, vapps,
 * vms and metadata, and the user/org/role columns records show. Database triggers bump it (0002_inventory.ts),
 * so no writer, in any process or on any node, can forget to. Query caches are valid only for the version
 * they were computed at (query/cache.ts).
 */
export interface InventoryStateTable {
  id: number;
  version: number;
}

/** One row per inventory source (a file's or an agent's name): its committed and open sync generation (0008). */
export interface InventorySourceTable {
  source: string;
  committed_generation: number;
  open_generation: number | null;
  open_started_at: number | null;
  updated_at: number;
}

/** External ids an agent sent in a sync generation (0008); committing the generation prunes the others. */
export interface InventorySyncSeenTable {
  source: string;
  generation: number;
  kind: 'vdc' | 'vapp' | 'vm';
  external_id: string;
}

export interface InventoryTables {
  inventory_sources: InventorySourceTable;
  inventory_sync_seen: InventorySyncSeenTable;
  inventory_state: InventoryStateTable;
  vdcs: VdcTable;
  vapps: VAppTable;
  vms: VmTable;
  metadata: MetadataTable;
  vm_extra_config: VmExtraConfigTable;
}
