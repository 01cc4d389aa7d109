/**
 * Data Centers and Virtual Machines (issue 14 §1): read-only views of the inventory, from the same query engine
 * and rights as `/api/query` (inventory-queries.ts). Usage bars are <meter> elements: accessible, and styled
 * without inline styles (the CSP allows none).
 */
import { html, type SafeHtml } from '../html.js';
import { layout, type PageFrame } from './layout.js';
import { pageHeading, timeOrDash } from './components.js';
import { listUrl, pagination, sortableHeader, type SortState } from './paging.js';
import type { VdcListItem, VmListInput, VmListItem, VmSortKey } from '../inventory-queries.js';
import { VM_PAGE_SIZE, VDC_PAGE_SIZE, VM_STATUSES } from '../inventory-queries.js';

const n = (v: number) => v.toLocaleString('en-US');

/** MB as people read it: 512 MB, 4 GB, 1.5 TB. */
export function formatMb(mb: number): string {
  if (mb >= 1024 * 1024) return `${trim(mb / (1024 * 1024))} TB`;
  if (mb >= 1024) return `${trim(mb / 1024)} GB`;
  return `${n(mb)} MB`;
}
const trim = (v: number) => (Math.round(v * 10) / 10).toLocaleString('en-US');
const ghz = (mhz: number) => `${trim(mhz / 1000)} GHz`;

/** A status as VCD's UI words it: POWERED_ON -> Powered on. */
export function statusLabel(status: string): string {
  const words = status.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function statusBadge(status: string): SafeHtml {
  const kind =
    status === 'POWERED_ON' ? ' badge-success' : status === 'FAILED_CREATION' || status === 'INCONSISTENT_STATE' ? ' badge-danger' : '';
  return html`<span class="badge${kind}">${statusLabel(status)}</span>`;
}

function usage(label: string, used: number, limit: number, format: (v: number) => string): SafeHtml {
  if (limit <= 0) return html`<div class="usage"><span class="usage-text">${format(used)} used · unlimited</span></div>`;
  return html`<div class="usage"><meter min="0" max="${limit}" value="${Math.min(used, limit)}" low="${limit * 0.75}" high="${limit * 0.9}" optimum="0" aria-label="${label}: ${format(used)} of ${format(limit)}"></meter><span class="usage-text">${format(used)} of ${format(limit)}</span></div>`;
}

export function datacentersPage(
  frame: PageFrame,
  input: { items: readonly VdcListItem[]; total: number; page: number; allOrgs: boolean },
): SafeHtml {
  const base = frame.org!.basePath;
  const href = (page: number) => listUrl(`${base}/datacenters`, { page: page === 1 ? null : page });
  return layout(
    { ...frame, active: 'datacenters' },
    'Data Centers',
    html`${pageHeading('Data Centers', input.allOrgs ? 'The virtual data centers of every organization' : `The virtual data centers of ${frame.user!.orgName}`)}
${
  input.total === 0
    ? html`<p class="empty-state">No virtual data centers.</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="vdcs-table">
  <caption class="visually-hidden">Virtual data centers</caption>
  <thead><tr>
    <th scope="col">Name</th>
    ${input.allOrgs && html`<th scope="col">Organization</th>`}
    <th scope="col">Allocation model</th>
    <th scope="col">Status</th>
    <th scope="col">CPU</th>
    <th scope="col">Memory</th>
    <th scope="col">Storage</th>
    <th scope="col">VMs</th>
  </tr></thead>
  <tbody>
  ${input.items.map(
    (v) => html`<tr>
    <th scope="row" data-label="Name"><span class="cell-name">${v.name}</span>${v.description ? html`<div class="muted">${v.description}</div>` : ''}</th>
    ${input.allOrgs && html`<td data-label="Organization">${v.orgName}</td>`}
    <td data-label="Allocation model">${v.allocationModel}</td>
    <td data-label="Status">${v.enabled ? html`<span class="badge badge-success">Enabled</span>` : html`<span class="badge">Disabled</span>`}</td>
    <td data-label="CPU"><div class="usage"><span class="usage-text">${n(v.usage.vcpus)} vCPUs running</span><span class="usage-text">Allocation ${ghz(v.cpuAllocatedMhz)} · limit ${v.cpuLimitMhz > 0 ? ghz(v.cpuLimitMhz) : 'unlimited'}</span></div></td>
    <td data-label="Memory">${usage(`Memory of ${v.name}`, v.usage.memoryMb, v.memoryLimitMb, formatMb)}<span class="usage-text">Allocation ${formatMb(v.memoryAllocatedMb)}</span></td>
    <td data-label="Storage">${usage(`Storage of ${v.name}`, v.usage.storageMb, v.storageLimitMb, formatMb)}</td>
    <td data-label="VMs">${n(v.usage.poweredOnVms)} of ${n(v.vms)} on · ${n(v.vapps)} vApps</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>
${pagination({ page: input.page, pageSize: VDC_PAGE_SIZE, total: input.total }, href, 'data centers')}`
}
<p class="muted">CPU and memory count the powered-on VMs; storage counts the disks of every VM.</p>`,
    { crumbs: [{ label: 'Home', href: `${base}/` }, { label: 'Data Centers' }] },
  );
}

export function vmsPage(
  frame: PageFrame,
  input: { query: VmListInput; items: readonly VmListItem[]; total: number; allOrgs: boolean; orgNames: ReadonlyMap<string, string> },
): SafeHtml {
  const base = frame.org!.basePath;
  const q = input.query;
  const params = (over: Partial<{ sort: VmSortKey; direction: string; page: number }>) => {
    const sort = over.sort ?? q.sort;
    const direction = over.direction ?? q.direction;
    const page = over.page ?? q.page;
    return {
      search: q.search,
      status: q.status,
      sort: sort === 'name' && direction === 'asc' ? null : sort,
      direction: direction === 'asc' ? null : direction,
      page: page === 1 ? null : page,
    };
  };
  const sortHref = (s: SortState) => listUrl(`${base}/vms`, params({ sort: s.field as VmSortKey, direction: s.direction, page: 1 }));
  const pageHref = (page: number) => listUrl(`${base}/vms`, params({ page }));
  const sort: SortState = { field: q.sort, direction: q.direction };
  const header = (label: string, key: VmSortKey) => sortableHeader(label, key, sort, sortHref);
  const filtered = q.search !== '' || q.status !== '';
  return layout(
    { ...frame, active: 'vms' },
    'Virtual Machines',
    html`${pageHeading('Virtual Machines', input.allOrgs ? 'The VMs of every organization' : `The VMs of ${frame.user!.orgName}`)}
<form method="get" action="${base}/vms" class="filter-bar" role="search" aria-label="Virtual machines">
  <span class="filter-pair"><label for="vm-search">Name contains</label>
  <input id="vm-search" name="search" type="search" value="${q.search}" maxlength="128" autocomplete="off"></span>
  <span class="filter-pair"><label for="vm-status">Status</label>
  <select id="vm-status" name="status">
    <option value="">Any status</option>
    ${VM_STATUSES.map((s) => html`<option value="${s}"${s === q.status ? html` selected` : ''}>${statusLabel(s)}</option>`)}
  </select></span>
  ${q.sort !== 'name' && html`<input type="hidden" name="sort" value="${q.sort}">`}
  ${q.direction !== 'asc' && html`<input type="hidden" name="direction" value="${q.direction}">`}
  <button type="submit" class="btn btn-sm btn-primary">Search</button>
  ${filtered && html`<a class="btn btn-sm btn-link" href="${base}/vms">Clear</a>`}
</form>
${
  input.items.length === 0
    ? input.total > 0
      ? '' // past the last page: the pagination below says so (paging.ts), rather than an empty table
      : html`<p class="empty-state">${filtered ? 'No VMs match.' : 'No VMs.'}</p>`
    : html`<div class="datagrid-wrap">
<table class="datagrid datagrid-stack" data-testid="vms-table">
  <caption class="visually-hidden">Virtual machines${filtered ? ', filtered' : ''}</caption>
  <thead><tr>
    ${header('Name', 'name')}
    ${header('Status', 'status')}
    ${header('vApp', 'vapp')}
    ${header('VDC', 'vdc')}
    ${input.allOrgs && html`<th scope="col">Organization</th>`}
    ${header('Guest OS', 'os')}
    ${header('CPUs', 'cpus')}
    ${header('Memory', 'memory')}
    ${header('IP address', 'ip')}
    ${header('Owner', 'owner')}
  </tr></thead>
  <tbody>
  ${input.items.map(
    (vm) => html`<tr>
    <th scope="row" data-label="Name"><a class="cell-name" href="${base}/vms/${vm.id}">${vm.name}</a></th>
    <td data-label="Status">${statusBadge(vm.status)}</td>
    <td data-label="vApp">${vm.vappName}</td>
    <td data-label="VDC">${vm.vdcName}</td>
    ${input.allOrgs && html`<td data-label="Organization">${(vm.orgId && input.orgNames.get(vm.orgId)) ?? ''}</td>`}
    <td data-label="Guest OS">${vm.guestOs}</td>
    <td data-label="CPUs">${vm.cpus}</td>
    <td data-label="Memory">${formatMb(vm.memoryMb)}</td>
    <td data-label="IP address">${vm.ipAddress ?? html`<span class="muted">None</span>`}</td>
    <td data-label="Owner">${vm.ownerName ?? html`<span class="muted">None</span>`}</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>`
}
${pagination({ page: q.page, pageSize: VM_PAGE_SIZE, total: input.total }, pageHref, 'VMs')}`,
    { crumbs: [{ label: 'Home', href: `${base}/` }, { label: 'Virtual Machines' }] },
  );
}

export interface VmDetail {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: string;
  readonly orgName: string;
  readonly vappName: string;
  readonly vdcName: string;
  readonly ownerName: string | null;
  readonly guestOs: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly hardwareVersion: number;
  readonly storageProfile: string;
  readonly diskMb: number;
  readonly networkName: string | null;
  readonly ipAddress: string | null;
  readonly deployed: boolean;
  readonly createdAt: number;
  readonly metadata: ReadonlyArray<{ domain: string; key: string; value: string; type: string; visibility: string }>;
}

export function vmDetailPage(frame: PageFrame, vm: VmDetail): SafeHtml {
  const base = frame.org!.basePath;
  return layout(
    { ...frame, active: 'vms' },
    vm.name,
    html`${pageHeading(vm.name, html`${statusBadge(vm.status)} VM of vApp ${vm.vappName} in ${vm.vdcName}`)}
<div class="card-grid">
<section class="card" aria-labelledby="vm-general">
  <h2 id="vm-general" class="card-title">General</h2>
  <dl class="properties">
    <dt>Description</dt><dd>${vm.description || html`<span class="muted">None</span>`}</dd>
    <dt>Organization</dt><dd>${vm.orgName}</dd>
    <dt>Data center</dt><dd>${vm.vdcName}</dd>
    <dt>vApp</dt><dd>${vm.vappName}</dd>
    <dt>Owner</dt><dd>${vm.ownerName ?? html`<span class="muted">None</span>`}</dd>
    <dt>Deployed</dt><dd>${vm.deployed ? 'Yes' : 'No'}</dd>
    <dt>Created</dt><dd>${timeOrDash(vm.createdAt)}</dd>
  </dl>
</section>
<section class="card" aria-labelledby="vm-hardware">
  <h2 id="vm-hardware" class="card-title">Hardware</h2>
  <dl class="properties">
    <dt>Guest OS</dt><dd>${vm.guestOs}</dd>
    <dt>CPUs</dt><dd>${vm.cpus}</dd>
    <dt>Memory</dt><dd>${formatMb(vm.memoryMb)}</dd>
    <dt>Hardware version</dt><dd>vmx-${vm.hardwareVersion}</dd>
  </dl>
</section>
</div>
<section class="card" aria-labelledby="vm-disks">
  <h2 id="vm-disks" class="card-title">Disks</h2>
  <div class="datagrid-wrap"><table class="datagrid datagrid-stack">
    <caption class="visually-hidden">Disks</caption>
    <thead><tr><th scope="col">Disk</th><th scope="col">Size</th><th scope="col">Storage policy</th></tr></thead>
    <tbody><tr><th scope="row" data-label="Disk">Hard disk 1</th><td data-label="Size">${formatMb(vm.diskMb)}</td><td data-label="Storage policy">${vm.storageProfile}</td></tr></tbody>
  </table></div>
</section>
<section class="card" aria-labelledby="vm-nics">
  <h2 id="vm-nics" class="card-title">Network interfaces</h2>
  ${
    vm.networkName === null
      ? html`<p class="muted">This VM has no network interface.</p>`
      : html`<div class="datagrid-wrap"><table class="datagrid datagrid-stack">
    <caption class="visually-hidden">Network interfaces</caption>
    <thead><tr><th scope="col">NIC</th><th scope="col">Network</th><th scope="col">IP address</th><th scope="col">Primary</th></tr></thead>
    <tbody><tr><th scope="row" data-label="NIC">NIC 0</th><td data-label="Network">${vm.networkName}</td><td data-label="IP address">${vm.ipAddress ?? html`<span class="muted">None</span>`}</td><td data-label="Primary">Yes</td></tr></tbody>
  </table></div>`
  }
</section>
<section class="card" aria-labelledby="vm-metadata">
  <h2 id="vm-metadata" class="card-title">Metadata</h2>
  ${
    vm.metadata.length === 0
      ? html`<p class="muted">No metadata.</p>`
      : html`<div class="datagrid-wrap"><table class="datagrid datagrid-stack" data-testid="vm-metadata">
    <caption class="visually-hidden">Metadata</caption>
    <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Type</th><th scope="col">Domain</th><th scope="col">Access</th></tr></thead>
    <tbody>${vm.metadata.map(
      (m) =>
        html`<tr><th scope="row" data-label="Key">${m.key}</th><td data-label="Value">${m.value}</td><td data-label="Type">${m.type}</td><td data-label="Domain">${m.domain}</td><td data-label="Access">${m.visibility}</td></tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`,
    { crumbs: [{ label: 'Home', href: `${base}/` }, { label: 'Virtual Machines', href: `${base}/vms` }, { label: vm.name }] },
  );
}
