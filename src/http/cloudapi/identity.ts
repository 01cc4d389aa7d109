/**
 * Users, groups, roles, global roles, rights and rights bundles on the cloudapi: enough to manage an org's
 * people from a password session, and for the restrictions on token sessions to be observable (they read,
 * they never write: vcd-wire §10). The tenant is the caller's org, or for a provider the org named by
 * `X-VMWARE-VCLOUD-TENANT-CONTEXT` (a bare UUID as govcd sends it, or a URN).
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from 'typebox';
import {
  byIdRoute,
  deleteByIdRoute,
  GroupBody,
  IdParams,
  listByIdRoute,
  listRoute,
  RoleBody,
  UserBody,
  UserUpdateQuery,
} from './schemas.js';
import {
  CLOUDAPI_BODY_ERRORS,
  CLOUDAPI_ERRORS,
  GlobalRoleEntity,
  GlobalRolePage,
  GroupEntity,
  GroupPage,
  METHOD_NOT_ALLOWED,
  RightEntity,
  RightPage,
  RightReferencePage,
  RightsBundleEntity,
  RightsBundlePage,
  RoleEntity,
  TenantReferencePage,
  RolePage,
  UserEntity,
  UserPage,
} from './responses.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Principal } from '../../domain/principal.js';
import type { Group, Role, User } from '../../store/store.js';
import { requirePrincipal, sendCloudapiJson, type Services } from '../context.js';
import { badRequest, forbidden, tooManyRequests, TesseraError } from '../../domain/errors.js';
import { lockedUntil } from '../../domain/account-lock.js';
import { can, hasProviderView, refusal, type Action } from '../../domain/policy.js';
import { RIGHT_CATALOGUE, SYSTEM_ORG_ID, isKnownRight, PREDEFINED_ROLES, rightBundleKey, rightId, rightType } from '../../domain/rights.js';
import type { UserPatch } from '../../auth/identity-admin.js';
import { bundlePublishedTo, bundleReaches, bundleRights } from '../../domain/rights-bundle.js';
import { pagedEnvelope } from './paging.js';
import { rightsCategoryId } from '../../inventory/rights-categories.js';
import { listPage, type ListFields } from './list-query.js';

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const rightRef = (name: string) => ({ name, id: `urn:vcloud:right:${rightId(name)}` });

function idFrom(param: string, kind: string): string {
  const m = UUID.exec(param);
  if (!m || (param.startsWith('urn:') && !param.startsWith(`urn:vcloud:${kind}:`))) throw forbidden();
  return m[1]!;
}

/** The org a request acts on. */
async function tenantOf(services: Services, request: FastifyRequest, principal: Principal): Promise<{ id: string; name: string }> {
  const header = request.headers['x-vmware-vcloud-tenant-context'];
  if (typeof header === 'string' && header.trim() !== '' && hasProviderView(principal)) {
    const m = UUID.exec(header.trim());
    const org = m ? await services.store.getOrg(m[1]!) : undefined;
    if (!org) throw forbidden('The tenant context names no organization');
    return { id: org.id, name: org.name };
  }
  return { id: principal.orgId, name: principal.orgName };
}

function requireCan(principal: Principal, action: Action, orgId: string) {
  if (!can(principal, action, { orgId })) throw refusal(principal, action);
}

const USER_FIELDS = [
  'id',
  'username',
  'fullName',
  'email',
  'description',
  'nameInSource',
  'enabled',
  'isGroupRole',
  'providerType',
  'locked',
  'stranded',
  'deployedVmQuota',
  'storedVmQuota',
  'roleEntityRefs',
  'orgEntityRef',
  'totpEnabled',
  'password',
  'currentPassword',
  'revokeApiTokens',
];

/** A PUT must name something we understand: `{}` or only unknown fields is a client mistake, not a no-op. */
function requireKnownFields(body: object, known: readonly string[]): void {
  if (!Object.keys(body).some((k) => known.includes(k))) {
    throw badRequest(`The request names no field that can be changed; fields are: ${known.join(', ')}`);
  }
}

/**
 * Changing one's own password needs the current one (ASVS 7.5.1: re-authenticate before changing how you sign
 * in), so a stolen session alone cannot take the account over. Wrong guesses count against the sign-in limit.
 */
/**
 * Your own password change proves the current one. A wrong one is a guess like a failed sign-in, counted and braked
 * the same way (UserService.checkCurrentPassword: the org's lockout, the failure budgets, the audit trail), as the
 * portal's form checks it.
 */
async function requireCurrentPassword(services: Services, request: FastifyRequest, principal: Principal, user: User, current: unknown) {
  if (typeof current !== 'string' || current === '') throw badRequest('currentPassword is required to change your own password');
  const retryAfter = services.limits.signIn.hit(request.ip, `password-change|${user.id}`);
  if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many attempts; retry later');
  if (!(await services.users.checkCurrentPassword(principal, user, current, request.ip))) throw badRequest('The current password is wrong');
}

/** Options of a write to one entity: its id in the path, its body, and the entity (or page) it answers. */
const withBody = <B extends TSchema, R extends TSchema>(body: B, answer: R) => ({
  schema: { params: IdParams, body, response: { 200: answer, ...CLOUDAPI_BODY_ERRORS } },
});
/** Options of a POST on an entity (its id in the path, a body): 201 with the answer. */
const postOnEntity = <B extends TSchema, R extends TSchema>(body: B, answer: R) => ({
  schema: { params: IdParams, body, response: { 201: answer, ...CLOUDAPI_BODY_ERRORS } },
});
/** Options of a create: its body, and 201 with the new entity. */
const createRoute = <B extends TSchema, R extends TSchema>(body: B, answer: R) => ({
  schema: { body, response: { 201: answer, ...CLOUDAPI_BODY_ERRORS } },
});

export const cloudapiIdentityRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const services = app.tessera;
  const { store, identityAdmin } = services;
  const api = '/cloudapi/1.0.0';

  const userJson = async (u: User) => {
    const [role, org] = await Promise.all([store.getRole(u.role_id), store.getOrg(u.org_id)]);
    return {
      id: `urn:vcloud:user:${u.id}`,
      username: u.name,
      fullName: u.full_name,
      email: u.email,
      description: '',
      nameInSource: u.name,
      enabled: u.is_enabled === 1,
      isGroupRole: false,
      providerType: 'LOCAL',
      locked: lockedUntil(u, Date.now()) !== null,
      stranded: false,
      deployedVmQuota: u.deployed_vm_quota,
      storedVmQuota: u.stored_vm_quota,
      roleEntityRefs: role ? [{ name: role.name, id: `urn:vcloud:role:${role.id}` }] : [],
      orgEntityRef: org ? { name: org.name, id: `urn:vcloud:org:${org.id}` } : null,
      totpEnabled: u.totp_enabled === 1,
      password: null,
    };
  };

  /** Loads a user of the tenant; missing or outside the caller's reach is 403. */
  const loadUser = async (request: FastifyRequest & { params: { id: string } }, principal: Principal) => {
    const user = await store.getUser(idFrom(request.params.id, 'user'));
    const self = user?.id === principal.userId;
    if (!user || (!self && !can(principal, 'user.view', { orgId: user.org_id }))) throw forbidden();
    return user;
  };

  /** The one role a user or group body names (the schema holds it to exactly one `{id}`). */
  const roleIdFrom = (body: { roleEntityRefs?: ReadonlyArray<{ id: string }> }): string | undefined => {
    const ref = body.roleEntityRefs?.[0];
    return ref === undefined ? undefined : idFrom(ref.id, 'role');
  };

  // ------------------------------------------------------------------ users
  const userFields: ListFields<User> = {
    id: { read: (u) => `urn:vcloud:user:${u.id}`, type: 'ref' },
    username: { read: (u) => u.name },
    name: { read: (u) => u.name },
    fullName: { read: (u) => u.full_name },
    email: { read: (u) => u.email },
    enabled: { read: (u) => u.is_enabled === 1, type: 'boolean' },
    'roleEntityRefs.id': { read: (u) => u.role_id, type: 'ref' },
    providerType: { read: () => 'LOCAL' },
  };
  app.get(`${api}/users`, listRoute(UserPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'user.view', tenant.id);
    const page = await listPage(request, reply, await store.listUsers(tenant.id), userFields, userJson, 'Users');
    return sendCloudapiJson(request, reply, 200, page);
  });

  app.get(`${api}/users/:id`, byIdRoute(UserEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, await userJson(await loadUser(request, principal)));
  });

  app.post(`${api}/users`, createRoute(UserBody, UserEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'user.manage', tenant.id);
    const body = request.body;
    const roleId = roleIdFrom(body);
    if (!roleId) throw badRequest('roleEntityRefs is required');
    const user = await identityAdmin.createUser(
      principal,
      {
        orgId: tenant.id,
        name: body.username ?? '',
        password: body.password ?? '',
        roleId,
        fullName: body.fullName ?? undefined,
        email: body.email ?? undefined,
        enabled: body.enabled,
        deployedVmQuota: body.deployedVmQuota ?? undefined,
        storedVmQuota: body.storedVmQuota ?? undefined,
      },
      request.ip,
    );
    return sendCloudapiJson(request, reply, 201, await userJson(user));
  });

  const userUpdate = {
    schema: { params: IdParams, querystring: UserUpdateQuery, body: UserBody, response: { 200: UserEntity, ...CLOUDAPI_BODY_ERRORS } },
  };
  app.put(`${api}/users/:id`, userUpdate, async (request, reply) => {
    const principal = requirePrincipal(request);
    const user = await loadUser(request, principal);
    const body = request.body;
    requireKnownFields(body, USER_FIELDS);
    const password = body.password ?? undefined;
    const patch: UserPatch = {
      fullName: body.fullName ?? undefined,
      email: body.email ?? undefined,
      enabled: body.enabled,
      roleId: roleIdFrom(body),
      password,
      deployedVmQuota: body.deployedVmQuota ?? undefined,
      storedVmQuota: body.storedVmQuota ?? undefined,
    };
    // govcd PUTs the whole entity back: values equal to the stored ones are not changes (and need no right
    // beyond what the real changes need, so a password change with the rest echoed is still "own password").
    if (patch.fullName === user.full_name) patch.fullName = undefined;
    if (patch.email === user.email) patch.email = undefined;
    if (patch.enabled === (user.is_enabled === 1)) patch.enabled = undefined;
    if (patch.roleId === user.role_id) patch.roleId = undefined;
    if (patch.deployedVmQuota === user.deployed_vm_quota) patch.deployedVmQuota = undefined;
    if (patch.storedVmQuota === user.stored_vm_quota) patch.storedVmQuota = undefined;
    const self = user.id === principal.userId;
    if (self && password !== undefined && can(principal, 'password.changeOwn')) {
      await requireCurrentPassword(services, request, principal, user, body.currentPassword);
    }
    const revokeApiTokens = body.revokeApiTokens === true || request.query.revokeApiTokens === 'true';
    // `locked: false` while a lockout is in force is VCD's unlock through this entity (an administrator "can
    // unlock a locked user account by setting this flag to false"); `true` is no change, as in the XML API.
    const unlock = body.locked === false && lockedUntil(user, Date.now()) !== null;
    let updated = user;
    if (!unlock || Object.values(patch).some((v) => v !== undefined)) {
      updated = await identityAdmin.updateUser(principal, user, patch, { revokeTokensOnPasswordChange: revokeApiTokens }, request.ip);
    }
    if (unlock) updated = await identityAdmin.unlockUser(principal, updated, request.ip);
    return sendCloudapiJson(request, reply, 200, await userJson(updated));
  });

  app.delete(`${api}/users/:id`, deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    const user = await loadUser(request, principal);
    await identityAdmin.deleteUser(principal, user, request.ip);
    return reply.code(204).send();
  });

  // ------------------------------------------------------------------ groups
  const groupJson = async (g: Group) => {
    const [members, role, org] = await Promise.all([
      store.groupMembers(g.id),
      g.role_id ? store.getRole(g.role_id) : Promise.resolve(undefined),
      store.getOrg(g.org_id),
    ]);
    return {
      id: `urn:vcloud:group:${g.id}`,
      name: g.name,
      description: g.description,
      providerType: 'LOCAL',
      userEntityRefs: members.map((id) => ({ id: `urn:vcloud:user:${id}` })),
      roleEntityRefs: role ? [{ name: role.name, id: `urn:vcloud:role:${role.id}` }] : [],
      orgEntityRef: org ? { name: org.name, id: `urn:vcloud:org:${org.id}` } : null,
    };
  };
  const loadGroup = async (request: FastifyRequest & { params: { id: string } }, principal: Principal) => {
    const g = await store.getGroup(idFrom(request.params.id, 'group'));
    if (!g || !can(principal, 'group.view', { orgId: g.org_id })) throw forbidden();
    return g;
  };
  const groupInput = (body: Static<typeof GroupBody>) => ({
    name: body.name ?? undefined,
    description: body.description ?? undefined,
    roleId: roleIdFrom(body),
  });
  const groupFields: ListFields<Group> = {
    id: { read: (g) => `urn:vcloud:group:${g.id}`, type: 'ref' },
    name: { read: (g) => g.name },
    description: { read: (g) => g.description },
    providerType: { read: () => 'LOCAL' },
  };

  app.get(`${api}/groups`, listRoute(GroupPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'group.view', tenant.id);
    const page = await listPage(request, reply, await store.listGroups(tenant.id), groupFields, groupJson, 'Groups');
    return sendCloudapiJson(request, reply, 200, page);
  });
  app.get(`${api}/groups/:id`, byIdRoute(GroupEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, await groupJson(await loadGroup(request, principal)));
  });
  app.post(`${api}/groups`, createRoute(GroupBody, GroupEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'group.manage', tenant.id);
    // A group has exactly one role, as a user has (VCD's Group always carries its Role). Until 2026-12-06 a POST
    // without roleEntityRefs made a group with none, and Terraform's `data "vcd_org_group"` read its role's name
    // without a nil check and crashed the provider.
    if (!roleIdFrom(request.body)) throw badRequest('roleEntityRefs is required: a group has exactly one role');
    const group = await identityAdmin.createGroup(principal, tenant.id, groupInput(request.body), request.ip);
    return sendCloudapiJson(request, reply, 201, await groupJson(group));
  });
  app.put(`${api}/groups/:id`, withBody(GroupBody, GroupEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const group = await loadGroup(request, principal);
    const updated = await identityAdmin.updateGroup(principal, group, groupInput(request.body), request.ip);
    return sendCloudapiJson(request, reply, 200, await groupJson(updated));
  });
  app.delete(`${api}/groups/:id`, deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    const group = await loadGroup(request, principal);
    await identityAdmin.deleteGroup(principal, group, request.ip);
    return reply.code(204).send();
  });

  // ------------------------------------------------------------------ roles
  const roleJson = (r: Role) => ({
    id: `urn:vcloud:role:${r.id}`,
    name: r.name,
    description: r.description,
    bundleKey: `ROLE_${r.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    readOnly: r.read_only === 1,
  });
  const roleFields: ListFields<Role> = {
    id: { read: (r) => `urn:vcloud:role:${r.id}`, type: 'ref' },
    name: { read: (r) => r.name },
    description: { read: (r) => r.description },
    readOnly: { read: (r) => r.read_only === 1, type: 'boolean' },
  };
  const loadRole = async (request: FastifyRequest & { params: { id: string } }, principal: Principal) => {
    const role = await store.getRole(idFrom(request.params.id, 'role'));
    if (!role || !can(principal, 'role.view', { orgId: role.org_id })) throw forbidden();
    return role;
  };
  /** Right references by name or id; each must be a known right. Checked one by one, never echoed whole. */
  /** The rights a body lists (`rights`, or `values` as in the page govcd sends back), by name or by id. */
  const rightsFromBody = (body: Static<typeof RoleBody>): string[] | undefined => {
    const refs = body.rights ?? body.values;
    if (refs === undefined) return undefined;
    if (refs.length > RIGHT_CATALOGUE.length * 4) throw badRequest('rights lists more references than there are rights');
    return refs.map((r, index) => {
      const byName = r.name;
      const byId = r.id !== undefined ? RIGHT_CATALOGUE.find((c) => `urn:vcloud:right:${rightId(c.name)}` === r.id)?.name : undefined;
      const name = byName ?? byId;
      if (!name || !isKnownRight(name)) {
        const shown = byName ?? r.id ?? null;
        throw badRequest(`rights[${index}] is not a known right reference${shown ? `: ${shown.slice(0, 200)}` : ' ({name} or {id})'}`);
      }
      return name;
    });
  };
  /** Filters and sorts of every `{name, id}` list (rights of a role or bundle, tenants). */
  const nameIdFields: ListFields<{ name: string; id: string }> = {
    id: { read: (r) => r.id, type: 'ref' },
    name: { read: (r) => r.name },
  };

  app.get(`${api}/roles`, listRoute(RolePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'role.view', tenant.id);
    return sendCloudapiJson(
      request,
      reply,
      200,
      await listPage(request, reply, await store.listRoles(tenant.id), roleFields, roleJson, 'Roles'),
    );
  });
  app.get(`${api}/roles/:id`, byIdRoute(RoleEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, roleJson(await loadRole(request, principal)));
  });
  app.get(`${api}/roles/:id/rights`, listByIdRoute(RightReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    const rights = (await store.roleRights(role.id)).map(rightRef);
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, rights, nameIdFields, (r) => r, 'Rights'));
  });
  app.post(`${api}/roles`, createRoute(RoleBody, RoleEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'role.manage', tenant.id);
    const body = request.body;
    const role = await identityAdmin.createRole(
      principal,
      tenant.id,
      {
        name: body.name ?? undefined,
        description: body.description ?? undefined,
        rights: rightsFromBody(body) ?? [],
      },
      request.ip,
    );
    return sendCloudapiJson(request, reply, 201, roleJson(role));
  });
  app.put(`${api}/roles/:id`, withBody(RoleBody, RoleEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    const body = request.body;
    requireKnownFields(body, ['id', 'name', 'description', 'bundleKey', 'readOnly']);
    const updated = await identityAdmin.updateRole(
      principal,
      role,
      { name: body.name ?? undefined, description: body.description ?? undefined },
      request.ip,
    );
    return sendCloudapiJson(request, reply, 200, roleJson(updated));
  });
  app.put(`${api}/roles/:id/rights`, withBody(RoleBody, RightReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    const rights = rightsFromBody(request.body);
    if (rights === undefined) throw badRequest('values (or rights) must list the role\u2019s rights as {name} or {id} references');
    const now = await identityAdmin.setRoleRights(principal, role, rights, request.ip);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(now.map(rightRef), now.length, { page: 1, pageSize: 128 }));
  });
  // VCD's "add rights to a role": the listed rights join the role's (govcd's Role.AddRights, which Terraform's
  // vcd_role runs after creating a role with rights). 201 with the role's rights now, as govcd's OpenApiPostItem wants.
  app.post(`${api}/roles/:id/rights`, postOnEntity(RoleBody, RightReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    const added = rightsFromBody(request.body);
    if (added === undefined) throw badRequest('values (or rights) must list the rights to add as {name} or {id} references');
    const now = await identityAdmin.addRoleRights(principal, role, added, request.ip);
    return sendCloudapiJson(request, reply, 201, pagedEnvelope(now.map(rightRef), now.length, { page: 1, pageSize: 128 }));
  });
  app.delete(`${api}/roles/:id`, deleteByIdRoute, async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    await identityAdmin.deleteRole(principal, role, request.ip);
    return reply.code(204).send();
  });

  // ------------------------------------------------------------------ global roles (predefined, read-only)
  const globalRoles = Object.entries(PREDEFINED_ROLES).map(([name, def]) => ({
    id: `urn:vcloud:globalRole:${rightId(`global-role:${name}`)}`,
    name,
    description: def.description,
    bundleKey: `ROLE_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    readOnly: true,
    publishAll: !def.systemOnly,
  }));
  const globalRoleFields: ListFields<(typeof globalRoles)[number]> = {
    id: { read: (r) => r.id, type: 'ref' },
    name: { read: (r) => r.name },
    description: { read: (r) => r.description },
    readOnly: { read: (r) => r.readOnly, type: 'boolean' },
  };
  // A tenant sees the global roles published to it, not the System Administrator's (published to no tenant): until
  // 2026-12-06 its rights listed to an org administrator the provider-only rights that /rights hides.
  const visibleGlobalRoles = (principal: Principal) => (hasProviderView(principal) ? globalRoles : globalRoles.filter((r) => r.publishAll));
  app.get(`${api}/globalRoles`, listRoute(GlobalRolePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    requireCan(principal, 'globalRole.view', principal.orgId);
    return sendCloudapiJson(
      request,
      reply,
      200,
      await listPage(request, reply, visibleGlobalRoles(principal), globalRoleFields, (r) => r, 'GlobalRoles'),
    );
  });
  const loadGlobalRole = (request: FastifyRequest & { params: { id: string } }, principal: Principal) => {
    requireCan(principal, 'globalRole.view', principal.orgId);
    const found = visibleGlobalRoles(principal).find((r) => r.id === `urn:vcloud:globalRole:${idFrom(request.params.id, 'globalRole')}`);
    if (!found) throw forbidden();
    return found;
  };
  app.get(`${api}/globalRoles/:id`, byIdRoute(GlobalRoleEntity), async (request, reply) => {
    return sendCloudapiJson(request, reply, 200, loadGlobalRole(request, requirePrincipal(request)));
  });
  // A global role's rights (govcd's GlobalRole.GetRights: Terraform's vcd_global_role reads them).
  app.get(`${api}/globalRoles/:id/rights`, listByIdRoute(RightReferencePage), async (request, reply) => {
    const role = loadGlobalRole(request, requirePrincipal(request));
    const rights = [...PREDEFINED_ROLES[role.name as keyof typeof PREDEFINED_ROLES].rights].sort().map(rightRef);
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, rights, nameIdFields, (r) => r, 'Rights'));
  });
  // The orgs it is published to (GlobalRole.GetTenants): every tenant org, where Tessera copies it (the System
  // Administrator's, none).
  app.get(`${api}/globalRoles/:id/tenants`, listByIdRoute(TenantReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = loadGlobalRole(request, principal);
    const tenants = role.publishAll ? await tenantsVisibleTo(principal, 'all') : [];
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, tenants, nameIdFields, (t) => t, 'EntityReferences'));
  });
  const globalRoleWrite = async (request: FastifyRequest) => {
    const principal = requirePrincipal(request);
    requireCan(principal, 'globalRole.manage', principal.orgId);
    // Decision: Tessera's global roles are its predefined roles, fixed in code (domain/rights.ts).
    throw new TesseraError('METHOD_NOT_ALLOWED', 'Global roles are predefined in Tessera and cannot be changed');
  };
  // Never a success: the declared answers are the refusals (405 for whoever holds the right, 403 for others).
  const refused = { ...METHOD_NOT_ALLOWED, ...CLOUDAPI_BODY_ERRORS } as const;
  app.post(`${api}/globalRoles`, { schema: { response: refused } }, globalRoleWrite);
  app.put(`${api}/globalRoles/:id`, { schema: { params: IdParams, response: refused } }, globalRoleWrite);
  app.delete(
    `${api}/globalRoles/:id`,
    { schema: { params: IdParams, response: { ...METHOD_NOT_ALLOWED, ...CLOUDAPI_ERRORS } } },
    globalRoleWrite,
  );

  // ------------------------------------------------------------------ rights
  const categoryUrn = (name: string) => `urn:vcloud:rightsCategory:${rightsCategoryId(name)}`;
  const rightJson = (r: (typeof RIGHT_CATALOGUE)[number]) => ({
    id: `urn:vcloud:right:${rightId(r.name)}`,
    name: r.name,
    description: r.label,
    // The category's id, as VCD's Right carries it (Terraform's vcd_right category_id; govcd's GetRightsCategoryById).
    category: categoryUrn(r.category),
    bundleKey: rightBundleKey(r.name),
    rightType: rightType(r.name),
  });
  const catalogueFields: ListFields<(typeof RIGHT_CATALOGUE)[number]> = {
    id: { read: (r) => `urn:vcloud:right:${rightId(r.name)}`, type: 'ref' },
    name: { read: (r) => r.name },
    category: { read: (r) => categoryUrn(r.category), type: 'ref' },
    rightType: { read: (r) => rightType(r.name) },
  };
  // The rights a caller may see: the provider's all of them; a tenant's those a tenant can hold, as `type=right` and
  // the AdminOrg's RightReferences list them (until 2026-12-06 this list alone showed tenants the provider-only
  // rights: 27 rights here, 22 there).
  const visibleRights = (principal: Principal) =>
    hasProviderView(principal) ? RIGHT_CATALOGUE : RIGHT_CATALOGUE.filter((r) => !r.providerOnly);
  app.get(`${api}/rights`, listRoute(RightPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(
      request,
      reply,
      200,
      await listPage(request, reply, visibleRights(principal), catalogueFields, rightJson, 'Rights'),
    );
  });
  app.get(`${api}/rights/:id`, byIdRoute(RightEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const right = visibleRights(principal).find(
      (r) => `urn:vcloud:right:${rightId(r.name)}` === request.params.id || rightId(r.name) === request.params.id,
    );
    if (!right) throw forbidden();
    return sendCloudapiJson(request, reply, 200, rightJson(right));
  });

  // ------------------------------------------------------------------ rights bundles
  const bundleVisible = (principal: Principal, bundle: { published_to: string }) =>
    hasProviderView(principal) || bundleReaches(bundle, principal.orgId);
  /**
   * The tenant orgs something published to `published` (`'all'` or org ids) reaches, as `{name, id}`: every one for
   * the provider, and for a tenant only its own org (the names of the other orgs it is published to are not its to
   * see).
   */
  const tenantsVisibleTo = async (principal: Principal, published: 'all' | readonly string[]) => {
    const orgs = (await store.listOrgs()).filter((o) => o.id !== SYSTEM_ORG_ID && (published === 'all' || published.includes(o.id)));
    return orgs
      .filter((o) => hasProviderView(principal) || o.id === principal.orgId)
      .map((o) => ({ name: o.name, id: `urn:vcloud:org:${o.id}` }));
  };
  const loadBundle = async (request: FastifyRequest & { params: { id: string } }, principal: Principal) => {
    const b = await store.getRightsBundle(idFrom(request.params.id, 'rightsBundle'));
    if (!b || !can(principal, 'rightsBundle.view') || !bundleVisible(principal, b)) throw forbidden();
    return b;
  };
  type Bundle = NonNullable<Awaited<ReturnType<typeof store.getRightsBundle>>>;
  const bundleJson = (b: Bundle) => ({
    id: `urn:vcloud:rightsBundle:${b.id}`,
    name: b.name,
    description: b.description,
    bundleKey: `BUNDLE_${b.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    readOnly: b.read_only === 1,
    publishAll: bundlePublishedTo(b) === 'all',
  });
  const bundleFields: ListFields<Bundle> = {
    id: { read: (b) => `urn:vcloud:rightsBundle:${b.id}`, type: 'ref' },
    name: { read: (b) => b.name },
    description: { read: (b) => b.description },
  };
  app.get(`${api}/rightsBundles`, listRoute(RightsBundlePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'rightsBundle.view')) throw forbidden();
    const visible = (await store.listRightsBundles()).filter((b) => bundleVisible(principal, b));
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, visible, bundleFields, bundleJson, 'RightsBundles'));
  });
  app.get(`${api}/rightsBundles/:id`, byIdRoute(RightsBundleEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, bundleJson(await loadBundle(request, principal)));
  });
  app.get(`${api}/rightsBundles/:id/rights`, listByIdRoute(RightReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    const rights = bundleRights(bundle).map(rightRef);
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, rights, nameIdFields, (r) => r, 'Rights'));
  });
  // The orgs a bundle is published to (govcd's RightsBundle.GetTenants: Terraform's vcd_rights_bundle reads them).
  app.get(`${api}/rightsBundles/:id/tenants`, listByIdRoute(TenantReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    const tenants = await tenantsVisibleTo(principal, bundlePublishedTo(bundle));
    return sendCloudapiJson(request, reply, 200, await listPage(request, reply, tenants, nameIdFields, (t) => t, 'EntityReferences'));
  });
  app.put(`${api}/rightsBundles/:id`, withBody(RoleBody, RightsBundleEntity), async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    const body = request.body;
    requireKnownFields(body, ['id', 'name', 'description', 'bundleKey', 'readOnly', 'publishAll']);
    const updated = await identityAdmin.updateRightsBundle(
      principal,
      bundle,
      { name: body.name ?? undefined, description: body.description ?? undefined },
      request.ip,
    );
    return sendCloudapiJson(request, reply, 200, bundleJson(updated));
  });
  app.put(`${api}/rightsBundles/:id/rights`, withBody(RoleBody, RightReferencePage), async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    const rights = rightsFromBody(request.body);
    if (rights === undefined) throw badRequest('values (or rights) must list the bundle\u2019s rights as {name} or {id} references');
    const now = await identityAdmin.setRightsBundleRights(principal, bundle, rights, request.ip);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(now.map(rightRef), now.length, { page: 1, pageSize: 128 }));
  });
};
