/**
 * Plans an inventory change: compares the desired objects (model.ts) with what the store holds for their
 * external ids, checks every reference (parent exists, owner exists in the org, names unique where VCD needs
 * them, storage profile offered by the VDC, ids owned by this source), and returns either the complete list of
 * errors or the rows to create, update and delete. Nothing is written here (write.ts does, in one transaction),
 * so a bad document changes nothing and `--dry-run` is just "plan, print, stop".
 *
 * Decisions:
 * - Row ids are name-based UUIDs of the external id (uuid.ts), so the same file gives the same hrefs on every
 *   store, and a VM deleted and re-created keeps its href.
 * - An object belongs to the source that created it. Another source naming the same external id is an error
 *   (two agents must not fight over one VM); its parent may belong to any source (a file's VDCs can hold an
 *   agent's vApps).
 * - Pruning deletes only rows of this source. Rows without a source (the demo seed, `tessera seed`) are never
 *   touched; deleting a VDC or vApp deletes what it holds, whoever wrote it (as VCD would).
 * - Unchanged is decided by `spec_hash`: a SHA-256 of the row as written (with metadata and ExtraConfig).
 *   Denormalised columns (a vApp's and VM's org, a VM's VDC) are left out of it: they follow their parent
 *   (write.ts moves a moved parent's children), so a moved VDC does not make every VM in it look changed.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Executor, Store } from '../../store/store.js';
import type { MetadataEntityKind, MetadataTable, VAppTable, VdcTable, VmExtraConfigTable, VmTable } from '../schema.js';
import { nameBasedUuid } from '../uuid.js';
import { SYSTEM_ORG_ID } from '../../domain/rights.js';
import { displayNameProblem } from '../../domain/user-name.js';
import { validMetadataEntry } from '../../domain/metadata-entry.js';
import { TesseraError } from '../../domain/errors.js';
import type { DesiredInventory, DesiredMetadata, DesiredOrg, DesiredVApp, DesiredVdc, DesiredVm } from './model.js';

/** Namespace of the row ids derived from external ids (any fixed string; changing it would change every href). */
const ID_NAMESPACE = 'tessera:inventory:external-id';
export const rowIdOf = (kind: 'vdc' | 'vapp' | 'vm', externalId: string) => nameBasedUuid(ID_NAMESPACE, `${kind}:${externalId}`);

/** Lookups of many keys go in chunks: every statement stays far below both backends' parameter limits. */
const LOOKUP_CHUNK = 500;

export interface InventoryProblem {
  /** JSON pointer into the document (RFC 6901), "" for the whole document. */
  readonly pointer: string;
  readonly message: string;
}

export class InventoryValidationError extends Error {
  readonly problems: readonly InventoryProblem[];
  constructor(problems: readonly InventoryProblem[]) {
    super(`${problems.length} problem(s) in the inventory document; nothing was changed`);
    this.problems = problems;
  }
}

export interface PlanOptions {
  /** The file's or agent's source name: rows are owned per source. */
  readonly source: string;
  /** Delete this source's rows the document does not list (file `--prune`, an agent's single-call full sync). */
  readonly prune: boolean;
  /** Orgs the document names may be created (the file); sync batches refer to existing orgs only. */
  readonly createOrgs: boolean;
}

export interface EntityChange<T> {
  /** Path of names for the plan's listing, e.g. acme/acme-prod/web/web-01. */
  readonly label: string;
  readonly row: Insertable<T>;
  readonly metadata: Insertable<MetadataTable>[];
}
export interface VmChange extends EntityChange<VmTable> {
  readonly extraConfig: Insertable<VmExtraConfigTable>[];
}
export interface Deletion {
  readonly id: string;
  readonly externalId: string;
  readonly label: string;
}
export interface KindPlan<C> {
  readonly create: C[];
  readonly update: C[];
  unchanged: number;
  readonly delete: Deletion[];
}
/** A VDC whose org changed, or a vApp whose VDC changed: its children follow (write.ts). */
export interface Move {
  readonly id: string;
  readonly orgId: string;
  readonly vdcId?: string;
  /** The object leaves its org (a VDC always does; a vApp may move between VDCs of one org). */
  readonly orgChanged?: boolean;
}

export interface InventoryPlan {
  readonly source: string;
  readonly orgs: {
    readonly create: Array<{ id: string; name: string; fullName: string; description: string }>;
    readonly update: Array<{ id: string; name: string; fullName?: string; description?: string }>;
    unchanged: number;
  };
  readonly vdcs: KindPlan<EntityChange<VdcTable>>;
  readonly vapps: KindPlan<EntityChange<VAppTable>>;
  readonly vms: KindPlan<VmChange>;
  readonly movedVdcs: Move[];
  readonly movedVApps: Move[];
  /** Every external id the document lists (what an agent's generation has seen). */
  readonly seen: { vdc: string[]; vapp: string[]; vm: string[] };
}

export interface PlanSummary {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export function summarize(plan: InventoryPlan): PlanSummary {
  const kinds = [plan.vdcs, plan.vapps, plan.vms];
  return {
    created: plan.orgs.create.length + kinds.reduce((n, k) => n + k.create.length, 0),
    updated: plan.orgs.update.length + kinds.reduce((n, k) => n + k.update.length, 0),
    deleted: kinds.reduce((n, k) => n + k.delete.length, 0),
    unchanged: plan.orgs.unchanged + kinds.reduce((n, k) => n + k.unchanged, 0),
  };
}

export const summaryLine = (s: PlanSummary) => `${s.created} created, ${s.updated} updated, ${s.deleted} deleted, ${s.unchanged} unchanged`;

// ---------------------------------------------------------------- lookups

interface VdcRef {
  id: string;
  external_id: string | null;
  source: string | null;
  spec_hash: string | null;
  org_id: string;
  name: string;
  storage_profile: string;
  storage_profiles: string;
}
interface VAppRef {
  id: string;
  external_id: string | null;
  source: string | null;
  spec_hash: string | null;
  org_id: string;
  vdc_id: string;
  name: string;
  owner_id: string | null;
  is_template: number;
}
interface VmRef {
  id: string;
  external_id: string | null;
  source: string | null;
  spec_hash: string | null;
  org_id: string;
  vapp_id: string;
  name: string;
}

async function inChunks<T, R>(values: readonly T[], fn: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += LOOKUP_CHUNK) out.push(...(await fn(values.slice(i, i + LOOKUP_CHUNK))));
  return out;
}

const VDC_COLUMNS = ['id', 'external_id', 'source', 'spec_hash', 'org_id', 'name', 'storage_profile', 'storage_profiles'] as const;
const VAPP_COLUMNS = ['id', 'external_id', 'source', 'spec_hash', 'org_id', 'vdc_id', 'name', 'owner_id', 'is_template'] as const;
const VM_COLUMNS = ['id', 'external_id', 'source', 'spec_hash', 'org_id', 'vapp_id', 'name'] as const;

const byExternalId = <T extends { external_id: string | null }>(rows: T[]) => new Map(rows.map((r) => [r.external_id!, r]));

// ---------------------------------------------------------------- hashing

function specHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

function metadataRows(kind: MetadataEntityKind, entityId: string, orgId: string, list: readonly DesiredMetadata[]) {
  return list.map((m) => ({
    entity_kind: kind,
    entity_id: entityId,
    org_id: orgId,
    domain: m.domain,
    key: m.key,
    value: m.value,
    value_type: m.type,
    visibility: m.visibility,
  }));
}

const metadataKey = (m: DesiredMetadata) => `${m.domain}\u0000${m.key}`;

// ---------------------------------------------------------------- the planner

export async function planInventory(
  store: Store,
  desired: DesiredInventory,
  options: PlanOptions,
  ex: Executor = store.db,
): Promise<InventoryPlan> {
  const problems: InventoryProblem[] = [];
  const problem = (pointer: string, message: string) => {
    if (problems.length < 1000) problems.push({ pointer, message });
  };
  const now = Date.now();
  const plan: InventoryPlan = {
    source: options.source,
    orgs: { create: [], update: [], unchanged: 0 },
    vdcs: { create: [], update: [], unchanged: 0, delete: [] },
    vapps: { create: [], update: [], unchanged: 0, delete: [] },
    vms: { create: [], update: [], unchanged: 0, delete: [] },
    movedVdcs: [],
    movedVApps: [],
    seen: {
      vdc: desired.vdcs.map((v) => v.externalId),
      vapp: desired.vapps.map((v) => v.externalId),
      vm: desired.vms.map((v) => v.externalId),
    },
  };

  // ---- orgs: by name, case-insensitively as VCD does.
  const orgIds = new Map<string, string>(); // lower name -> id
  const orgNames = new Map<string, string>(); // id -> name
  const fileOrgs = new Map<string, DesiredOrg>();
  for (const org of desired.orgs) {
    const key = org.name.toLowerCase();
    if (fileOrgs.has(key)) problem(`${org.pointer}/name`, `org "${org.name}" is listed twice (also at ${fileOrgs.get(key)!.pointer})`);
    else fileOrgs.set(key, org);
    // The full name is a display name wherever else it is set (the XML admin API, org-admin.ts validFullName):
    // until 2026-12-06 the file took terminal escapes and bidi overrides that the API refuses.
    const fullNameProblem = org.fullName === undefined ? null : displayNameProblem('fullName', org.fullName);
    if (fullNameProblem) problem(`${org.pointer}/fullName`, fullNameProblem);
  }
  const namedOrgs = new Set([...fileOrgs.keys(), ...desired.vdcs.map((v) => v.orgName.toLowerCase())]);
  for (const key of namedOrgs) {
    const existing = await store.getOrgByName(key, ex);
    const fileOrg = fileOrgs.get(key);
    if (existing) {
      orgIds.set(key, existing.id);
      orgNames.set(existing.id, existing.name);
      if (fileOrg) {
        const update: { id: string; name: string; fullName?: string; description?: string } = { id: existing.id, name: existing.name };
        if (fileOrg.fullName !== undefined && fileOrg.fullName !== existing.full_name) update.fullName = fileOrg.fullName;
        if (fileOrg.description !== undefined && fileOrg.description !== existing.description) update.description = fileOrg.description;
        if (update.fullName !== undefined || update.description !== undefined) plan.orgs.update.push(update);
        else plan.orgs.unchanged++;
      }
    } else if (fileOrg && options.createOrgs) {
      const id = randomUUID();
      orgIds.set(key, id);
      orgNames.set(id, fileOrg.name);
      plan.orgs.create.push({ id, name: fileOrg.name, fullName: fileOrg.fullName ?? fileOrg.name, description: fileOrg.description ?? '' });
    }
  }

  // ---- external ids: unique per kind within the document.
  const uniqueIds = <T extends { externalId: string; pointer: string }>(kind: string, list: readonly T[]) => {
    const seen = new Map<string, T>();
    for (const item of list) {
      const first = seen.get(item.externalId);
      if (first) problem(item.pointer, `${kind} external id "${item.externalId}" is used twice (also at ${first.pointer})`);
      else seen.set(item.externalId, item);
    }
    return seen;
  };
  const wantVdcs = uniqueIds('VDC', desired.vdcs);
  const wantVApps = uniqueIds('vApp', desired.vapps);
  const wantVms = uniqueIds('VM', desired.vms);

  // ---- what the store holds for every external id named (objects, parents, deletions).
  const vdcIdsNamed = [
    ...new Set([...wantVdcs.keys(), ...desired.vapps.map((a) => a.vdcExternalId), ...desired.deletes.vdcs.map((d) => d.externalId)]),
  ];
  const vappIdsNamed = [
    ...new Set([...wantVApps.keys(), ...desired.vms.map((m) => m.vappExternalId), ...desired.deletes.vapps.map((d) => d.externalId)]),
  ];
  const vmIdsNamed = [...new Set([...wantVms.keys(), ...desired.deletes.vms.map((d) => d.externalId)])];
  const haveVdcs = byExternalId(
    (await inChunks(vdcIdsNamed, (c) => ex.selectFrom('vdcs').select(VDC_COLUMNS).where('external_id', 'in', c).execute())) as VdcRef[],
  );
  const haveVApps = byExternalId(
    (await inChunks(vappIdsNamed, (c) => ex.selectFrom('vapps').select(VAPP_COLUMNS).where('external_id', 'in', c).execute())) as VAppRef[],
  );
  const haveVms = byExternalId(
    (await inChunks(vmIdsNamed, (c) => ex.selectFrom('vms').select(VM_COLUMNS).where('external_id', 'in', c).execute())) as VmRef[],
  );
  const owned = (kind: string, pointer: string, externalId: string, row: { source: string | null } | undefined) => {
    if (row && row.source !== options.source) {
      problem(pointer, `${kind} "${externalId}" belongs to source "${row.source}", not "${options.source}"`);
      return false;
    }
    return true;
  };

  // ---- deletions: explicit (sync batches) and pruned (rows of this source the document no longer lists).
  const deletedVdcIds = new Set<string>();
  const deletedVAppIds = new Set<string>();
  const deletedVmIds = new Set<string>();
  for (const d of desired.deletes.vdcs) {
    const row = haveVdcs.get(d.externalId);
    if (wantVdcs.has(d.externalId)) problem(d.pointer, `VDC "${d.externalId}" is both upserted and deleted`);
    else if (row && owned('VDC', d.pointer, d.externalId, row) && !deletedVdcIds.has(row.id)) {
      deletedVdcIds.add(row.id);
      plan.vdcs.delete.push({ id: row.id, externalId: d.externalId, label: row.name });
    }
  }
  for (const d of desired.deletes.vapps) {
    const row = haveVApps.get(d.externalId);
    if (wantVApps.has(d.externalId)) problem(d.pointer, `vApp "${d.externalId}" is both upserted and deleted`);
    else if (row && owned('vApp', d.pointer, d.externalId, row) && !deletedVAppIds.has(row.id)) {
      deletedVAppIds.add(row.id);
      plan.vapps.delete.push({ id: row.id, externalId: d.externalId, label: row.name });
    }
  }
  for (const d of desired.deletes.vms) {
    const row = haveVms.get(d.externalId);
    if (wantVms.has(d.externalId)) problem(d.pointer, `VM "${d.externalId}" is both upserted and deleted`);
    else if (row && owned('VM', d.pointer, d.externalId, row) && !deletedVmIds.has(row.id)) {
      deletedVmIds.add(row.id);
      plan.vms.delete.push({ id: row.id, externalId: d.externalId, label: row.name });
    }
  }
  if (options.prune) {
    const prune = async (table: 'vdcs' | 'vapps' | 'vms', want: Map<string, unknown>, into: Deletion[], ids: Set<string>) => {
      const rows = await (ex as Executor)
        .selectFrom(table as 'vms')
        .select(['id', 'external_id', 'name'])
        .where('source', '=', options.source)
        .execute();
      for (const r of rows) {
        if (r.external_id !== null && !want.has(r.external_id) && !ids.has(r.id)) {
          ids.add(r.id);
          into.push({ id: r.id, externalId: r.external_id, label: r.name });
        }
      }
    };
    await prune('vdcs', wantVdcs, plan.vdcs.delete, deletedVdcIds);
    await prune('vapps', wantVApps, plan.vapps.delete, deletedVAppIds);
    await prune('vms', wantVms, plan.vms.delete, deletedVmIds);
  }

  // ---- users by org (loaded once per org named, or reached through a parent written earlier), for owners.
  const usersByOrg = new Map<string, Map<string, string>>(); // org id -> lower name -> user id
  // The owners' names as stored, for the copies a VM row carries (migration 0016): supplied, SQLite's trigger need
  // not write the row a second time. A name not known here is left null, and the trigger puts in the right one.
  const userNames = new Map<string, string>();
  const ownerId = async (orgId: string, name: string | null, pointer: string): Promise<string | null> => {
    if (name === null) return null;
    let users = usersByOrg.get(orgId);
    if (!users) {
      const rows = await ex.selectFrom('users').select(['id', 'name', 'name_lower']).where('org_id', '=', orgId).execute();
      users = new Map(rows.map((u) => [u.name_lower, u.id]));
      for (const u of rows) userNames.set(u.id, u.name);
      usersByOrg.set(orgId, users);
    }
    const id = users.get(name.toLowerCase());
    if (!id) {
      const orgName = orgNames.get(orgId) ?? (await store.getOrg(orgId, ex))?.name ?? orgId;
      problem(pointer, `owner "${name}" is not a user of org "${orgName}"`);
    }
    return id ?? null;
  };

  // ---- VDCs
  interface VdcFinal {
    id: string;
    orgId: string;
    name: string;
    profiles: readonly string[];
    defaultProfile: string;
    label: string;
  }
  const finalVdcs = new Map<string, VdcFinal>(); // external id -> where it ends up
  const vdcNameOwner = new Map<string, DesiredVdc>(); // `${orgId}\0${name}`
  for (const vdc of wantVdcs.values()) {
    const have = haveVdcs.get(vdc.externalId);
    if (!owned('VDC', `${vdc.pointer}/id`, vdc.externalId, have)) continue;
    const orgId = orgIds.get(vdc.orgName.toLowerCase());
    if (!orgId) {
      problem(
        vdc.pointer,
        `org "${vdc.orgName}" does not exist${options.createOrgs ? '' : ' (create it first: orgs are managed through the admin API)'}`,
      );
      continue;
    }
    if (orgId === SYSTEM_ORG_ID) {
      problem(vdc.pointer, 'the System org holds no VDCs: name a tenant org');
      continue;
    }
    const nameKey = `${orgId}\u0000${vdc.name}`;
    const clash = vdcNameOwner.get(nameKey);
    if (clash) problem(`${vdc.pointer}/name`, `VDC name "${vdc.name}" is used twice in org "${vdc.orgName}" (also at ${clash.pointer})`);
    vdcNameOwner.set(nameKey, vdc);
    const profileNames = new Set<string>();
    vdc.storageProfiles.forEach((p, i) => {
      if (profileNames.has(p.name)) problem(`${vdc.pointer}/storageProfiles/${i}/name`, `storage profile "${p.name}" is listed twice`);
      profileNames.add(p.name);
    });
    checkNameAndMetadata(vdc, problem);
    const id = have?.id ?? rowIdOf('vdc', vdc.externalId);
    const label = `${vdc.orgName}/${vdc.name}`;
    finalVdcs.set(vdc.externalId, {
      id,
      orgId,
      name: vdc.name,
      profiles: [...profileNames],
      defaultProfile: vdc.storageProfiles[0]!.name,
      label,
    });
    if (have && have.org_id !== orgId) plan.movedVdcs.push({ id, orgId });
    const row: Omit<Insertable<VdcTable>, 'created_at'> = {
      id,
      org_id: orgId,
      name: vdc.name,
      description: vdc.description,
      allocation_model: vdc.allocationModel,
      is_enabled: vdc.enabled ? 1 : 0,
      cpu_allocated_mhz: vdc.cpu.allocated,
      cpu_limit_mhz: vdc.cpu.limit,
      cpu_used_mhz: vdc.cpu.used,
      memory_allocated_mb: vdc.memory.allocated,
      memory_limit_mb: vdc.memory.limit,
      memory_used_mb: vdc.memory.used,
      storage_limit_mb: vdc.storageProfiles.some((p) => p.limitMb === 0) ? 0 : vdc.storageProfiles.reduce((n, p) => n + p.limitMb, 0),
      storage_used_mb: vdc.storageUsedMb,
      storage_profile: vdc.storageProfiles[0]!.name,
      storage_profiles: JSON.stringify(vdc.storageProfiles),
      network_name: vdc.network,
      vm_quota: vdc.vmQuota,
      external_id: vdc.externalId,
      source: options.source,
    };
    const metadata = metadataRows('vdc', id, orgId, vdc.metadata);
    const hash = specHash([row, vdc.metadata]);
    classify(plan.vdcs, have?.spec_hash, hash, { label, row: { ...row, spec_hash: hash, created_at: now }, metadata });
  }
  // Names of VDCs already in those orgs (other sources, the demo) that stay.
  const vdcOrgIds = [...new Set([...finalVdcs.values()].map((v) => v.orgId))];
  for (const r of await inChunks(vdcOrgIds, (c) =>
    ex.selectFrom('vdcs').select(['id', 'org_id', 'name', 'external_id']).where('org_id', 'in', c).execute(),
  )) {
    if (deletedVdcIds.has(r.id) || (r.external_id !== null && wantVdcs.has(r.external_id))) continue;
    const clash = vdcNameOwner.get(`${r.org_id}\u0000${r.name}`);
    if (clash && rowIdOf('vdc', clash.externalId) !== r.id)
      problem(
        `${clash.pointer}/name`,
        `org "${clash.orgName}" already has a VDC named "${r.name}"${r.external_id ? ` (external id "${r.external_id}")` : ''}`,
      );
  }
  const vdcOf = (externalId: string, pointer: string): VdcFinal | undefined => {
    const planned = finalVdcs.get(externalId);
    if (planned) return planned;
    if (wantVdcs.has(externalId)) return undefined; // listed but invalid: already reported
    const have = haveVdcs.get(externalId);
    if (!have || deletedVdcIds.has(have.id)) {
      problem(pointer, have ? `VDC "${externalId}" is deleted by this document` : `no VDC with external id "${externalId}"`);
      return undefined;
    }
    const profiles = (JSON.parse(have.storage_profiles) as Array<{ name: string }>).map((p) => p.name);
    return {
      id: have.id,
      orgId: have.org_id,
      name: have.name,
      profiles: profiles.length > 0 ? profiles : [have.storage_profile],
      defaultProfile: have.storage_profile,
      label: have.name,
    };
  };

  // ---- vApps
  interface VAppFinal {
    id: string;
    orgId: string;
    name: string;
    vdc: VdcFinal;
    ownerId: string | null;
    template: boolean;
    label: string;
  }
  const finalVApps = new Map<string, VAppFinal>();
  const vappNameOwner = new Map<string, DesiredVApp>(); // `${vdcId}\0${name}`
  for (const vapp of wantVApps.values()) {
    const have = haveVApps.get(vapp.externalId);
    if (!owned('vApp', `${vapp.pointer}/id`, vapp.externalId, have)) continue;
    const vdc = vdcOf(vapp.vdcExternalId, vapp.pointer);
    if (!vdc) continue;
    const nameKey = `${vdc.id}\u0000${vapp.name}`;
    const clash = vappNameOwner.get(nameKey);
    if (clash) problem(`${vapp.pointer}/name`, `vApp name "${vapp.name}" is used twice in VDC "${vdc.label}" (also at ${clash.pointer})`);
    vappNameOwner.set(nameKey, vapp);
    checkNameAndMetadata(vapp, problem);
    const id = have?.id ?? rowIdOf('vapp', vapp.externalId);
    const owner = await ownerId(vdc.orgId, vapp.owner, `${vapp.pointer}/owner`);
    const label = `${vdc.label}/${vapp.name}`;
    finalVApps.set(vapp.externalId, { id, orgId: vdc.orgId, name: vapp.name, vdc, ownerId: owner, template: vapp.template, label });
    if (have && have.vdc_id !== vdc.id)
      plan.movedVApps.push({ id, orgId: vdc.orgId, vdcId: vdc.id, orgChanged: have.org_id !== vdc.orgId });
    const row: Omit<Insertable<VAppTable>, 'created_at'> = {
      id,
      org_id: vdc.orgId,
      vdc_id: vdc.id,
      name: vapp.name,
      description: vapp.description,
      status: vapp.status,
      owner_id: owner,
      is_deployed: vapp.deployed ? 1 : 0,
      is_template: vapp.template ? 1 : 0,
      catalog_name: vapp.catalog,
      external_id: vapp.externalId,
      source: options.source,
    };
    const metadata = metadataRows('vapp', id, vdc.orgId, vapp.metadata);
    const { org_id: _org, ...hashed } = row;
    const hash = specHash([hashed, vapp.metadata]);
    classify(plan.vapps, have?.spec_hash, hash, { label, row: { ...row, spec_hash: hash, created_at: now }, metadata });
  }
  const vappVdcIds = [...new Set([...finalVApps.values()].map((a) => a.vdc.id))];
  for (const r of await inChunks(vappVdcIds, (c) =>
    ex.selectFrom('vapps').select(['id', 'vdc_id', 'name', 'external_id']).where('vdc_id', 'in', c).execute(),
  )) {
    if (deletedVAppIds.has(r.id) || deletedVdcIds.has(r.vdc_id) || (r.external_id !== null && wantVApps.has(r.external_id))) continue;
    const clash = vappNameOwner.get(`${r.vdc_id}\u0000${r.name}`);
    if (clash)
      problem(
        `${clash.pointer}/name`,
        `the VDC already has a vApp named "${r.name}"${r.external_id ? ` (external id "${r.external_id}")` : ''}`,
      );
  }
  const vappOf = async (externalId: string, pointer: string): Promise<VAppFinal | undefined> => {
    const planned = finalVApps.get(externalId);
    if (planned) return planned;
    if (wantVApps.has(externalId)) return undefined;
    const have = haveVApps.get(externalId);
    if (!have || deletedVAppIds.has(have.id) || deletedVdcIds.has(have.vdc_id)) {
      problem(pointer, have ? `vApp "${externalId}" is deleted by this document` : `no vApp with external id "${externalId}"`);
      return undefined;
    }
    let vdc = [...finalVdcs.values()].find((v) => v.id === have.vdc_id);
    if (!vdc) {
      const row = await ex.selectFrom('vdcs').select(VDC_COLUMNS).where('id', '=', have.vdc_id).executeTakeFirstOrThrow();
      const profiles = (JSON.parse(row.storage_profiles) as Array<{ name: string }>).map((p) => p.name);
      vdc = {
        id: row.id,
        orgId: row.org_id,
        name: row.name,
        profiles: profiles.length > 0 ? profiles : [row.storage_profile],
        defaultProfile: row.storage_profile,
        label: row.name,
      };
    }
    const final: VAppFinal = {
      id: have.id,
      orgId: vdc.orgId,
      name: have.name,
      vdc,
      ownerId: have.owner_id,
      template: have.is_template === 1,
      label: `${vdc.label}/${have.name}`,
    };
    finalVApps.set(externalId, final); // later VMs of this vApp reuse it
    return final;
  };

  // ---- VMs
  const vmNameOwner = new Map<string, DesiredVm>(); // `${vappId}\0${name}`
  const finalVmVApps = new Set<string>();
  for (const vm of wantVms.values()) {
    const have = haveVms.get(vm.externalId);
    if (!owned('VM', `${vm.pointer}/id`, vm.externalId, have)) continue;
    const vapp = await vappOf(vm.vappExternalId, vm.pointer);
    if (!vapp) continue;
    finalVmVApps.add(vapp.id);
    const nameKey = `${vapp.id}\u0000${vm.name}`;
    const clash = vmNameOwner.get(nameKey);
    if (clash) problem(`${vm.pointer}/name`, `VM name "${vm.name}" is used twice in vApp "${vapp.label}" (also at ${clash.pointer})`);
    vmNameOwner.set(nameKey, vm);
    const profile = vm.storageProfile ?? vapp.vdc.defaultProfile;
    if (!vapp.vdc.profiles.includes(profile))
      problem(
        `${vm.pointer}/storageProfile`,
        `VDC "${vapp.vdc.label}" has no storage profile "${profile}" (it has ${vapp.vdc.profiles.map((p) => `"${p}"`).join(', ')})`,
      );
    checkNameAndMetadata(vm, problem);
    // The guest OS is shown as a column of the VM lists (portal, CLI), like a name.
    const guestOsProblem = displayNameProblem('guestOs', vm.guestOs);
    if (guestOsProblem) problem(`${vm.pointer}/guestOs`, guestOsProblem);
    const id = have?.id ?? rowIdOf('vm', vm.externalId);
    const owner = vm.owner === null ? vapp.ownerId : await ownerId(vapp.orgId, vm.owner, `${vm.pointer}/owner`);
    const row: Omit<Insertable<VmTable>, 'created_at'> = {
      id,
      org_id: vapp.orgId,
      vdc_id: vapp.vdc.id,
      vapp_id: vapp.id,
      name: vm.name,
      description: vm.description,
      status: vm.status,
      guest_os: vm.guestOs,
      cpus: vm.cpus,
      memory_mb: vm.memoryMb,
      storage_profile: profile,
      network_name: vm.network,
      ip_address: vm.ipAddress,
      mac_address: vm.macAddress,
      owner_id: owner,
      hardware_version: vm.hardwareVersion,
      disk_mb: vm.diskMb,
      is_deployed: vm.deployed ? 1 : 0,
      is_template: vapp.template ? 1 : 0,
      external_id: vm.externalId,
      source: options.source,
    };
    const { org_id: _org, vdc_id: _vdc, ...hashed } = row;
    const hash = specHash([hashed, vm.metadata, vm.extraConfig]);
    classify(plan.vms, have?.spec_hash, hash, {
      label: `${vapp.label}/${vm.name}`,
      // The parents' names are not part of the hash: a renamed vApp is not a change of its VMs.
      row: {
        ...row,
        vapp_name: vapp.name,
        vdc_name: vapp.vdc.name,
        owner_name: owner === null ? null : (userNames.get(owner) ?? null),
        spec_hash: hash,
        created_at: now,
      },
      metadata: metadataRows('vm', id, vapp.orgId, vm.metadata),
      extraConfig: vm.extraConfig.map(([key, value]) => ({ vm_id: id, org_id: vapp.orgId, key, value })),
    });
  }
  const vmVAppIds = [...finalVmVApps];
  for (const r of await inChunks(vmVAppIds, (c) =>
    ex.selectFrom('vms').select(['id', 'vapp_id', 'name', 'external_id']).where('vapp_id', 'in', c).execute(),
  )) {
    if (deletedVmIds.has(r.id) || deletedVAppIds.has(r.vapp_id) || (r.external_id !== null && wantVms.has(r.external_id))) continue;
    const clash = vmNameOwner.get(`${r.vapp_id}\u0000${r.name}`);
    if (clash)
      problem(
        `${clash.pointer}/name`,
        `the vApp already has a VM named "${r.name}"${r.external_id ? ` (external id "${r.external_id}")` : ''}`,
      );
  }

  if (problems.length > 0) throw new InventoryValidationError(problems);
  return plan;
}

function classify<C>(kind: KindPlan<C>, haveHash: string | null | undefined, hash: string, change: C): void {
  if (haveHash === undefined) kind.create.push(change);
  else if (haveHash !== hash) kind.update.push(change);
  else kind.unchanged++;
}

/**
 * An object's name and metadata, by the rules the rest of the product applies to them: a name as shown in lists
 * (no controls, bidi controls or invisible characters: displayNameProblem), and every metadata entry as the metadata
 * API checks it (its type, domain and visibility: validMetadataEntry), once per key. Until 2026-12-05 the sync API
 * took what the API refused ("abc" as a number, READWRITE in SYSTEM), and names tenants would be shown reordered.
 */
function checkNameAndMetadata(
  object: { name: string; metadata: readonly DesiredMetadata[]; pointer: string },
  problem: (p: string, m: string) => void,
): void {
  const nameProblem = displayNameProblem('name', object.name);
  if (nameProblem) problem(`${object.pointer}/name`, nameProblem);
  const seen = new Set<string>();
  object.metadata.forEach((m, i) => {
    const key = metadataKey(m);
    if (seen.has(key)) problem(`${object.pointer}/metadata/${i}/key`, `metadata key "${m.key}" (${m.domain}) is listed twice`);
    seen.add(key);
    try {
      validMetadataEntry({ key: m.key, value: m.value, valueType: m.type, domain: m.domain, visibility: m.visibility });
    } catch (error) {
      if (!(error instanceof TesseraError)) throw error;
      problem(`${object.pointer}/metadata/${i}`, error.message);
    }
  });
}
