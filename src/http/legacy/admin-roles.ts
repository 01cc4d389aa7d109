/**
 * `GET /api/admin/right/{id}`: a right of the catalogue, where every RightReference (a Role's, the AdminOrg's)
 * points; any signed-in user reads it, as the cloudapi's `/rights/{id}`. Unknown and malformed ids are the 403.
 *
 * `GET /api/admin/role/{id}`: a role, at the href the AdminOrg's RoleReferences, the User document's `Role` and
 * the role query's records name (pyvcloud's `Org.get_role_resource`, then `Role.list_rights`). Whoever may view
 * the org's roles ("Role: View") reads it; unknown ids, malformed ids and other orgs' roles are the same 403 as
 * every entity. Roles are written through `/cloudapi/1.0.0/roles` (VCD 10.3's API for them).
 *
 * `GET /api/admin/group/{id}`: a group, at the href the AdminOrg's `Groups`, the User document's `GroupReferences`
 * and the group query's records name (govcd's `AdminOrg.GetGroupByName/ById`, Terraform's `data "vcd_org_group"`).
 * Read like the cloudapi's `/groups/{id}` ("Group / User: View" in the group's org); the same 403 otherwise.
 * Groups are written through `/cloudapi/1.0.0/groups`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { rightTree, roleTree } from '../../inventory/documents/role.js';
import { groupTree } from '../../inventory/documents/group.js';
import { rightWithId } from '../../domain/rights.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { sendDocument } from './send-document.js';

export const legacyAdminRoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/admin/right/:id',
    {
      schema: readByIdSchema(IdParams, {
        summary: 'A right of the rights catalogue',
        tag: TAG.admin,
        media: MEDIA.right,
        description: 'Right',
      }),
    },
    async (request, reply) => {
      requirePrincipal(request);
      const id = idFromPathSegment(request.params.id, 'right');
      const right = id ? rightWithId(id) : undefined;
      if (!right) throw forbidden();
      return sendDocument(request, reply, MEDIA.right, rightTree(baseUrl(request), right));
    },
  );

  app.get(
    '/api/admin/role/:id',
    {
      schema: readByIdSchema(IdParams, {
        summary: 'A role of an organization, with its rights',
        tag: TAG.admin,
        media: MEDIA.role,
        description: 'Role',
      }),
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const store = app.tessera.store;
      const id = idFromPathSegment(request.params.id, 'role');
      const role = id ? await store.getRole(id) : undefined;
      if (!role || !can(principal, 'role.view', { orgId: role.org_id })) throw forbidden();
      return sendDocument(request, reply, MEDIA.role, roleTree(baseUrl(request), role, await store.roleRights(role.id)));
    },
  );

  app.get(
    '/api/admin/group/:id',
    {
      schema: readByIdSchema(IdParams, {
        summary: 'A group of an organization, with its members and role',
        tag: TAG.admin,
        media: MEDIA.group,
        description: 'Group',
      }),
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const store = app.tessera.store;
      const id = idFromPathSegment(request.params.id, 'group');
      const group = id ? await store.getGroup(id) : undefined;
      if (!group || !can(principal, 'group.view', { orgId: group.org_id })) throw forbidden();
      const [role, members] = await Promise.all([
        group.role_id ? store.getRole(group.role_id) : Promise.resolve(undefined),
        store.groupMemberRefs(group.id),
      ]);
      return sendDocument(request, reply, MEDIA.group, groupTree(baseUrl(request), group, { role, members }));
    },
  );
};
