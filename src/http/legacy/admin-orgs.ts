/**
 * VCD's admin API for orgs, as govcd (CreateOrg, AdminOrg.Update/Disable/Enable/Delete) and Terraform's vcd_org
 * call it:
 *
 *   POST   /api/admin/orgs                      AdminOrg in, 201 AdminOrg out with the finished task in `Tasks`
 *   GET    /api/admin/org/{id}                  AdminOrg (also for org administrators, of their own org)
 *   PUT    /api/admin/org/{id}                  AdminOrg in, 200 AdminOrg out with the task in `Tasks`
 *   POST   /api/admin/org/{id}/action/disable   204
 *   POST   /api/admin/org/{id}/action/enable    204
 *   DELETE /api/admin/org/{id}?force=&recursive=   202 with the Task as the body (govcd waits on it)
 *
 * govcd decodes the create and update answers into a Task and waits on its href, which is the AdminOrg's here
 * (as real VCD answers): its status reads empty, which govcd takes as finished. Writes are the provider's alone
 * (auth/org-admin.ts); unknown ids get the same 403 as forbidden ones.
 *
 * PUT is VCD's full replacement as govcd sends it: a boolean left out is false (govcd omits false values), a
 * settings section left out keeps its values, and in VAppLeaseSettings / VAppTemplateLeaseSettings (whose fields
 * govcd sends only when set) a field left out keeps its value.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import type { Org, Store } from '../../store/store.js';
import type { OrgInput } from '../../auth/org-admin.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { parseXmlBody, type XmlElement } from './xml-input.js';
import { can } from '../../domain/policy.js';
import { MAX_SETTING_INT } from '../../domain/org-settings.js';
import { readableOr403 } from '../../inventory/access.js';
import { MEDIA, adminOrgHref, idFromPathSegment } from '../../inventory/hrefs.js';
import { listVdcsOfOrg } from '../../inventory/repository.js';
import { listCatalogsOfOrg } from '../../inventory/catalogs.js';
import { ORG_SETTINGS_SECTIONS, adminOrgTree, settingsTree } from '../../inventory/documents/admin-org.js';
import { node, type DocElement } from '../../inventory/document-tree.js';
import { VCLOUD_NS } from '../../inventory/xml-render.js';
import { taskTree } from '../../inventory/documents/task.js';
import type { TaskRow } from '../../store/store.js';
import {
  AnyQuerystring,
  ApiHeaders,
  BODY_ERRORS,
  COMMON_ERRORS,
  IdParams,
  NO_CONTENT,
  OrgDeleteQuerystring,
  TAG,
  authenticated,
  documentResponse,
  readByIdSchema,
  xmlBody,
} from './contract.js';

const adminOrgDocument = (description: string) => documentResponse(MEDIA.adminOrg, description);
const write = { tags: [TAG.admin], security: authenticated(), headers: ApiHeaders, querystring: AnyQuerystring };

const createOrgSchema = {
  ...write,
  summary: 'Create an org (System administrator)',
  body: xmlBody(MEDIA.adminOrg, 'AdminOrg'),
  response: { 201: adminOrgDocument('The new AdminOrg, its finished task in Tasks'), ...BODY_ERRORS },
};
const readOrgSchema = readByIdSchema(IdParams, { summary: 'One AdminOrg', tag: TAG.admin, media: MEDIA.adminOrg, description: 'AdminOrg' });
const updateOrgSchema = {
  ...write,
  summary: 'Replace an org (System administrator)',
  params: IdParams,
  body: xmlBody(MEDIA.adminOrg, 'AdminOrg'),
  response: { 200: adminOrgDocument('The AdminOrg, its finished task in Tasks'), ...BODY_ERRORS },
};
const orgActionSchema = (action: string) => ({
  ...write,
  summary: `${action === 'enable' ? 'Enable' : 'Disable'} an org (System administrator)`,
  params: IdParams,
  response: { ...NO_CONTENT, ...COMMON_ERRORS },
});
const deleteOrgSchema = {
  ...write,
  summary: 'Delete an org (System administrator); answers the finished Task',
  params: IdParams,
  querystring: OrgDeleteQuerystring,
  response: { 202: documentResponse(MEDIA.task, 'The finished Task'), ...COMMON_ERRORS },
};

/** The AdminOrg document's fields, as OrgInput (the settings sections as sent). */
export function orgInputFrom(doc: XmlElement): OrgInput {
  const int = (el: XmlElement | undefined, name: string) => el?.childInt(name, 0, MAX_SETTING_INT);
  const input: OrgInput = {
    name: doc.attr('name') ?? '',
    fullName: doc.childRawText('FullName') ?? '',
    description: doc.childRawText('Description') ?? '',
    // Left out means false, not "unchanged" (unlike the settings sections): govcd's AdminOrg marks IsEnabled
    // omitempty, so its Update of an org with IsEnabled false (Terraform's vcd_org `is_enabled = false`) sends none.
    enabled: doc.childBool('IsEnabled') ?? false,
  };
  const settings = doc.child('Settings');
  const general = settings?.child('OrgGeneralSettings');
  if (general) {
    input.general = {
      canPublishCatalogs: general.childBool('CanPublishCatalogs') ?? false,
      canPublishExternally: general.childBool('CanPublishExternally') ?? false,
      canSubscribe: general.childBool('CanSubscribe') ?? false,
      useServerBootSequence: general.childBool('UseServerBootSequence') ?? false,
      delayAfterPowerOnSeconds: int(general, 'DelayAfterPowerOnSeconds') ?? 0,
    };
    input.deployedVmQuota = int(general, 'DeployedVMQuota') ?? 0;
    input.storedVmQuota = int(general, 'StoredVmQuota') ?? int(general, 'StoredVMQuota') ?? 0;
  }
  const lease = settings?.child('VAppLeaseSettings');
  if (lease) {
    input.vappLease = {
      deleteOnStorageLeaseExpiration: lease.childBool('DeleteOnStorageLeaseExpiration'),
      deploymentLeaseSeconds: int(lease, 'DeploymentLeaseSeconds'),
      storageLeaseSeconds: int(lease, 'StorageLeaseSeconds'),
      powerOffOnRuntimeLeaseExpiration: lease.childBool('PowerOffOnRuntimeLeaseExpiration'),
    };
  }
  const templateLease = settings?.child('VAppTemplateLeaseSettings');
  if (templateLease) {
    input.vappTemplateLease = {
      deleteOnStorageLeaseExpiration: templateLease.childBool('DeleteOnStorageLeaseExpiration'),
      storageLeaseSeconds: int(templateLease, 'StorageLeaseSeconds'),
    };
  }
  const ldapMode = settings?.child('OrgLdapSettings')?.childText('OrgLdapMode');
  if (ldapMode !== undefined && ldapMode !== '' && ldapMode !== 'NONE') {
    throw badRequest(`OrgLdapMode ${ldapMode.slice(0, 40)} is not supported: Tessera has no LDAP (use NONE)`);
  }
  const policy = settings?.child('OrgPasswordPolicySettings');
  if (policy) {
    input.passwordPolicy = {
      accountLockoutEnabled: policy.childBool('AccountLockoutEnabled'),
      invalidLoginsBeforeLockout: int(policy, 'InvalidLoginsBeforeLockout'),
      accountLockoutIntervalMinutes: int(policy, 'AccountLockoutIntervalMinutes'),
    };
  }
  return input;
}

/** `force` / `recursive` query values: true, false (any case) or absent (false); anything else is a 400. */
function flag(value: unknown, name: string): boolean {
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (v === undefined || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`${name} must be true or false`);
}

/** The org a provider write targets: the 403 for tenants comes first, then unknown ids get the same 403. */
export async function orgToManageIn(store: Store, principal: Principal, segment: string): Promise<Org> {
  if (!can(principal, 'org.manage')) throw forbidden();
  const id = idFromPathSegment(segment, 'org');
  const org = id ? await store.getOrg(id) : undefined;
  if (!org) throw forbidden();
  return org;
}

export const legacyAdminOrgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = () => app.tessera;
  const store = () => app.tessera.store;

  const orgToManage = (principal: Principal, segment: string) => orgToManageIn(store(), principal, segment);

  const sendAdminOrg = async (request: FastifyRequest, reply: FastifyReply, org: Org, tasks: TaskRow[] = []) => {
    // Users and groups are listed to whoever may read them ("Group / User: View"), as their documents and query
    // types are; anyone else sees their own user only, whose document they may read (govcd's GetUserByName of
    // oneself, Terraform's vcd_org_user). Until 2026-12-05 a vApp Author, refused every other user's document,
    // read every member's name here.
    const principal = requirePrincipal(request);
    const target = { orgId: org.id };
    const readsUsers = can(principal, 'user.view', target);
    const ownUserIn = async (orgId: string) => {
      const own = await store().getUser(principal.userId);
      return own && own.org_id === orgId ? [own] : [];
    };
    const [vdcs, users, groups, roles, catalogs, rights] = await Promise.all([
      listVdcsOfOrg(store(), org.id),
      readsUsers ? store().listUsers(org.id) : ownUserIn(org.id),
      can(principal, 'group.view', target) ? store().listGroups(org.id) : [],
      store().listRoles(org.id),
      listCatalogsOfOrg(store(), org.id),
      services().identityAdmin.publishedRights(org.id),
    ]);
    const contents = { vdcs, users, groups, roles, catalogs, rights, tasks };
    return sendDocument(request, reply, MEDIA.adminOrg, adminOrgTree(baseUrl(request), org, contents));
  };

  const orgTask = (operationName: string, verb: string, principal: Principal) => ({
    operationName,
    operation: (org: Org) => `${verb} Organization ${org.name}(${org.id})`,
    org: (org: Org) => ({ id: org.id, name: org.name }),
    owner: (org: Org) => ({ kind: 'org' as const, id: org.id, name: org.name }),
    actor: principal,
  });

  app.post('/api/admin/orgs', { schema: createOrgSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'org.manage')) throw forbidden();
    const input = orgInputFrom(parseXmlBody(request.body, 'AdminOrg'));
    const { result: org, task } = await services().tasks.run(orgTask('orgCreateOrg', 'Created', principal), () =>
      services().orgAdmin.create(principal, input, request.ip),
    );
    reply.code(201);
    return sendAdminOrg(request, reply, org, [task]);
  });

  app.get('/api/admin/org/:id', { schema: readOrgSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const id = idFromPathSegment(request.params.id, 'org');
    const org = readableOr403(principal, 'adminOrg', id ? await store().getOrg(id) : undefined);
    return sendAdminOrg(request, reply, org);
  });

  // The org's settings at the hrefs the AdminOrg's Settings element names, read like the AdminOrg: the whole
  // OrgSettings and each of its sections, each the same element as inline (settingsTree), made a document.
  // Written with the AdminOrg (a PUT of it, as govcd's AdminOrg.Update and Terraform's vcd_org do).
  const summaries: Record<(typeof ORG_SETTINGS_SECTIONS)[number]['element'], string> = {
    OrgSettings: "An org's settings",
    OrgGeneralSettings: "An org's general settings",
    VAppLeaseSettings: "An org's vApp lease settings",
    VAppTemplateLeaseSettings: "An org's vApp template lease settings",
    OrgLdapSettings: "An org's LDAP settings (NONE: users are local)",
    OrgPasswordPolicySettings: "An org's password policy (account lockout)",
  };
  for (const { path, element, media } of ORG_SETTINGS_SECTIONS) {
    app.get(
      `/api/admin/org/:id/settings${path}`,
      { schema: readByIdSchema(IdParams, { summary: summaries[element], tag: TAG.admin, media, description: element }) },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const id = idFromPathSegment(request.params.id, 'org');
        const org = readableOr403(principal, 'adminOrg', id ? await store().getOrg(id) : undefined);
        const settings = settingsTree(adminOrgHref(baseUrl(request), org.id), org);
        const section = path === '' ? settings : (settings.children.find((c) => c?.name === element) as DocElement);
        return sendDocument(request, reply, media, node(element, { xmlns: VCLOUD_NS, ...section.attrs }, section.children));
      },
    );
  }

  app.put('/api/admin/org/:id', { schema: updateOrgSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const org = await orgToManage(principal, request.params.id);
    const input = orgInputFrom(parseXmlBody(request.body, 'AdminOrg'));
    const { result, task } = await services().tasks.run(
      orgTask('orgUpdateOrg', 'Updated', principal),
      () => services().orgAdmin.update(principal, org, input, request.ip),
      org,
    );
    return sendAdminOrg(request, reply, result, [task]);
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/api/admin/org/:id/action/${action}`, { schema: orgActionSchema(action) }, async (request, reply) => {
      const principal = requirePrincipal(request);
      const org = await orgToManage(principal, request.params.id);
      await services().tasks.run(
        orgTask(action === 'enable' ? 'orgEnable' : 'orgDisable', action === 'enable' ? 'Enabled' : 'Disabled', principal),
        () => services().orgAdmin.setEnabled(principal, org, action === 'enable', request.ip),
        org,
      );
      return reply.code(204).send(null);
    });
  }

  app.delete('/api/admin/org/:id', { schema: deleteOrgSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const org = await orgToManage(principal, request.params.id);
    const options = { force: flag(request.query.force, 'force'), recursive: flag(request.query.recursive, 'recursive') };
    const { task } = await services().tasks.run(
      orgTask('orgDeleteOrg', 'Deleted', principal),
      async () => {
        await services().orgAdmin.delete(principal, org, options, request.ip);
        return org;
      },
      org,
    );
    reply.code(202);
    return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), task));
  });
};
