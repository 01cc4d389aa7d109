/**
 * The inventory writes govcd's `AdminOrg.Delete(force=true, recursive=true)` makes before it deletes the org (what
 * Terraform's `vcd_org` runs on destroy with `delete_force` and `delete_recursive`, the provider's documented
 * settings), per VDC of the AdminOrg and per vApp of each VDC:
 *
 *   POST   /api/vApp/vapp-{id}/action/undeploy     UndeployVAppParams in, 202 with the finished Task
 *   DELETE /api/vApp/vapp-{id}                      202 with the finished Task
 *   (DELETE /api/admin/catalog/{id}, catalogs.ts)
 *   POST   /api/admin/vdc/{id}/action/disable       204
 *   POST   /api/admin/vdc/{id}/action/enable        204 (the symmetry; Terraform's vcd_org_vdc would use it)
 *   DELETE /api/admin/vdc/{id}?force=&recursive=    202 with the finished Task
 *
 * Decisions:
 * - Who: whoever may delete the org (policy action `org.manage`: the System administrator), as for
 *   `DELETE /api/admin/org/{id}` (admin-orgs.ts). A tenant, its org administrator included, gets VCD's 403: the
 *   inventory is the provider's data (docs/inventory.md). The 403 for tenants comes first; then an id that names
 *   nothing (malformed, unknown, deleted already, a template under /api/vApp) is the same 403.
 * - What: real changes to the store, one transaction each (inventory/teardown.ts, where the rules are), which the
 *   source's next sync undoes if it still lists the object (the file or agent is the truth).
 * - Tasks and answers as VCD's: undeploy and the deletes run as tasks (VCD's operation names), answered 202 with
 *   the Task, already finished (auth/tasks.ts), which govcd decodes and waits on; a refusal is a 400 without a task.
 *   Enabling and disabling a VDC are not tasks in VCD (govcd only checks the status): 204.
 * - Only whole vApps: a VM's ref (`vm-{id}`) is a 400 here, since the inventory describes VMs only inside their vApps.
 * - Audited like the other provider writes: `vapp.undeployed`, `vapp.deleted`, `vdc.enabled`, `vdc.disabled`,
 *   `vdc.deleted`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import type { AuditEventType } from '../../auth/audit.js';
import type { TaskOwner } from '../../auth/tasks.js';
import type { TaskRow } from '../../store/store.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import { can, refusal } from '../../domain/policy.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { getVApp, getVdc } from '../../inventory/repository.js';
import {
  UNDEPLOY_POWER_ACTIONS,
  deleteVApp,
  deleteVdc,
  setVdcEnabled,
  undeployVApp,
  type UndeployPowerAction,
  type WriteCheck,
} from '../../inventory/teardown.js';
import { assertSessionStands } from '../../auth/session-stands.js';
import { taskTree } from '../../inventory/documents/task.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { parseXmlBody } from './xml-input.js';
import { sendDocument } from './send-document.js';
import { parseRef } from './vapp-refs.js';
import {
  ApiHeaders,
  AnyQuerystring,
  BODY_ERRORS,
  COMMON_ERRORS,
  IdParams,
  NO_CONTENT,
  OrgDeleteQuerystring,
  RefParams,
  TAG,
  authenticated,
  documentResponse,
  xmlBody,
} from './contract.js';

const write = { tags: [TAG.admin], security: authenticated(), headers: ApiHeaders };
const finishedTask = { 202: documentResponse(MEDIA.task, 'The finished Task'), ...COMMON_ERRORS };

/** `force` / `recursive`: the schema allows true, false (any case) or empty; only true is true. */
const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';

/** The UndeployPowerAction of an UndeployVAppParams body (absent or empty: powerOff, VCD's default). */
function undeployAction(body: unknown): UndeployPowerAction {
  const action = parseXmlBody(body, 'UndeployVAppParams').childText('UndeployPowerAction', 64) ?? '';
  if (action === '') return 'powerOff';
  if (!(UNDEPLOY_POWER_ACTIONS as readonly string[]).includes(action)) {
    throw badRequest(`UndeployPowerAction must be one of ${UNDEPLOY_POWER_ACTIONS.join(', ')}`);
  }
  return action as UndeployPowerAction;
}

export const legacyInventoryTeardownRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.tessera.store;

  /** The 403 for whoever may not delete orgs, before anything is looked up. */
  const requireProvider = (request: FastifyRequest): Principal => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'org.manage')) throw refusal(principal, 'org.manage');
    return principal;
  };

  const vappOf = async (ref: string) => {
    const parsed = parseRef(ref);
    if (parsed.kind === 'vm') throw badRequest("Tessera undeploys and deletes whole vApps only: use the href of the VM's vApp");
    const vapp = parsed.kind === 'vapp' ? await getVApp(store(), parsed.id) : undefined;
    if (!vapp || vapp.is_template === 1) throw forbidden();
    return vapp;
  };

  const vdcOf = async (segment: string) => {
    const id = idFromPathSegment(segment, 'vdc');
    const vdc = id ? await getVdc(store(), id) : undefined;
    if (!vdc) throw forbidden();
    return vdc;
  };

  /** Each write only for a session that still stands, read in its transaction (inventory/teardown.ts). */
  const standing =
    (principal: Principal): WriteCheck =>
    (trx) =>
      assertSessionStands(store(), trx, principal, { lock: false });

  const orgRef = async (orgId: string) => ({ id: orgId, name: (await store().getOrg(orgId))?.name ?? '' });

  const audit = (
    request: FastifyRequest,
    principal: Principal,
    type: AuditEventType,
    org: { id: string; name: string },
    details: Record<string, string | number | boolean>,
  ) => app.tessera.audit.record({ type, actor: { id: principal.userId, name: principal.userName }, org, ip: request.ip, details });

  /** Runs `work` as a VCD task about `owner` and answers 202 with it, as VCD does. */
  const asTask = async (
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    task: { operationName: string; operation: string; org: { id: string; name: string }; owner: TaskOwner },
    work: () => Promise<unknown>,
  ) => {
    const subject = { id: task.owner.id };
    const { task: row }: { task: TaskRow } = await app.tessera.tasks.run(
      {
        operationName: task.operationName,
        operation: () => task.operation,
        org: () => task.org,
        owner: () => task.owner,
        actor: principal,
      },
      async () => {
        await work();
        return subject;
      },
      subject,
    );
    reply.code(202);
    return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), row));
  };

  app.post(
    '/api/vApp/:ref/action/undeploy',
    {
      schema: {
        ...write,
        summary: 'Undeploy a vApp: its VMs and itself powered off (System administrator). Answers the finished Task',
        params: RefParams,
        querystring: AnyQuerystring,
        body: xmlBody(MEDIA.undeployVAppParams, 'UndeployVAppParams'),
        response: { 202: documentResponse(MEDIA.task, 'The finished Task'), ...BODY_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = requireProvider(request);
      const vapp = await vappOf(request.params.ref);
      const action = undeployAction(request.body);
      const org = await orgRef(vapp.org_id);
      return asTask(
        request,
        reply,
        principal,
        {
          operationName: action === 'suspend' ? 'vappUndeploySuspend' : 'vappUndeployPowerOff',
          operation: `Stopped Virtual Application ${vapp.name}(${vapp.id})`,
          org,
          owner: { kind: 'vapp', id: vapp.id, name: vapp.name },
        },
        async () => {
          const { vms } = await undeployVApp(store(), vapp.id, action, standing(principal));
          await audit(request, principal, 'vapp.undeployed', org, { vappId: vapp.id, vapp: vapp.name, action, vms });
        },
      );
    },
  );

  app.delete(
    '/api/vApp/:ref',
    {
      schema: {
        ...write,
        summary: 'Delete a vApp with its VMs, once none is powered on (System administrator). Answers the finished Task',
        params: RefParams,
        querystring: AnyQuerystring,
        response: finishedTask,
      },
    },
    async (request, reply) => {
      const principal = requireProvider(request);
      const vapp = await vappOf(request.params.ref);
      const org = await orgRef(vapp.org_id);
      return asTask(
        request,
        reply,
        principal,
        {
          operationName: 'vdcDeleteVapp',
          operation: `Deleted Virtual Application ${vapp.name}(${vapp.id})`,
          org,
          owner: { kind: 'vapp', id: vapp.id, name: vapp.name },
        },
        async () => {
          const vms = await deleteVApp(store(), vapp, standing(principal));
          await audit(request, principal, 'vapp.deleted', org, { vappId: vapp.id, vapp: vapp.name, vdcId: vapp.vdc_id, vms });
        },
      );
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/api/admin/vdc/:id/action/${action}`,
      {
        schema: {
          ...write,
          summary: `${action === 'enable' ? 'Enable' : 'Disable'} a VDC (System administrator)`,
          params: IdParams,
          querystring: AnyQuerystring,
          response: { ...NO_CONTENT, ...COMMON_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = requireProvider(request);
        const vdc = await vdcOf(request.params.id);
        const enabled = action === 'enable';
        // Repeating either is allowed and changes nothing (govcd disables every VDC of the org without looking).
        if (await setVdcEnabled(store(), vdc.id, enabled, standing(principal))) {
          await audit(request, principal, enabled ? 'vdc.enabled' : 'vdc.disabled', await orgRef(vdc.org_id), {
            vdcId: vdc.id,
            vdc: vdc.name,
          });
        }
        return reply.code(204).send(null);
      },
    );
  }

  app.delete(
    '/api/admin/vdc/:id',
    {
      schema: {
        ...write,
        summary:
          'Delete a disabled VDC (System administrator): recursive=true with vApps or templates in it, force=true with powered-on VMs. Answers the finished Task',
        params: IdParams,
        querystring: OrgDeleteQuerystring,
        response: finishedTask,
      },
    },
    async (request, reply) => {
      const principal = requireProvider(request);
      const vdc = await vdcOf(request.params.id);
      const options = { force: isTrue(request.query.force), recursive: isTrue(request.query.recursive) };
      const org = await orgRef(vdc.org_id);
      return asTask(
        request,
        reply,
        principal,
        {
          operationName: 'vdcDeleteVdc',
          operation: `Deleted Virtual Datacenter ${vdc.name}(${vdc.id})`,
          org,
          owner: { kind: 'vdc', id: vdc.id, name: vdc.name },
        },
        async () => {
          const deleted = await deleteVdc(store(), vdc, options, standing(principal));
          await audit(request, principal, 'vdc.deleted', org, { vdcId: vdc.id, vdc: vdc.name, ...deleted, ...options });
        },
      );
    },
  );
};
