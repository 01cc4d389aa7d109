/**
 * Data Centers and Virtual Machines (issue 14 §1), read-only:
 *   GET {base}/datacenters[?page=]                                   the VDCs in reach, with allocation and usage
 *   GET {base}/vms[?search=&status=&sort=&direction=&page=]           the VMs in reach
 *   GET {base}/vms/{id}                                               one VM: hardware, disks, NICs, metadata
 * Rights and scope are the query service's (inventory-queries.ts): a user sees here exactly the VMs that
 * `/api/query?type=vm` shows them. A VM out of reach, of another org or missing is the same 403.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { sendPage } from '../respond.js';
import { PAGE } from '../responses.js';
import { forbidden } from '../../../domain/errors.js';
import { canViewDatacenters, canViewVms } from '../access.js';
import { listVdcs, listVms, VM_SORT_KEYS, VM_STATUSES, type VmSortKey } from '../inventory-queries.js';
import { datacentersPage, vmDetailPage, vmsPage } from '../views/inventory.js';
import { inventoryScope } from '../../../inventory/scope.js';
import { getVm, listMetadata } from '../../../inventory/repository.js';
import { mayRead } from '../../../inventory/access.js';

/** Deep enough for 100,000 VMs at 25 a page, with room; beyond the last page the list is simply empty. */
const MAX_PAGE = 1_000_000;
const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

const PageQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })) });

const VmListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 128 })),
  // One pattern rather than a union of literals: a bad value gets one line of message, not one per value.
  status: Type.Optional(Type.String({ pattern: `^(${VM_STATUSES.join('|')})?$` })),
  sort: Type.Optional(Type.String({ pattern: `^(${VM_SORT_KEYS.join('|')})$` })),
  direction: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
});

const VmParams = Type.Object({ vmId: Type.String({ pattern: UUID_PATTERN }) });

export function inventoryRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/datacenters',
    { schema: { querystring: PageQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      if (!canViewDatacenters(state.principal)) throw forbidden('Data Centers needs the right "Organization vDC: View".');
      const page = request.query.page ?? 1;
      const { items, total } = await listVdcs(services, state.principal, page);
      return sendPage(
        reply,
        datacentersPage(signedInFrame(state, deps), { items, total, page, allOrgs: inventoryScope(state.principal).kind === 'all' }),
      );
    },
  );

  app.get<{ Querystring: Static<typeof VmListQuery> }>(
    '/vms',
    { schema: { querystring: VmListQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      if (!canViewVms(state.principal)) throw forbidden('Virtual Machines needs the right "vApp: View".');
      const query = {
        search: (request.query.search ?? '').trim(),
        status: request.query.status ?? '',
        sort: (request.query.sort ?? 'name') as VmSortKey,
        direction: request.query.direction ?? 'asc',
        page: request.query.page ?? 1,
      } as const;
      const allOrgs = inventoryScope(state.principal).kind === 'all';
      const { items, total } = await listVms(services, state.principal, query);
      const orgNames = allOrgs ? new Map((await services.store.listOrgs()).map((o) => [o.id, o.name])) : new Map<string, string>();
      return sendPage(reply, vmsPage(signedInFrame(state, deps), { query, items, total, allOrgs, orgNames }));
    },
  );

  app.get<{ Params: Static<typeof VmParams> }>('/vms/:vmId', { schema: { params: VmParams, response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    const { principal } = state;
    const vm = await getVm(services.store, request.params.vmId);
    // Templates' VMs are not in the list either; any refusal looks like a missing VM.
    if (!vm || vm.is_template === 1 || !mayRead(principal, 'vm', vm.org_id)) throw forbidden();
    const org = await services.store.getOrg(vm.org_id);
    const metadata = await listMetadata(services.store, 'vm', [vm.id], { includePrivate: inventoryScope(principal).kind === 'all' });
    return sendPage(
      reply,
      vmDetailPage(signedInFrame(state, deps), {
        id: vm.id,
        name: vm.name,
        description: vm.description,
        status: vm.status,
        orgName: org?.name ?? '',
        vappName: vm.vapp_name,
        vdcName: vm.vdc_name,
        ownerName: vm.owner_name,
        guestOs: vm.guest_os,
        cpus: Number(vm.cpus),
        memoryMb: Number(vm.memory_mb),
        hardwareVersion: Number(vm.hardware_version),
        storageProfile: vm.storage_profile,
        diskMb: Number(vm.disk_mb),
        networkName: vm.network_name,
        ipAddress: vm.ip_address,
        deployed: vm.is_deployed === 1,
        createdAt: Number(vm.created_at),
        metadata: metadata.map((m) => ({ domain: m.domain, key: m.key, value: m.value, type: m.value_type, visibility: m.visibility })),
      }),
    );
  });
}
