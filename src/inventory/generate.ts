/**
 * Generated inventory for benchmarks and load tests (`tessera seed`): any number of VMs in an existing org,
 * deterministic for a given org id and count, written in batches inside one transaction per org so that
 * 100,000 VMs take seconds.
 *
 * Shape per org: one VDC per 10,000 VMs (1 to 8), vApps of 10 VMs, every 20th vApp a template. VM names are
 * `<role>-<nnnnnn>` (web, app, db, batch; unique in the org); about 70% are powered on, 20% powered off,
 * 5% suspended and 5% powered off and undeployed. Every VM has a 16 to 64 GiB disk and two ExtraConfig keys
 * (`guestinfo.hostname`, and CAPVCD's network post-customization status: successful once deployed).
 */
import type { Insertable } from 'kysely';
import type { Store } from '../store/store.js';
import type { AllocationModel, VAppTable, VdcTable, VmExtraConfigTable, VmTable } from './schema.js';
import type { VcdStatusName } from './status.js';
import { nameBasedUuid } from './uuid.js';
import { INSERT_BATCH_ROWS, insertInventoryRows } from './writer.js';

export const GENERATED_VMS_PER_VAPP = 10;
export const GENERATED_VMS_PER_VDC = 10_000;
export const GENERATED_MAX_VDCS = 8;
/** Every this-many-th vApp (1-based index divisible by it) is a template. */
export const GENERATED_TEMPLATE_EVERY = 20;

export interface GenerateProgress {
  /** VMs written so far in this org, and the org's total. */
  readonly done: number;
  readonly total: number;
}

export interface GenerateOptions {
  /** Owners of the vApps and VMs, used in turn; may be empty (owner-less). */
  readonly ownerIds: readonly string[];
  readonly onProgress?: (progress: GenerateProgress) => void;
  /** Creation times start here (epoch ms); default 2024-01-01. */
  readonly epoch?: number;
}

const ROLES = ['web', 'app', 'db', 'batch'] as const;
const GUEST_OS = [
  'Ubuntu Linux (64-bit)',
  'Red Hat Enterprise Linux 9 (64-bit)',
  'Microsoft Windows Server 2022 (64-bit)',
  'Debian GNU/Linux 12 (64-bit)',
];
const CPUS = [1, 2, 2, 4, 4, 8];
const MEMORY_MB = [1024, 2048, 4096, 8192, 16384, 32768];
const ALLOCATION: readonly AllocationModel[] = ['Flex', 'AllocationPool', 'ReservationPool', 'AllocationVApp'];
const PROFILES = ['Gold', 'Silver', 'Standard'];
/** Disk sizes by VM index (no PRNG draw, so adding disks left every other generated value as it was). */
const DISK_MB = [16_384, 32_768, 65_536];

/** Two ExtraConfig rows per VM: few enough that 100,000 VMs stay a matter of seconds. */
function generatedExtraConfig(vm: { id: string; org_id: string; name: string }, deployed: boolean): Insertable<VmExtraConfigTable>[] {
  return [
    { vm_id: vm.id, org_id: vm.org_id, key: 'guestinfo.hostname', value: vm.name },
    {
      vm_id: vm.id,
      org_id: vm.org_id,
      key: 'guestinfo.postcustomization.networkconfiguration.status',
      value: deployed ? 'successful' : 'pending',
    },
  ];
}

/** A small deterministic PRNG (mulberry32): the same org and count always give the same inventory. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

function vmState(random: () => number): { status: VcdStatusName; deployed: boolean } {
  const r = random();
  if (r < 0.7) return { status: 'POWERED_ON', deployed: true };
  if (r < 0.9) return { status: 'POWERED_OFF', deployed: true };
  if (r < 0.95) return { status: 'SUSPENDED', deployed: true };
  return { status: 'POWERED_OFF', deployed: false };
}

export function generatedVdcCount(vmCount: number): number {
  return Math.min(GENERATED_MAX_VDCS, Math.max(1, Math.ceil(vmCount / GENERATED_VMS_PER_VDC)));
}

/** Writes `vmCount` generated VMs (with their VDCs and vApps) into an org, in one transaction. */
export async function generateOrgInventory(store: Store, orgId: string, vmCount: number, options: GenerateOptions): Promise<void> {
  const random = prng(seedOf(`${orgId}/${vmCount}`));
  const epoch = options.epoch ?? Date.UTC(2024, 0, 1);
  const owners = options.ownerIds;
  const ownerOf = (i: number) => (owners.length === 0 ? null : owners[i % owners.length]!);
  // The VM rows carry their vApp's, VDC's and owner's names (migration 0016's copies): with them right, SQLite's
  // trigger finds nothing to correct and the row is written once.
  const ownerNames = new Map<string, string>();
  if (owners.length > 0) {
    for (const u of await store.db.selectFrom('users').select(['id', 'name']).where('id', 'in', owners).execute())
      ownerNames.set(u.id, u.name);
  }
  const width = Math.max(6, String(vmCount).length);

  const vdcs: Insertable<VdcTable>[] = Array.from({ length: generatedVdcCount(vmCount) }, (_, k) => ({
    id: nameBasedUuid(orgId, `gen/vdc/${k}`),
    org_id: orgId,
    name: `vdc-${String(k + 1).padStart(2, '0')}`,
    description: 'Generated',
    allocation_model: ALLOCATION[k % ALLOCATION.length]!,
    is_enabled: 1,
    cpu_allocated_mhz: 200_000,
    cpu_limit_mhz: 400_000,
    memory_allocated_mb: 1_048_576,
    memory_limit_mb: 2_097_152,
    storage_limit_mb: 104_857_600,
    storage_profile: PROFILES[k % PROFILES.length]!,
    network_name: `net-${String(k + 1).padStart(2, '0')}`,
    vm_quota: 0,
    created_at: epoch,
  }));

  await store.transaction(async (trx) => {
    await insertInventoryRows(trx, { vdcs });
    let vapps: Insertable<VAppTable>[] = [];
    let vms: Insertable<VmTable>[] = [];
    let extraConfig: Insertable<VmExtraConfigTable>[] = [];
    const flush = async () => {
      await insertInventoryRows(trx, { vapps, vms, extraConfig });
      vapps = [];
      vms = [];
      extraConfig = [];
      options.onProgress?.({ done: Math.min(vmCount, doneSoFar), total: vmCount });
    };
    let doneSoFar = 0;
    const vappCount = Math.ceil(vmCount / GENERATED_VMS_PER_VAPP);
    for (let a = 0; a < vappCount; a++) {
      const vdc = vdcs[Math.floor((a * vdcs.length) / vappCount)]!;
      const template = (a + 1) % GENERATED_TEMPLATE_EVERY === 0;
      const vappId = nameBasedUuid(orgId, `gen/vapp/${a}`);
      const role = ROLES[a % ROLES.length]!;
      const vappName = template ? `template-${String(a + 1).padStart(width, '0')}` : `${role}-vapp-${String(a + 1).padStart(width, '0')}`;
      const owner = ownerOf(a);
      const first = a * GENERATED_VMS_PER_VAPP;
      const last = Math.min(vmCount, first + GENERATED_VMS_PER_VAPP);
      const states: Array<{ status: VcdStatusName; deployed: boolean }> = [];
      for (let i = first; i < last; i++) {
        const state = template ? { status: 'POWERED_OFF' as const, deployed: false } : vmState(random);
        states.push(state);
        const octets = i + 1;
        const vm = {
          id: nameBasedUuid(orgId, `gen/vm/${i}`),
          org_id: orgId,
          vdc_id: vdc.id,
          vapp_id: vappId,
          name: `${role}-${String(i + 1).padStart(width, '0')}`,
          description: '',
          status: state.status,
          guest_os: pick(GUEST_OS, random),
          cpus: pick(CPUS, random),
          memory_mb: pick(MEMORY_MB, random),
          storage_profile: vdc.storage_profile,
          network_name: template ? null : vdc.network_name!,
          ip_address: state.deployed && !template ? `10.${(octets >> 16) & 255}.${(octets >> 8) & 255}.${octets & 255}` : null,
          owner_id: owner,
          vapp_name: vappName,
          vdc_name: vdc.name,
          owner_name: owner === null ? null : (ownerNames.get(owner) ?? null),
          hardware_version: 19,
          disk_mb: DISK_MB[i % DISK_MB.length]!,
          is_deployed: state.deployed ? 1 : 0,
          is_template: template ? 1 : 0,
          created_at: epoch + i * 1000,
        } satisfies Insertable<VmTable>;
        vms.push(vm);
        extraConfig.push(...generatedExtraConfig(vm, state.deployed));
      }
      const statuses = new Set(states.map((s) => s.status));
      vapps.push({
        id: vappId,
        org_id: orgId,
        vdc_id: vdc.id,
        name: vappName,
        description: '',
        status: template ? 'RESOLVED' : statuses.size === 1 ? [...statuses][0]! : 'MIXED',
        owner_id: owner,
        is_deployed: states.some((s) => s.deployed) ? 1 : 0,
        is_template: template ? 1 : 0,
        catalog_name: template ? 'generated-catalog' : null,
        created_at: epoch + first * 1000,
      });
      doneSoFar = last;
      if (vms.length >= INSERT_BATCH_ROWS) await flush();
    }
    if (vms.length > 0 || vapps.length > 0) await flush();
  });
}
