/**
 * DEMO_INVENTORY: the exact inventory `--demo` creates, as data. Tests and the real-client conformance suite
 * compute expected names and counts from it instead of hard-coding them:
 *
 *   import { DEMO_INVENTORY, demoVms } from '../../src/inventory/demo-spec.js';
 *   const acmeVms = demoVms(DEMO_INVENTORY.acme);                        // 60 placements {vdc, vapp, vm}
 *   acmeVms.filter((p) => !p.vapp.template).length                       // what isVAppTemplate==false returns
 *   DEMO_INVENTORY.acme.vdcs.find((v) => v.name === 'acme-prod')         // 34 VMs: more than one page of 25
 *
 * Shape: org → vdcs[] → vapps[] → vms[]; metadata on the org, on VDCs and on VMs; ExtraConfig (`guestinfo.*`,
 * what CAPVCD reads) on VMs. Names are unique per org
 * (VCD requires it for VDCs; the demo keeps VM names unique too, so `name==x` finds one VM). globex reuses the
 * acme VM name `web-01` on purpose, so isolation tests can tell the orgs apart. Owners are user names: alice
 * and bob in acme, hank in globex (created by the bootstrap). Ids are not part of the spec: they derive from
 * the org id (see demo.ts), so use names.
 *
 * Everything here is deterministic: no clocks, no randomness.
 */
import type { AllocationModel, MetadataValueType } from './schema.js';
import type { VcdStatusName } from './status.js';

export interface DemoMetadata {
  readonly key: string;
  readonly value: string;
  readonly type: MetadataValueType;
  /** 'GENERAL' (tenant-visible, default) or 'SYSTEM'. */
  readonly domain: 'GENERAL' | 'SYSTEM';
  /** 'READWRITE' (default), 'READONLY', or 'PRIVATE' (visible to the provider only). */
  readonly visibility: 'READWRITE' | 'READONLY' | 'PRIVATE';
}

/** One ExtraConfig (VMX) entry of a VM, served as `vmw:ExtraConfig` in its VirtualHardwareSection. */
export interface DemoExtraConfig {
  readonly key: string;
  readonly value: string;
}

export interface DemoVm {
  readonly name: string;
  readonly status: VcdStatusName;
  readonly deployed: boolean;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly guestOs: string;
  readonly hardwareVersion: number;
  /** The system disk, in MB. */
  readonly diskMb: number;
  readonly storageProfile: string;
  readonly network: string | null;
  readonly ipAddress: string | null;
  readonly metadata: readonly DemoMetadata[];
  /** Ordered by key, as the VM document lists them. */
  readonly extraConfig: readonly DemoExtraConfig[];
}

export interface DemoVApp {
  readonly name: string;
  readonly description: string;
  /** User name in the same org. */
  readonly owner: string;
  /** A vApp template (in `catalog`); its VMs have isVAppTemplate=true. */
  readonly template: boolean;
  readonly catalog: string | null;
  readonly status: VcdStatusName;
  readonly deployed: boolean;
  readonly vms: readonly DemoVm[];
}

export interface DemoVdc {
  readonly name: string;
  readonly description: string;
  readonly allocationModel: AllocationModel;
  readonly cpuAllocatedMhz: number;
  readonly cpuLimitMhz: number;
  readonly memoryAllocatedMb: number;
  readonly memoryLimitMb: number;
  /** The sum of the storage profiles' limits. */
  readonly storageLimitMb: number;
  /** The default storage profile: the first of `storageProfiles`. */
  readonly storageProfile: string;
  /** Every storage profile of the VDC (VMs use one of them), the default first. */
  readonly storageProfiles: readonly DemoStorageProfile[];
  readonly network: string;
  readonly vmQuota: number;
  readonly vapps: readonly DemoVApp[];
  readonly metadata: readonly DemoMetadata[];
}

/** One storage profile of a VDC: its name and limit in MB (0 = unlimited). */
export interface DemoStorageProfile {
  readonly name: string;
  readonly limitMb: number;
}

export interface DemoOrgInventory {
  readonly vdcs: readonly DemoVdc[];
  readonly metadata: readonly DemoMetadata[];
}

/** One VM with where it lives. */
export interface DemoVmPlacement {
  readonly vdc: DemoVdc;
  readonly vapp: DemoVApp;
  readonly vm: DemoVm;
}

/** Creation times are DEMO_EPOCH plus one minute per VM, in spec order. */
export const DEMO_EPOCH = Date.UTC(2024, 0, 15, 9, 0, 0);

// ------------------------------------------------------------------ builders

const meta = (key: string, value: string, options: Partial<Omit<DemoMetadata, 'key' | 'value'>> = {}): DemoMetadata => ({
  key,
  value,
  type: options.type ?? 'MetadataStringValue',
  domain: options.domain ?? 'GENERAL',
  visibility: options.visibility ?? 'READWRITE',
});

/**
 * The ExtraConfig every demo VM carries: what VCD itself sets (`disk.EnableUUID`), the host name, and, once the
 * VM is deployed, the network step of the post-customization that CAPVCD's bootstrap reports through guestinfo.
 * `extra` adds keys (e.g. a finished `kubeinit`); the result is ordered by key.
 */
function guestinfo(name: string, deployed: boolean, extra: readonly DemoExtraConfig[] = []): DemoExtraConfig[] {
  return [
    { key: 'disk.EnableUUID', value: 'TRUE' },
    { key: 'guestinfo.hostname', value: name },
    ...(deployed ? [{ key: 'guestinfo.postcustomization.networkconfiguration.status', value: 'successful' }] : []),
    ...extra,
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The guestinfo key CAPVCD polls until kubeadm init has finished on a control-plane VM. */
export const KUBEINIT_STATUS_KEY = 'guestinfo.postcustomization.kubeinit.status';

const UBUNTU = 'Ubuntu Linux (64-bit)';
const RHEL = 'Red Hat Enterprise Linux 9 (64-bit)';
const WINDOWS = 'Microsoft Windows Server 2022 (64-bit)';

interface SeriesOptions {
  readonly prefix: string;
  readonly count: number;
  /** 10.<subnet>.0.<n>: the IP of a deployed VM. */
  readonly subnet: number;
  readonly network: string;
  readonly storageProfile: string;
  readonly guestOs: string;
  readonly cpus: (i: number) => number;
  readonly memoryMb: (i: number) => number;
  /** Status of the i-th VM (1-based); POWERED_ON unless said otherwise. */
  readonly status?: (i: number) => VcdStatusName;
  /** Deployed unless said otherwise; undeployed VMs have no IP. */
  readonly deployed?: (i: number) => boolean;
  readonly metadata?: (i: number) => readonly DemoMetadata[];
  /** System disk size in MB; 16 GiB unless said otherwise. */
  readonly diskMb?: number;
  /** ExtraConfig beyond guestinfo()'s defaults. */
  readonly extraConfig?: (i: number) => readonly DemoExtraConfig[];
}

/** `prefix-01` ... `prefix-NN`. */
function series(o: SeriesOptions): DemoVm[] {
  return Array.from({ length: o.count }, (_, k) => {
    const i = k + 1;
    const deployed = o.deployed?.(i) ?? true;
    const name = `${o.prefix}-${String(i).padStart(2, '0')}`;
    return {
      name,
      status: o.status?.(i) ?? 'POWERED_ON',
      deployed,
      cpus: o.cpus(i),
      memoryMb: o.memoryMb(i),
      guestOs: o.guestOs,
      hardwareVersion: 19,
      diskMb: o.diskMb ?? 16_384,
      storageProfile: o.storageProfile,
      network: o.network,
      ipAddress: deployed ? `10.${o.subnet}.0.${10 + i}` : null,
      metadata: o.metadata?.(i) ?? [],
      extraConfig: guestinfo(name, deployed, o.extraConfig?.(i)),
    };
  });
}

function template(
  name: string,
  vms: readonly string[],
  guestOs: string,
  cpus: number,
  memoryMb: number,
  catalog = 'acme-catalog',
): DemoVApp {
  return {
    name,
    description: `Template ${name}`,
    owner: 'alice',
    template: true,
    catalog,
    status: 'RESOLVED',
    deployed: false,
    vms: vms.map((vmName) => ({
      name: vmName,
      status: 'POWERED_OFF',
      deployed: false,
      cpus,
      memoryMb,
      guestOs,
      hardwareVersion: 19,
      diskMb: 20_480,
      storageProfile: 'Standard',
      network: null,
      ipAddress: null,
      metadata: [],
      extraConfig: guestinfo(vmName, false),
    })),
  };
}

/** A vApp's status from its VMs, as VCD aggregates it. */
function vappStatus(vms: readonly DemoVm[]): VcdStatusName {
  const statuses = new Set(vms.map((v) => v.status));
  return statuses.size === 1 ? [...statuses][0]! : 'MIXED';
}

function vapp(name: string, owner: string, vms: DemoVm[], description = ''): DemoVApp {
  return { name, description, owner, template: false, catalog: null, status: vappStatus(vms), deployed: vms.some((v) => v.deployed), vms };
}

// ------------------------------------------------------------------ acme: 3 VDCs, 60 VMs

const ACME_PROD: DemoVdc = {
  name: 'acme-prod',
  description: 'Production workloads',
  allocationModel: 'Flex',
  cpuAllocatedMhz: 96_000,
  cpuLimitMhz: 192_000,
  memoryAllocatedMb: 262_144,
  memoryLimitMb: 524_288,
  storageLimitMb: 10_485_760,
  storageProfile: 'Gold',
  // The batch tier runs on Silver.
  storageProfiles: [
    { name: 'Gold', limitMb: 8_388_608 },
    { name: 'Silver', limitMb: 2_097_152 },
  ],
  network: 'prod-net',
  vmQuota: 0,
  metadata: [meta('purpose', 'production')],
  vapps: [
    vapp(
      'web-frontend',
      'alice',
      series({
        prefix: 'web',
        count: 14,
        subnet: 1,
        network: 'prod-net',
        storageProfile: 'Gold',
        guestOs: UBUNTU,
        cpus: (i) => (i % 2 === 0 ? 4 : 2),
        memoryMb: (i) => (i % 2 === 0 ? 8192 : 4096),
        metadata: () => [meta('role', 'web')],
      }),
      'Public web tier',
    ),
    vapp(
      'app-tier',
      'bob',
      series({
        prefix: 'app',
        count: 10,
        subnet: 2,
        network: 'prod-net',
        storageProfile: 'Gold',
        guestOs: RHEL,
        cpus: () => 4,
        memoryMb: () => 16384,
        status: (i) => (i >= 9 ? 'POWERED_OFF' : 'POWERED_ON'),
        metadata: () => [meta('role', 'app')],
      }),
    ),
    vapp(
      'db-cluster',
      'alice',
      series({
        prefix: 'db',
        count: 4,
        subnet: 3,
        network: 'prod-net',
        storageProfile: 'Gold',
        guestOs: RHEL,
        cpus: () => 8,
        memoryMb: () => 65536,
        diskMb: 102_400,
        status: (i) => (i === 4 ? 'SUSPENDED' : 'POWERED_ON'),
        metadata: (i) => [meta('role', 'db'), meta('backup', String(i !== 4), { type: 'MetadataBooleanValue' })],
      }),
    ),
    vapp(
      'batch',
      'bob',
      series({
        prefix: 'batch',
        count: 6,
        subnet: 4,
        network: 'prod-net',
        storageProfile: 'Silver',
        guestOs: UBUNTU,
        cpus: () => 16,
        memoryMb: () => 32768,
        status: () => 'POWERED_OFF',
        deployed: () => false,
      }),
      'Nightly batch jobs, undeployed between runs',
    ),
  ],
};

const ACME_DEV: DemoVdc = {
  name: 'acme-dev',
  description: 'Development and CI',
  allocationModel: 'AllocationPool',
  cpuAllocatedMhz: 32_000,
  cpuLimitMhz: 32_000,
  memoryAllocatedMb: 65_536,
  memoryLimitMb: 65_536,
  storageLimitMb: 2_097_152,
  storageProfile: 'Silver',
  storageProfiles: [{ name: 'Silver', limitMb: 2_097_152 }],
  network: 'dev-net',
  vmQuota: 50,
  metadata: [],
  vapps: [
    vapp(
      'dev-sandbox',
      'alice',
      series({
        prefix: 'dev',
        count: 8,
        subnet: 10,
        network: 'dev-net',
        storageProfile: 'Silver',
        guestOs: UBUNTU,
        cpus: () => 2,
        memoryMb: () => 4096,
        status: (i) => (i >= 6 ? 'POWERED_OFF' : 'POWERED_ON'),
        deployed: (i) => i !== 8,
      }),
    ),
    vapp(
      'ci-runners',
      'bob',
      series({
        prefix: 'ci',
        count: 6,
        subnet: 11,
        network: 'dev-net',
        storageProfile: 'Silver',
        guestOs: UBUNTU,
        cpus: () => 8,
        memoryMb: () => 16384,
        diskMb: 40_960,
        // Runners are a small Kubernetes cluster: the first one is its control plane.
        extraConfig: (i) => (i === 1 ? [{ key: KUBEINIT_STATUS_KEY, value: 'successful' }] : []),
      }),
    ),
  ],
};

const ACME_LAB: DemoVdc = {
  name: 'acme-lab',
  description: 'Templates and experiments',
  allocationModel: 'AllocationVApp',
  cpuAllocatedMhz: 0,
  cpuLimitMhz: 0,
  memoryAllocatedMb: 0,
  memoryLimitMb: 0,
  storageLimitMb: 1_048_576,
  storageProfile: 'Standard',
  storageProfiles: [{ name: 'Standard', limitMb: 1_048_576 }],
  network: 'lab-net',
  vmQuota: 20,
  metadata: [],
  vapps: [
    template('ubuntu-22.04-template', ['ubuntu-22.04'], UBUNTU, 2, 2048),
    template('windows-2022-template', ['win2022'], WINDOWS, 4, 8192),
    // Two catalogs, so that catalog queries have something to sort and filter.
    template('k8s-node-template', ['k8s-control', 'k8s-worker'], UBUNTU, 4, 8192, 'acme-k8s-catalog'),
    vapp(
      'lab-experiments',
      'alice',
      series({
        prefix: 'lab',
        count: 8,
        subnet: 20,
        network: 'lab-net',
        storageProfile: 'Standard',
        guestOs: WINDOWS,
        cpus: (i) => i,
        memoryMb: (i) => 1024 * i,
        status: (i) => (i <= 4 ? 'POWERED_ON' : i <= 6 ? 'POWERED_OFF' : 'SUSPENDED'),
        deployed: (i) => i !== 5 && i !== 6,
      }),
    ),
  ],
};

// ------------------------------------------------------------------ globex: 1 VDC, 5 VMs

const GLOBEX_MAIN: DemoVdc = {
  name: 'globex-main',
  description: 'Everything Globex runs',
  allocationModel: 'Flex',
  cpuAllocatedMhz: 16_000,
  cpuLimitMhz: 32_000,
  memoryAllocatedMb: 32_768,
  memoryLimitMb: 65_536,
  storageLimitMb: 1_048_576,
  storageProfile: 'Standard',
  storageProfiles: [{ name: 'Standard', limitMb: 1_048_576 }],
  network: 'globex-net',
  vmQuota: 0,
  metadata: [],
  vapps: [
    vapp('erp', 'hank', [
      ...series({
        prefix: 'web',
        count: 1,
        subnet: 50,
        network: 'globex-net',
        storageProfile: 'Standard',
        guestOs: UBUNTU,
        cpus: () => 2,
        memoryMb: () => 4096,
      }),
      ...series({
        prefix: 'erp-app',
        count: 1,
        subnet: 51,
        network: 'globex-net',
        storageProfile: 'Standard',
        guestOs: RHEL,
        cpus: () => 4,
        memoryMb: () => 16384,
      }),
      ...series({
        prefix: 'erp-db',
        count: 1,
        subnet: 52,
        network: 'globex-net',
        storageProfile: 'Standard',
        guestOs: RHEL,
        cpus: () => 8,
        memoryMb: () => 32768,
      }),
    ]),
    vapp(
      'reporting',
      'hank',
      series({
        prefix: 'rpt',
        count: 2,
        subnet: 53,
        network: 'globex-net',
        storageProfile: 'Standard',
        guestOs: WINDOWS,
        cpus: () => 2,
        memoryMb: () => 8192,
        status: (i) => (i === 1 ? 'POWERED_OFF' : 'POWERED_ON'),
      }),
    ),
  ],
};

export const DEMO_INVENTORY: { readonly acme: DemoOrgInventory; readonly globex: DemoOrgInventory } = {
  acme: {
    vdcs: [ACME_PROD, ACME_DEV, ACME_LAB],
    metadata: [
      meta('env', 'demo'),
      meta('costCenter', 'CC-1001'),
      meta('vmLimit', '100', { type: 'MetadataNumberValue' }),
      meta('tier', 'gold', { domain: 'SYSTEM', visibility: 'READONLY' }),
      meta('billingAccount', 'ACME-7731', { domain: 'SYSTEM', visibility: 'PRIVATE' }),
    ],
  },
  globex: {
    vdcs: [GLOBEX_MAIN],
    metadata: [meta('env', 'demo')],
  },
};

/** Every VM of an org with its VDC and vApp, in spec order (the order their creation times follow). */
export function demoVms(org: DemoOrgInventory): DemoVmPlacement[] {
  return org.vdcs.flatMap((vdc) => vdc.vapps.flatMap((vapp) => vapp.vms.map((vm) => ({ vdc, vapp, vm }))));
}
