/**
 * The portal's reads of the inventory (Data Centers, Virtual Machines), through the query service's own engine
 * (inventory/query): the same type resolution and rights as `/api/query` (resolveQueryType), the same scope (the
 * principal's org; every org for the System administrator), the same indexed SQL with its cached counts and
 * keyset anchors. A page at 100,000 VMs costs what `/api/query?type=vm&page=N` costs, never a scan per request.
 *
 * The portal lists the VMs of vApps, not of vApp templates (as VCD's own UI does), so its list is exactly
 * `/api/query?type=vm&filter=isVAppTemplate==false` for the same user (test/portal/inventory.test.ts checks it).
 */
import type { Principal } from '../../domain/principal.js';
import type { Services } from '../context.js';
import { executeQuery } from '../../inventory/query/execute.js';
import { resolveQueryType } from '../../inventory/query/service.js';
import type { Row } from '../../inventory/query/catalogue.js';
import { inventoryScope } from '../../inventory/scope.js';
import { VCD_STATUS_NAMES } from '../../inventory/status.js';
import { readInventoryVersion } from '../../inventory/version.js';

/**
 * Exact results kept per inventory version (issue 14 at 100,000 VMs). Every VM list sort walks an index in page
 * order (migration 0016), so even a first view is a seek plus 25 rows; the Data Centers usage sums every VM of the
 * page's VDCs. Both are paid once per inventory change, then every repeat (reload, back, the next user of the same
 * view) is a map lookup. Keys hold the viewer's user id, so no page computed under one user's rights is shown to another;
 * any inventory write changes the version, and an entry of an older version is never used.
 */
class VersionedCache<T> {
  readonly #entries = new Map<string, { version: number; value: T }>();
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  get(key: string, version: number): T | undefined {
    const hit = this.#entries.get(key);
    if (!hit || hit.version !== version) return undefined;
    // Most recently used last: the oldest entry is the first one dropped.
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.value;
  }
  set(key: string, version: number, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { version, value });
    while (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
const vmPages = new WeakMap<object, VersionedCache<{ total: number; items: VmListItem[] }>>();
const vdcUsage = new WeakMap<object, VersionedCache<Map<string, VdcListItem['usage']>>>();
const vdcPages = new WeakMap<object, VersionedCache<{ total: number; items: VdcListItem[] }>>();
function cacheOf<T>(caches: WeakMap<object, VersionedCache<T>>, store: object): VersionedCache<T> {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new VersionedCache<T>(1000)));
  return cache;
}

export const VM_PAGE_SIZE = 25;
export const VDC_PAGE_SIZE = 50;

/** The VM list's sortable columns: portal name -> the query service's field. */
export const VM_SORT_FIELDS = {
  name: 'name',
  status: 'status',
  vapp: 'containerName',
  vdc: 'vdcName',
  os: 'guestOs',
  cpus: 'numberOfCpus',
  memory: 'memoryMB',
  ip: 'ipAddress',
  owner: 'ownerName',
} as const;
export type VmSortKey = keyof typeof VM_SORT_FIELDS;
export const VM_SORT_KEYS = Object.keys(VM_SORT_FIELDS) as VmSortKey[];
export const VM_STATUSES: readonly string[] = VCD_STATUS_NAMES;

export interface VmListInput {
  /** Part of the VM's name (case-insensitive), or ''. */
  readonly search: string;
  /** A VCD status name, or ''. */
  readonly status: string;
  readonly sort: VmSortKey;
  readonly direction: 'asc' | 'desc';
  readonly page: number;
}

export interface VmListItem {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly vappName: string;
  readonly vdcName: string;
  readonly orgId: string | null;
  readonly guestOs: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly ipAddress: string | null;
  readonly ownerName: string | null;
}

/** A FIQL argument with VCD's escapes (`\` before `\ ( ) , ; *`), so typed text is matched literally. */
export function fiqlLiteral(text: string): string {
  return text.replace(/[\\(),;*]/g, '\\$&');
}

/** The FIQL filter the list's search and status filter stand for (templates' VMs always excluded). */
export function vmListFilter(input: Pick<VmListInput, 'search' | 'status'>): string {
  const parts = ['isVAppTemplate==false'];
  if (input.search !== '') parts.push(`name==*${fiqlLiteral(input.search)}*`);
  if (input.status !== '') parts.push(`status==${input.status}`);
  return parts.join(';');
}

/** The provider runs the admin variant (every org, with each VM's org), as `/api/query?type=adminVM`. */
function vmType(principal: Principal) {
  return resolveQueryType(principal, inventoryScope(principal).kind === 'all' ? 'adminVM' : 'vm');
}

export async function listVms(services: Services, principal: Principal, input: VmListInput) {
  const type = vmType(principal);
  const cache = cacheOf(vmPages, services.store);
  const key = JSON.stringify([
    principal.userId,
    principal.orgId,
    type.name,
    input.search,
    input.status,
    input.sort,
    input.direction,
    input.page,
  ]);
  const version = await readInventoryVersion(services.store.db);
  const cached = cache.get(key, version);
  if (cached) return cached;
  const result = await executeQuery(services.store, {
    type,
    scope: inventoryScope(principal),
    filter: vmListFilter(input),
    sort: { field: VM_SORT_FIELDS[input.sort], direction: input.direction },
    page: input.page,
    pageSize: VM_PAGE_SIZE,
  });
  const page = { total: result.total, items: result.rows.map(toVmItem) };
  cache.set(key, result.version, page);
  return page;
}

function toVmItem(row: Row): VmListItem {
  return {
    id: row.id as string,
    name: row.name as string,
    status: row.status as string,
    vappName: row.containerName as string,
    vdcName: row.vdcName as string,
    orgId: (row.org as string | undefined) ?? null,
    guestOs: row.guestOs as string,
    cpus: Number(row.numberOfCpus),
    memoryMb: Number(row.memoryMB),
    ipAddress: (row.ipAddress as string | null) ?? null,
    ownerName: (row.ownerName as string | null) ?? null,
  };
}

export interface VdcListItem {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly enabled: boolean;
  readonly allocationModel: string;
  readonly cpuAllocatedMhz: number;
  readonly cpuLimitMhz: number;
  readonly memoryAllocatedMb: number;
  readonly memoryLimitMb: number;
  readonly storageLimitMb: number;
  readonly vms: number;
  readonly vapps: number;
  /** What the VDC's VMs use: vCPUs and memory of powered-on VMs (what runs), disks of all VMs (what is stored). */
  readonly usage: { readonly poweredOnVms: number; readonly vcpus: number; readonly memoryMb: number; readonly storageMb: number };
}

/** A page of VDCs (orgVdc, or adminOrgVdc for the provider) with their usage, summed for that page's VDCs only. */
export async function listVdcs(services: Services, principal: Principal, page: number) {
  // The VDC records count each VDC's VMs and vApps (subqueries over every VM): the whole page is kept per version.
  const pages = cacheOf(vdcPages, services.store);
  const key = JSON.stringify([principal.userId, principal.orgId, page]);
  const cached = pages.get(key, await readInventoryVersion(services.store.db));
  if (cached) return cached;
  const scope = inventoryScope(principal);
  const type = resolveQueryType(principal, scope.kind === 'all' ? 'adminOrgVdc' : 'orgVdc');
  const result = await executeQuery(services.store, {
    type,
    scope,
    filter: null,
    sort: scope.kind === 'all' ? { field: 'orgName', direction: 'asc' } : { field: 'name', direction: 'asc' },
    page,
    pageSize: VDC_PAGE_SIZE,
  });
  const ids = result.rows.map((r) => r.id as string);
  const usageCache = cacheOf(vdcUsage, services.store);
  const usageKey = ids.join(',');
  let usage = usageCache.get(usageKey, result.version);
  if (!usage) usage = await vdcUsageOf(services, ids);
  usageCache.set(usageKey, result.version, usage);

  const items: VdcListItem[] = result.rows.map((r) => ({
    id: r.id as string,
    name: r.name as string,
    description: r.description as string,
    orgId: r.org as string,
    orgName: r.orgName as string,
    enabled: Boolean(Number(r.isEnabled)),
    allocationModel: r.allocationModel as string,
    cpuAllocatedMhz: Number(r.cpuAllocationMhz),
    cpuLimitMhz: Number(r.cpuLimitMhz),
    memoryAllocatedMb: Number(r.memoryAllocationMB),
    memoryLimitMb: Number(r.memoryLimitMB),
    storageLimitMb: Number(r.storageLimitMB),
    vms: Number(r.numberOfVMs),
    vapps: Number(r.numberOfVApps),
    usage: usage.get(r.id as string) ?? { poweredOnVms: 0, vcpus: 0, memoryMb: 0, storageMb: 0 },
  }));
  const answer = { total: result.total, items };
  pages.set(key, result.version, answer);
  return answer;
}

/** What the VDCs' VMs use, in one grouped read over those VDCs (index vms_vdc_name); templates' VMs never run. */
async function vdcUsageOf(services: Services, ids: readonly string[]): Promise<Map<string, VdcListItem['usage']>> {
  const usage = new Map<string, VdcListItem['usage']>();
  if (ids.length === 0) return usage;
  // One grouped read over the page's VDCs (index vms_vdc_name); templates' VMs are stored, never run.
  const rows = await services.store.db
    .selectFrom('vms')
    .select((eb) => [
      'vms.vdc_id',
      eb.fn.sum<number>(eb.case().when('vms.status', '=', 'POWERED_ON').then(1).else(0).end()).as('on'),
      eb.fn.sum<number>(eb.case().when('vms.status', '=', 'POWERED_ON').then(eb.ref('vms.cpus')).else(0).end()).as('cpus'),
      eb.fn.sum<number>(eb.case().when('vms.status', '=', 'POWERED_ON').then(eb.ref('vms.memory_mb')).else(0).end()).as('memory'),
      eb.fn.sum<number>('vms.disk_mb').as('disk'),
    ])
    .where('vms.vdc_id', 'in', ids)
    .groupBy('vms.vdc_id')
    .execute();
  // PostgreSQL answers sums of bigint as strings (node-stack pitfall 8).
  for (const r of rows) {
    usage.set(r.vdc_id, { poweredOnVms: Number(r.on), vcpus: Number(r.cpus), memoryMb: Number(r.memory), storageMb: Number(r.disk) });
  }
  return usage;
}
