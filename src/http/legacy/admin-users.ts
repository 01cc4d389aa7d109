/**
 * VCD's admin API for users, as govcd (AdminOrg.CreateUser/CreateUserSimple, OrgUser.Update/Enable/Disable/
 * Unlock/ChangePassword/ChangeRole/TakeOwnership/Delete) and Terraform's vcd_org_user call it:
 *
 *   POST   /api/admin/org/{id}/users                User in (Role by href from the AdminOrg's RoleReferences),
 *                                                   201 User out with the finished task in `Tasks`
 *   GET    /api/admin/user/{id}                     User
 *   PUT    /api/admin/user/{id}                     User in (the whole document, as govcd sends it back), 200 User
 *   DELETE /api/admin/user/{id}                     204
 *   POST   /api/admin/user/{id}/action/unlock       204
 *   POST   /api/admin/user/{id}/action/takeOwnership   204 (Terraform's delete does this first by default)
 *
 * Every change goes through auth/identity-admin.ts (who may grant and act on what). Org administrators manage
 * their own org's users, the System administrator any org's; API-token sessions manage none (policy).
 * PUT: govcd omits false booleans, so IsEnabled left out means disabled and IsLocked left out means unlocked;
 * values equal to the stored ones are not changes. A password set here ends that user's sessions; one's own
 * password is changed at /cloudapi/1.0.0/users/{id} with the current one, never here.
 */
import { addressBlock } from '../../domain/address-block.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import type { TaskRow, User } from '../../store/store.js';
import type { UserPatch } from '../../auth/identity-admin.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { parseXmlBody, type XmlElement } from './xml-input.js';
import { can, refusal } from '../../domain/policy.js';
import { MAX_SETTING_INT } from '../../domain/org-settings.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { userTree } from '../../inventory/documents/user.js';
import { lockedUntil } from '../../domain/account-lock.js';
import { verifyPassword } from '../../auth/passwords.js';
import {
  AnyQuerystring,
  ApiHeaders,
  BODY_ERRORS,
  COMMON_ERRORS,
  IdParams,
  NO_CONTENT,
  TAG,
  authenticated,
  documentResponse,
  readByIdSchema,
  xmlBody,
} from './contract.js';

const write = { tags: [TAG.admin], security: authenticated(), headers: ApiHeaders, querystring: AnyQuerystring, params: IdParams };
const createUserSchema = {
  ...write,
  summary: 'Create a user in an org (org administrator of that org, or System administrator)',
  body: xmlBody(MEDIA.user, 'User'),
  response: { 201: documentResponse(MEDIA.user, 'The new User, its finished task in Tasks'), ...BODY_ERRORS },
};
const readUserSchema = readByIdSchema(IdParams, { summary: 'One user', tag: TAG.admin, media: MEDIA.user, description: 'User' });
const updateUserSchema = {
  ...write,
  summary: 'Replace a user (the whole document, as govcd sends it back)',
  body: xmlBody(MEDIA.user, 'User'),
  response: { 200: documentResponse(MEDIA.user, 'The User, its finished task in Tasks'), ...BODY_ERRORS },
};
const userActionSchema = (summary: string) => ({ ...write, summary, response: { ...NO_CONTENT, ...COMMON_ERRORS } });

const PASSWORD_MAX = 256;

interface UserDocument {
  name: string | undefined;
  fullName: string;
  email: string;
  telephone: string;
  im: string;
  description: string;
  enabled: boolean;
  locked: boolean;
  deployedVmQuota: number | undefined;
  storedVmQuota: number | undefined;
  roleId: string | undefined;
  password: string | undefined;
}

/**
 * The role a `Role` element names: its href (`.../api/admin/role/<uuid>`, what govcd and pyvcloud send, from the
 * AdminOrg's RoleReferences) and/or its id (`urn:vcloud:role:<uuid>`; a User read back carries both, identical).
 * Each one given must parse and, with both, they must name the same role. Until 2026-12-07 the href won a
 * contradiction and an href that did not parse fell back to the id without a word, so the role granted could
 * differ from the one a reviewer, proxy or log read in the body. This is the only reference (href + id) the XML
 * API reads from a request body: the others (GroupReferences, RightReferences, VdcReference ...) are output only.
 */
function roleIdOf(doc: XmlElement): string | undefined {
  const role = doc.child('Role');
  if (!role) return undefined;
  // An empty attribute names nothing (Go's encoding/xml writes one for an empty field without omitempty).
  const href = role.attr('href') || undefined;
  const idAttr = role.attr('id') || undefined;
  if (href === undefined && idAttr === undefined)
    throw badRequest('Role must reference a role of the organization by href (from the AdminOrg RoleReferences)');
  const segment = href === undefined ? undefined : /\/api\/admin\/role\/([^/?#]+)\/?$/.exec(href)?.[1];
  const fromHref = segment === undefined ? undefined : idFromPathSegment(segment, 'role');
  if (href !== undefined && !fromHref)
    throw badRequest('Role href must be the href of a role (.../api/admin/role/{id}, from the AdminOrg RoleReferences)');
  const fromId = idAttr === undefined ? undefined : idFromPathSegment(idAttr, 'role');
  if (idAttr !== undefined && !fromId) throw badRequest('Role id must be the id of a role (urn:vcloud:role:{uuid})');
  if (fromHref && fromId && fromHref !== fromId)
    throw badRequest('Role href and id name different roles: give one, or the same role in both');
  return (fromHref ?? fromId)!;
}

export function userDocumentFrom(doc: XmlElement): UserDocument {
  const providerType = doc.childText('ProviderType');
  if (providerType !== undefined && providerType !== '' && providerType !== 'INTEGRATED') {
    throw badRequest(`ProviderType ${providerType.slice(0, 40)} is not supported: Tessera's users are local (INTEGRATED)`);
  }
  if (doc.childBool('IsExternal')) throw badRequest('External users (LDAP, SAML, OIDC) are not supported');
  const password = doc.childRawText('Password', PASSWORD_MAX);
  return {
    name: doc.attr('name'),
    fullName: doc.childRawText('FullName') ?? '',
    email: doc.childText('EmailAddress') ?? '',
    telephone: doc.childText('Telephone') ?? '',
    im: doc.childText('IM') ?? '',
    description: doc.childRawText('Description') ?? '',
    enabled: doc.childBool('IsEnabled') ?? false,
    locked: doc.childBool('IsLocked') ?? false,
    deployedVmQuota: doc.childInt('DeployedVmQuota', 0, MAX_SETTING_INT),
    storedVmQuota: doc.childInt('StoredVmQuota', 0, MAX_SETTING_INT),
    roleId: roleIdOf(doc),
    password: password === '' ? undefined : password,
  };
}

export const legacyAdminUserRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = () => app.tessera;
  const store = () => app.tessera.store;

  /** A user the caller may at least see; unknown ids, and other orgs' users, are the same 403. */
  const loadUser = async (principal: Principal, segment: string): Promise<User> => {
    const id = idFromPathSegment(segment, 'user');
    const user = id ? await store().getUser(id) : undefined;
    if (!user) throw forbidden();
    if (user.id !== principal.userId && !can(principal, 'user.view', { orgId: user.org_id })) throw forbidden();
    return user;
  };

  const sendUser = async (request: FastifyRequest, reply: FastifyReply, user: User, tasks: TaskRow[] = []) => {
    const [role, groups] = await Promise.all([store().getRole(user.role_id), store().groupsOfUser(user.id)]);
    return sendDocument(request, reply, MEDIA.user, userTree(baseUrl(request), user, { role, groups, tasks }));
  };

  /** The task of a user operation; the org's name is kept on the task row (the task list shows it). */
  const userTask = async (operationName: string, verb: string, principal: Principal, orgId: string) => {
    const orgName = (await store().getOrg(orgId))?.name ?? '';
    return {
      operationName,
      operation: (u: User) => `${verb} User ${u.name}(${u.id})`,
      org: (u: User) => ({ id: u.org_id, name: orgName }),
      owner: (u: User) => ({ kind: 'user' as const, id: u.id, name: u.name }),
      actor: principal,
    };
  };

  app.post('/api/admin/org/:id/users', { schema: createUserSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const orgId = idFromPathSegment(request.params.id, 'org');
    const org = orgId ? await store().getOrg(orgId) : undefined;
    if (!org) throw forbidden();
    if (!can(principal, 'user.manage', { orgId: org.id })) throw refusal(principal, 'user.manage');
    const doc = userDocumentFrom(parseXmlBody(request.body, 'User'));
    if (!doc.name) throw badRequest('The user needs a name');
    if (doc.password === undefined) throw badRequest('Password is required (Tessera users are local)');
    if (!doc.roleId) throw badRequest('Role is required: a RoleReference of the organization');
    const { name, password, roleId } = doc;
    const spec = await userTask('userCreateUser', 'Created', principal, org.id);
    const { result: user, task } = await services().tasks.run(spec, () =>
      services().identityAdmin.createUser(
        principal,
        {
          orgId: org.id,
          name,
          password,
          roleId,
          fullName: doc.fullName,
          email: doc.email,
          telephone: doc.telephone,
          im: doc.im,
          description: doc.description,
          enabled: doc.enabled,
          deployedVmQuota: doc.deployedVmQuota ?? 0,
          storedVmQuota: doc.storedVmQuota ?? 0,
        },
        request.ip,
      ),
    );
    reply.code(201);
    return sendUser(request, reply, user, [task]);
  });

  app.get('/api/admin/user/:id', { schema: readUserSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    return sendUser(request, reply, await loadUser(principal, request.params.id));
  });

  app.put('/api/admin/user/:id', { schema: updateUserSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const user = await loadUser(principal, request.params.id);
    // Authorized before the body is read: even an empty change is authorized as one (the caller must be allowed to
    // manage this user), and a session that may not (a token session: govcd's OrgUser.ChangePassword) gets its 403,
    // not a 400 about the body it should not have sent.
    if (!can(principal, 'user.manage', { orgId: user.org_id })) throw refusal(principal, 'user.manage');
    const doc = userDocumentFrom(parseXmlBody(request.body, 'User'));
    if (doc.name !== undefined && doc.name !== user.name) throw badRequest('A user cannot be renamed');
    // govcd's UpdateSimple (Terraform's vcd_org_user) sends the configured password in every PUT: the password the
    // user has already is an echo, like the other fields, and no change (until 2026-12-05 any PUT of the user, a
    // description's, ended their sessions and was audited as a password change). Checked once, here. On one's own
    // account the check answers whether a guess is the password, so it is one: counted towards the org's lockout and
    // the failure budgets (429 once they refuse) and audited when wrong, as the cloudapi's currentPassword is
    // (UserService.checkCurrentPassword; a bare comparison here was an unbraked oracle on 2026-12-06).
    const self = user.id === principal.userId;
    const passwordChanges =
      doc.password !== undefined &&
      !(self
        ? await services().users.checkCurrentPassword(principal, user, doc.password, request.ip)
        : await verifyPassword(user.password_hash, doc.password, addressBlock(request.ip)));
    if (passwordChanges && self) {
      throw badRequest(
        'Your own password needs your current one: change it in the portal (User preferences > Password) or at PUT /cloudapi/1.0.0/users/{id} with currentPassword',
      );
    }
    // govcd sends the whole document back: only what differs from the stored user is a change.
    const patch: UserPatch = {};
    if (doc.fullName !== user.full_name) patch.fullName = doc.fullName;
    if (doc.email !== user.email) patch.email = doc.email;
    if (doc.telephone !== user.telephone) patch.telephone = doc.telephone;
    if (doc.im !== user.im) patch.im = doc.im;
    if (doc.description !== user.description) patch.description = doc.description;
    if (doc.enabled !== (user.is_enabled === 1)) patch.enabled = doc.enabled;
    if (doc.roleId !== undefined && doc.roleId !== user.role_id) patch.roleId = doc.roleId;
    if (doc.deployedVmQuota !== undefined && doc.deployedVmQuota !== user.deployed_vm_quota) patch.deployedVmQuota = doc.deployedVmQuota;
    if (doc.storedVmQuota !== undefined && doc.storedVmQuota !== user.stored_vm_quota) patch.storedVmQuota = doc.storedVmQuota;
    if (passwordChanges) patch.password = doc.password;
    // IsLocked false while a lockout is in force is Terraform's unlock (vcd_org_user `is_locked = false`; govcd's
    // UpdateSimple sends it); IsLocked true is no change: only failed sign-ins lock.
    const unlock = !doc.locked && lockedUntil(user, Date.now()) !== null;
    const spec = await userTask('userUpdateUser', 'Updated', principal, user.org_id);
    const { result, task } = await services().tasks.run(
      spec,
      async () => {
        let updated = user;
        if (Object.keys(patch).length > 0) updated = await services().identityAdmin.updateUser(principal, user, patch, {}, request.ip);
        if (unlock) updated = await services().identityAdmin.unlockUser(principal, updated, request.ip);
        return updated;
      },
      user,
    );
    return sendUser(request, reply, result, [task]);
  });

  app.delete('/api/admin/user/:id', { schema: userActionSchema('Delete a user') }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const user = await loadUser(principal, request.params.id);
    const spec = await userTask('userDeleteUser', 'Deleted', principal, user.org_id);
    await services().tasks.run(
      spec,
      async () => {
        await services().identityAdmin.deleteUser(principal, user, request.ip);
        return user;
      },
      user,
    );
    return reply.code(204).send(null);
  });

  app.post(
    '/api/admin/user/:id/action/unlock',
    { schema: userActionSchema('Unlock a user locked out by failed sign-ins') },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const user = await loadUser(principal, request.params.id);
      await services().identityAdmin.unlockUser(principal, user, request.ip);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/admin/user/:id/action/takeOwnership',
    { schema: userActionSchema("Take ownership of a user's objects (Terraform does this before a delete)") },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const user = await loadUser(principal, request.params.id);
      await services().identityAdmin.takeOwnership(principal, user, request.ip);
      return reply.code(204).send(null);
    },
  );
};
