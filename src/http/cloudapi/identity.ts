/**
 * Users, groups, roles, global roles, rights and rights bundles on the cloudapi: enough to manage an org's
 * people from a password session, and for the restrictions on token sessions to be observable (they read,
 * they never write: vcd-wire §10). The tenant is the caller's org, or for a provider the org named by
 * `X-VMWARE-VCLOUD-TENANT-CONTEXT` (a bare UUID as govcd sends it, or a URN).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import type { Group, Role, User } from '../../store/store.js';
import { requirePrincipal, sendCloudapiJson, type Services } from '../context.js';
import { badRequest, forbidden, tooManyRequests, TesseraError } from '../errors.js';
import { verifyPassword } from '../../auth/passwords.js';
import { can, hasProviderView, type Action } from '../../domain/policy.js';
import { RIGHT_CATALOGUE, isKnownRight, PREDEFINED_ROLES } from '../../domain/rights.js';
import { pagedEnvelope, parsePageRequest, setPagingLinks, type PageRequest } from './paging.js';
import { randomUUID } from 'node:crypto';

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Stable ids for catalogue rights (name-based, so every node and every restart agrees). */
export function rightId(name: string): string {
  const h = createHash('sha1').update(`tessera-right:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
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

function paginate<T>(all: T[], page: PageRequest): T[] {
  return all.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
}

function requireCan(principal: Principal, action: Action, orgId: string) {
  if (!can(principal, action, { orgId })) throw forbidden();
}

const bool = (v: unknown, field: string): boolean | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${field} must be true or false`);
  return v;
};
const int = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badRequest(`${field} must be a whole number >= 0`);
  return v;
};
const str = (v: unknown, field: string, max = 256): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw badRequest(`${field} must be a string of at most ${max} characters`);
  return v;
};

/**
 * Changing one's own password needs the current one (ASVS 7.5.1: re-authenticate before changing how you sign
 * in), so a stolen session alone cannot take the account over. Wrong guesses count against the sign-in limit.
 */
async function requireCurrentPassword(services: Services, request: FastifyRequest, user: User, current: unknown): Promise<void> {
  if (typeof current !== 'string' || current === '') throw badRequest('currentPassword is required to change your own password');
  const retryAfter = services.limits.signIn.hit(`${request.ip}|password-change|${user.id}`);
  if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many attempts; retry later');
  if (!(await verifyPassword(user.password_hash, current))) throw badRequest('The current password is wrong');
}

export const cloudapiIdentityRoutes: FastifyPluginAsync = async (app) => {
  const services = app.tessera;
  const { store } = services;
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
      locked: false,
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
  const loadUser = async (request: FastifyRequest<{ Params: { id: string } }>, principal: Principal) => {
    const user = await store.getUser(idFrom(request.params.id, 'user'));
    const self = user?.id === principal.userId;
    if (!user || (!self && !can(principal, 'user.view', { orgId: user.org_id }))) throw forbidden();
    return user;
  };

  const roleIdFrom = (body: Record<string, unknown>): string | undefined => {
    const refs = body.roleEntityRefs;
    if (refs === undefined) return undefined;
    if (!Array.isArray(refs) || refs.length !== 1 || typeof refs[0]?.id !== 'string') {
      throw badRequest('roleEntityRefs must hold exactly one role reference {id}');
    }
    return idFrom(refs[0].id, 'role');
  };

  // ------------------------------------------------------------------ users
  app.get<{ Querystring: Record<string, string> }>(`${api}/users`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'user.view', tenant.id);
    const page = parsePageRequest(request.query);
    const all = await store.listUsers(tenant.id);
    const values = await Promise.all(paginate(all, page).map(userJson));
    setPagingLinks(request, reply, all.length, page, 'Users');
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(values, all.length, page));
  });

  app.get<{ Params: { id: string } }>(`${api}/users/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, await userJson(await loadUser(request, principal)));
  });

  app.post<{ Body: Record<string, unknown> }>(`${api}/users`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'user.manage', tenant.id);
    const body = request.body ?? {};
    const roleId = roleIdFrom(body);
    if (!roleId) throw badRequest('roleEntityRefs is required');
    const user = await services.users.create(
      {
        orgId: tenant.id,
        name: str(body.username, 'username', 128) ?? '',
        password: str(body.password, 'password') ?? '',
        roleId,
        fullName: str(body.fullName, 'fullName'),
        email: str(body.email, 'email'),
        enabled: bool(body.enabled, 'enabled'),
        deployedVmQuota: int(body.deployedVmQuota, 'deployedVmQuota'),
        storedVmQuota: int(body.storedVmQuota, 'storedVmQuota'),
      },
      principal,
      request.ip,
    );
    return sendCloudapiJson(request, reply, 201, await userJson(user));
  });

  app.put<{ Params: { id: string }; Body: Record<string, unknown>; Querystring: { revokeApiTokens?: string } }>(
    `${api}/users/:id`,
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const user = await loadUser(request, principal);
      const body = request.body ?? {};
      const password = str(body.password, 'password');
      const self = user.id === principal.userId;
      const onlyOwnPassword =
        self && Object.keys(body).every((k) => ['password', 'currentPassword', 'id', 'username', 'revokeApiTokens'].includes(k));
      // Changing one's own password needs no user-management right, but never from a token session.
      const allowed =
        onlyOwnPassword && password !== undefined
          ? can(principal, 'password.changeOwn')
          : can(principal, 'user.manage', { orgId: user.org_id });
      if (!allowed) throw forbidden();
      if (self && body.enabled === false) throw badRequest('You cannot disable your own account');
      if (self && password !== undefined) await requireCurrentPassword(services, request, user, body.currentPassword);
      const revokeApiTokens = body.revokeApiTokens === true || request.query.revokeApiTokens === 'true';
      const updated = await services.users.update(
        user,
        {
          fullName: str(body.fullName, 'fullName'),
          email: str(body.email, 'email'),
          enabled: bool(body.enabled, 'enabled'),
          roleId: roleIdFrom(body),
          password,
          deployedVmQuota: int(body.deployedVmQuota, 'deployedVmQuota'),
          storedVmQuota: int(body.storedVmQuota, 'storedVmQuota'),
        },
        { revokeTokensOnPasswordChange: revokeApiTokens },
        principal,
        request.ip,
      );
      return sendCloudapiJson(request, reply, 200, await userJson(updated));
    },
  );

  app.delete<{ Params: { id: string } }>(`${api}/users/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const user = await loadUser(request, principal);
    requireCan(principal, 'user.manage', user.org_id);
    if (user.id === principal.userId) throw badRequest('You cannot delete your own account');
    await services.users.delete(user, principal, request.ip);
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
  const loadGroup = async (request: FastifyRequest<{ Params: { id: string } }>, principal: Principal) => {
    const g = await store.getGroup(idFrom(request.params.id, 'group'));
    if (!g || !can(principal, 'group.view', { orgId: g.org_id })) throw forbidden();
    return g;
  };
  const groupPatch = async (body: Record<string, unknown>, orgId: string) => {
    const roleId = roleIdFrom(body);
    if (roleId) {
      const role = await store.getRole(roleId);
      if (!role || role.org_id !== orgId) throw badRequest('roleEntityRefs must name a role of this organization');
    }
    return { name: str(body.name, 'name', 128), description: str(body.description, 'description', 1024), role_id: roleId };
  };

  app.get<{ Querystring: Record<string, string> }>(`${api}/groups`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'group.view', tenant.id);
    const page = parsePageRequest(request.query);
    const all = await store.listGroups(tenant.id);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(await Promise.all(paginate(all, page).map(groupJson)), all.length, page));
  });
  app.get<{ Params: { id: string } }>(`${api}/groups/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, await groupJson(await loadGroup(request, principal)));
  });
  app.post<{ Body: Record<string, unknown> }>(`${api}/groups`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'group.manage', tenant.id);
    const patch = await groupPatch(request.body ?? {}, tenant.id);
    if (!patch.name || patch.name.trim() === '') throw badRequest('name is required');
    if ((await store.listGroups(tenant.id)).some((g) => g.name_lower === patch.name!.toLowerCase())) {
      throw new TesseraError('DUPLICATE_NAME', `A group named "${patch.name}" already exists`);
    }
    const group = await store.createGroup({
      id: randomUUID(),
      org_id: tenant.id,
      name: patch.name,
      description: patch.description ?? '',
      role_id: patch.role_id ?? null,
      created_at: Date.now(),
    });
    return sendCloudapiJson(request, reply, 201, await groupJson(group));
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(`${api}/groups/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const group = await loadGroup(request, principal);
    requireCan(principal, 'group.manage', group.org_id);
    const patch = await groupPatch(request.body ?? {}, group.org_id);
    await store.updateGroup(group.id, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    return sendCloudapiJson(request, reply, 200, await groupJson((await store.getGroup(group.id))!));
  });
  app.delete<{ Params: { id: string } }>(`${api}/groups/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const group = await loadGroup(request, principal);
    requireCan(principal, 'group.manage', group.org_id);
    await store.deleteGroup(group.id);
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
  const loadRole = async (request: FastifyRequest<{ Params: { id: string } }>, principal: Principal) => {
    const role = await store.getRole(idFrom(request.params.id, 'role'));
    if (!role || !can(principal, 'role.view', { orgId: role.org_id })) throw forbidden();
    return role;
  };
  const rightsFromBody = (body: Record<string, unknown>): string[] | undefined => {
    const refs = body.rights ?? body.values;
    if (refs === undefined) return undefined;
    if (!Array.isArray(refs)) throw badRequest('rights must be a list of right references {name} or {id}');
    return refs.map((ref) => {
      const byName = typeof ref?.name === 'string' ? ref.name : undefined;
      const byId =
        typeof ref?.id === 'string' ? RIGHT_CATALOGUE.find((r) => `urn:vcloud:right:${rightId(r.name)}` === ref.id)?.name : undefined;
      const name = byName ?? byId;
      if (!name || !isKnownRight(name)) throw badRequest(`Unknown right: ${JSON.stringify(ref).slice(0, 200)}`);
      return name;
    });
  };

  app.get<{ Querystring: Record<string, string> }>(`${api}/roles`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'role.view', tenant.id);
    const page = parsePageRequest(request.query);
    const all = await store.listRoles(tenant.id);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(all, page).map(roleJson), all.length, page));
  });
  app.get<{ Params: { id: string } }>(`${api}/roles/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, roleJson(await loadRole(request, principal)));
  });
  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(`${api}/roles/:id/rights`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    const page = parsePageRequest(request.query);
    const rights = (await store.roleRights(role.id)).map(rightRef);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(rights, page), rights.length, page));
  });
  app.post<{ Body: Record<string, unknown> }>(`${api}/roles`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const tenant = await tenantOf(services, request, principal);
    requireCan(principal, 'role.manage', tenant.id);
    const body = request.body ?? {};
    const name = str(body.name, 'name', 128)?.trim();
    if (!name) throw badRequest('name is required');
    if (await store.getRoleByName(tenant.id, name)) throw new TesseraError('DUPLICATE_NAME', `A role named "${name}" already exists`);
    const role = await store.createRole(
      {
        id: randomUUID(),
        org_id: tenant.id,
        name,
        description: str(body.description, 'description', 1024) ?? '',
        read_only: 0,
        created_at: Date.now(),
      },
      rightsFromBody(body) ?? [],
    );
    return sendCloudapiJson(request, reply, 201, roleJson(role));
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(`${api}/roles/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    requireCan(principal, 'role.manage', role.org_id);
    if (role.read_only === 1) throw badRequest('Predefined roles are read-only; copy the role to change it');
    const body = request.body ?? {};
    await store.updateRole(role.id, { name: str(body.name, 'name', 128), description: str(body.description, 'description', 1024) });
    services.identities.invalidate();
    return sendCloudapiJson(request, reply, 200, roleJson((await store.getRole(role.id))!));
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(`${api}/roles/:id/rights`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    requireCan(principal, 'role.manage', role.org_id);
    if (role.read_only === 1) throw badRequest('Predefined roles are read-only; copy the role to change it');
    const rights = rightsFromBody(request.body ?? {}) ?? [];
    await store.setRoleRights(role.id, rights);
    services.identities.invalidate();
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(rights.map(rightRef), rights.length, { page: 1, pageSize: 128 }));
  });
  app.delete<{ Params: { id: string } }>(`${api}/roles/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const role = await loadRole(request, principal);
    requireCan(principal, 'role.manage', role.org_id);
    if (role.read_only === 1) throw badRequest('Predefined roles cannot be deleted');
    if ((await store.countUsersWithRole(role.id)) > 0) throw badRequest('The role is assigned to users; reassign them first');
    await store.deleteRole(role.id);
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
  app.get<{ Querystring: Record<string, string> }>(`${api}/globalRoles`, async (request, reply) => {
    const principal = requirePrincipal(request);
    requireCan(principal, 'globalRole.view', principal.orgId);
    const page = parsePageRequest(request.query);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(globalRoles, page), globalRoles.length, page));
  });
  const globalRoleWrite = async (request: FastifyRequest) => {
    const principal = requirePrincipal(request);
    requireCan(principal, 'globalRole.manage', principal.orgId);
    // Decision: Tessera's global roles are its predefined roles, fixed in code (domain/rights.ts).
    throw new TesseraError('METHOD_NOT_ALLOWED', 'Global roles are predefined in Tessera and cannot be changed');
  };
  app.post(`${api}/globalRoles`, globalRoleWrite);
  app.put(`${api}/globalRoles/:id`, globalRoleWrite);
  app.delete(`${api}/globalRoles/:id`, globalRoleWrite);

  // ------------------------------------------------------------------ rights
  const rightJson = (r: (typeof RIGHT_CATALOGUE)[number]) => ({
    id: `urn:vcloud:right:${rightId(r.name)}`,
    name: r.name,
    description: r.label,
    category: r.category,
    bundleKey: `RIGHT_${r.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    rightType: r.name.endsWith('View') ? 'VIEW' : 'MODIFY',
  });
  app.get<{ Querystring: Record<string, string> }>(`${api}/rights`, async (request, reply) => {
    requirePrincipal(request);
    const page = parsePageRequest(request.query);
    const all = RIGHT_CATALOGUE.map(rightJson);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(all, page), all.length, page));
  });
  app.get<{ Params: { id: string } }>(`${api}/rights/:id`, async (request, reply) => {
    requirePrincipal(request);
    const right = RIGHT_CATALOGUE.find(
      (r) => `urn:vcloud:right:${rightId(r.name)}` === request.params.id || rightId(r.name) === request.params.id,
    );
    if (!right) throw forbidden();
    return sendCloudapiJson(request, reply, 200, rightJson(right));
  });

  // ------------------------------------------------------------------ rights bundles
  const bundleVisible = (principal: Principal, publishedTo: string) => {
    if (hasProviderView(principal)) return true;
    const published = JSON.parse(publishedTo) as 'all' | string[];
    return published === 'all' || published.includes(principal.orgId);
  };
  const loadBundle = async (request: FastifyRequest<{ Params: { id: string } }>, principal: Principal) => {
    const b = await store.getRightsBundle(idFrom(request.params.id, 'rightsBundle'));
    if (!b || !can(principal, 'rightsBundle.view') || !bundleVisible(principal, b.published_to)) throw forbidden();
    return b;
  };
  const bundleJson = (b: Awaited<ReturnType<typeof store.getRightsBundle>> & {}) => ({
    id: `urn:vcloud:rightsBundle:${b.id}`,
    name: b.name,
    description: b.description,
    bundleKey: `BUNDLE_${b.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
    readOnly: b.read_only === 1,
    publishAll: JSON.parse(b.published_to) === 'all',
  });
  app.get<{ Querystring: Record<string, string> }>(`${api}/rightsBundles`, async (request, reply) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'rightsBundle.view')) throw forbidden();
    const page = parsePageRequest(request.query);
    const all = (await store.listRightsBundles()).filter((b) => bundleVisible(principal, b.published_to)).map(bundleJson);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(all, page), all.length, page));
  });
  app.get<{ Params: { id: string } }>(`${api}/rightsBundles/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendCloudapiJson(request, reply, 200, bundleJson(await loadBundle(request, principal)));
  });
  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(`${api}/rightsBundles/:id/rights`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    const page = parsePageRequest(request.query);
    const rights = (JSON.parse(bundle.rights) as string[]).map(rightRef);
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(paginate(rights, page), rights.length, page));
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(`${api}/rightsBundles/:id`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    if (!can(principal, 'rightsBundle.manage')) throw forbidden();
    const body = request.body ?? {};
    await store.updateRightsBundle(bundle.id, {
      ...(str(body.name, 'name', 128) !== undefined ? { name: str(body.name, 'name', 128)! } : {}),
      ...(str(body.description, 'description', 1024) !== undefined ? { description: str(body.description, 'description', 1024)! } : {}),
    });
    return sendCloudapiJson(request, reply, 200, bundleJson((await store.getRightsBundle(bundle.id))!));
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(`${api}/rightsBundles/:id/rights`, async (request, reply) => {
    const principal = requirePrincipal(request);
    const bundle = await loadBundle(request, principal);
    if (!can(principal, 'rightsBundle.manage')) throw forbidden();
    const rights = rightsFromBody(request.body ?? {}) ?? [];
    await store.updateRightsBundle(bundle.id, { rights: JSON.stringify(rights) });
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(rights.map(rightRef), rights.length, { page: 1, pageSize: 128 }));
  });
};
