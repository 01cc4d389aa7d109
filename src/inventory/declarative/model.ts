/**
 * Desired inventory: the flat, defaulted form that both input shapes (the nested file and the agents' flat
 * batches, document-schema.ts) are turned into before planning. Every object keeps the JSON pointer of where
 * it was written, so a referential error can name it (and the CLI the YAML line and column).
 */
import type { AllocationModel, MetadataValueType } from '../schema.js';
import type {
  FileVAppDoc,
  FileVdcDoc,
  FileVmDoc,
  InventoryFileDoc,
  MetadataDoc,
  SyncBatchDoc,
  SyncVAppDoc,
  SyncVdcDoc,
  SyncVmDoc,
} from './document-schema.js';

export interface DesiredMetadata {
  readonly domain: string;
  readonly key: string;
  readonly value: string;
  readonly type: MetadataValueType;
  readonly visibility: string;
}

export interface StorageProfileSpec {
  readonly name: string;
  readonly limitMb: number;
}

export interface DesiredOrg {
  readonly pointer: string;
  readonly name: string;
  readonly fullName: string | undefined;
  readonly description: string | undefined;
}

export interface DesiredVdc {
  readonly pointer: string;
  readonly externalId: string;
  readonly orgName: string;
  readonly name: string;
  readonly description: string;
  readonly allocationModel: AllocationModel;
  readonly enabled: boolean;
  readonly cpu: { allocated: number; limit: number; used: number };
  readonly memory: { allocated: number; limit: number; used: number };
  /** The default first. */
  readonly storageProfiles: readonly StorageProfileSpec[];
  readonly storageUsedMb: number;
  readonly network: string | null;
  readonly vmQuota: number;
  readonly metadata: readonly DesiredMetadata[];
}

export interface DesiredVApp {
  readonly pointer: string;
  readonly externalId: string;
  readonly vdcExternalId: string;
  readonly name: string;
  readonly description: string;
  readonly status: string;
  readonly deployed: boolean;
  readonly template: boolean;
  readonly catalog: string | null;
  readonly owner: string | null;
  readonly metadata: readonly DesiredMetadata[];
}

export interface DesiredVm {
  readonly pointer: string;
  readonly externalId: string;
  readonly vappExternalId: string;
  readonly name: string;
  readonly description: string;
  readonly status: string;
  readonly deployed: boolean;
  readonly guestOs: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly hardwareVersion: number;
  readonly diskMb: number;
  /** null: the VDC's default profile. */
  readonly storageProfile: string | null;
  readonly network: string | null;
  readonly ipAddress: string | null;
  readonly macAddress: string | null;
  /** null: the vApp's owner. */
  readonly owner: string | null;
  readonly metadata: readonly DesiredMetadata[];
  /** Sorted by key. */
  readonly extraConfig: ReadonlyArray<readonly [string, string]>;
}

export interface DesiredDeletes {
  readonly vdcs: ReadonlyArray<{ externalId: string; pointer: string }>;
  readonly vapps: ReadonlyArray<{ externalId: string; pointer: string }>;
  readonly vms: ReadonlyArray<{ externalId: string; pointer: string }>;
}

export interface DesiredInventory {
  /** Orgs named by the file (created when missing); empty for sync batches, which refer to existing orgs only. */
  readonly orgs: readonly DesiredOrg[];
  readonly vdcs: readonly DesiredVdc[];
  readonly vapps: readonly DesiredVApp[];
  readonly vms: readonly DesiredVm[];
  readonly deletes: DesiredDeletes;
}

/** The VM defaults: what VCD shows for a small VM that nobody described further. */
export const VM_DEFAULTS = { guestOs: 'Other (64-bit)', cpus: 1, memoryMb: 1024, hardwareVersion: 19, diskMb: 16_384 } as const;
/** A VDC without storage profiles gets VCD's catch-all profile. */
export const DEFAULT_STORAGE_PROFILE = '*';

/** RFC 6901: "~" and "/" escaped in a pointer segment. */
export const pointerSegment = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

function metadataOf(list: readonly MetadataDoc[] | undefined): DesiredMetadata[] {
  return (list ?? []).map((m) => ({
    domain: m.domain ?? 'GENERAL',
    key: m.key,
    value: m.value,
    type: m.type ?? 'MetadataStringValue',
    visibility: m.visibility ?? 'READWRITE',
  }));
}

function vdcOf(doc: FileVdcDoc | SyncVdcDoc, pointer: string, orgName: string, externalId: string): DesiredVdc {
  const profiles = doc.storageProfiles ?? [{ name: DEFAULT_STORAGE_PROFILE, limitMb: 0 }];
  const defaultIndex = Math.max(
    0,
    profiles.findIndex((p) => 'default' in p && p.default === true),
  );
  const ordered = [profiles[defaultIndex]!, ...profiles.filter((_, i) => i !== defaultIndex)].map((p) => ({
    name: p.name,
    limitMb: p.limitMb,
  }));
  return {
    pointer,
    externalId,
    orgName,
    name: doc.name,
    description: doc.description ?? '',
    allocationModel: doc.allocationModel ?? 'Flex',
    enabled: doc.enabled ?? true,
    cpu: { allocated: doc.cpu?.allocated ?? 0, limit: doc.cpu?.limit ?? 0, used: doc.cpu?.used ?? 0 },
    memory: { allocated: doc.memory?.allocated ?? 0, limit: doc.memory?.limit ?? 0, used: doc.memory?.used ?? 0 },
    storageProfiles: ordered,
    storageUsedMb: doc.storageUsedMb ?? 0,
    network: doc.network ?? null,
    vmQuota: doc.vmQuota ?? 0,
    metadata: metadataOf(doc.metadata),
  };
}

function vappOf(doc: FileVAppDoc | SyncVAppDoc, pointer: string, vdcExternalId: string, externalId: string): DesiredVApp {
  const status: string = doc.status ?? 'POWERED_OFF';
  return {
    pointer,
    externalId,
    vdcExternalId,
    name: doc.name,
    description: doc.description ?? '',
    status,
    deployed: doc.deployed ?? status === 'POWERED_ON',
    template: doc.template ?? false,
    catalog: doc.catalog ?? null,
    owner: doc.owner ?? null,
    metadata: metadataOf(doc.metadata),
  };
}

function vmOf(doc: FileVmDoc | SyncVmDoc, pointer: string, vappExternalId: string, externalId: string): DesiredVm {
  const status: string = doc.status ?? 'POWERED_OFF';
  const nic = doc.nics?.[0];
  return {
    pointer,
    externalId,
    vappExternalId,
    name: doc.name,
    description: doc.description ?? '',
    status,
    deployed: doc.deployed ?? (status === 'POWERED_ON' || status === 'SUSPENDED'),
    guestOs: doc.guestOs ?? VM_DEFAULTS.guestOs,
    cpus: doc.cpus ?? VM_DEFAULTS.cpus,
    memoryMb: doc.memoryMb ?? VM_DEFAULTS.memoryMb,
    hardwareVersion: doc.hardwareVersion ?? VM_DEFAULTS.hardwareVersion,
    diskMb: doc.diskMb ?? VM_DEFAULTS.diskMb,
    storageProfile: doc.storageProfile ?? null,
    network: nic?.network ?? null,
    ipAddress: nic?.ipAddress ?? null,
    macAddress: nic?.macAddress ? nic.macAddress.toLowerCase() : null,
    owner: doc.owner ?? null,
    metadata: metadataOf(doc.metadata),
    extraConfig: Object.entries(doc.extraConfig ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** The file, flattened. Default external ids are the path of names: org/vdc, org/vdc/vapp, org/vdc/vapp/vm. */
export function desiredFromFile(doc: InventoryFileDoc): DesiredInventory {
  const out = { orgs: [] as DesiredOrg[], vdcs: [] as DesiredVdc[], vapps: [] as DesiredVApp[], vms: [] as DesiredVm[] };
  doc.orgs.forEach((org, o) => {
    const orgPointer = `/orgs/${o}`;
    out.orgs.push({ pointer: orgPointer, name: org.name, fullName: org.fullName, description: org.description });
    (org.vdcs ?? []).forEach((vdc, d) => {
      const vdcPointer = `${orgPointer}/vdcs/${d}`;
      const vdcPath = `${org.name}/${vdc.name}`;
      const vdcId = vdc.id ?? vdcPath;
      out.vdcs.push(vdcOf(vdc, vdcPointer, org.name, vdcId));
      (vdc.vapps ?? []).forEach((vapp, a) => {
        const vappPointer = `${vdcPointer}/vapps/${a}`;
        const vappPath = `${vdcPath}/${vapp.name}`;
        const vappId = vapp.id ?? vappPath;
        out.vapps.push(vappOf(vapp, vappPointer, vdcId, vappId));
        (vapp.vms ?? []).forEach((vm, m) => {
          out.vms.push(vmOf(vm, `${vappPointer}/vms/${m}`, vappId, vm.id ?? `${vappPath}/${vm.name}`));
        });
      });
    });
  });
  return { ...out, deletes: { vdcs: [], vapps: [], vms: [] } };
}

/** An agent's batch, flattened; its objects carry their external ids and their parents'. */
export function desiredFromBatch(batch: SyncBatchDoc): DesiredInventory {
  const del = (kind: 'vdcs' | 'vapps' | 'vms') =>
    (batch.delete?.[kind] ?? []).map((externalId, i) => ({ externalId, pointer: `/delete/${kind}/${i}` }));
  return {
    orgs: [],
    vdcs: (batch.vdcs ?? []).map((v, i) => vdcOf(v, `/vdcs/${i}`, v.org, v.id)),
    vapps: (batch.vapps ?? []).map((v, i) => vappOf(v, `/vapps/${i}`, v.vdc, v.id)),
    vms: (batch.vms ?? []).map((v, i) => vmOf(v, `/vms/${i}`, v.vapp, v.id)),
    deletes: { vdcs: del('vdcs'), vapps: del('vapps'), vms: del('vms') },
  };
}
