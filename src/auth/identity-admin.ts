/**
 * The one place where users, groups, roles and rights bundles change, and so the one place that owns who may
 * grant what. Every surface (cloudapi, portal, the XML admin API) calls these methods; none talks to the store
 * for these writes itself.
 *
 * The rule is VCD's: nobody grants what they lack. A right may go into a role of org X only when
 *   - it is a known right,
 *   - X is the System org, or the right is a tenant right published to X by a rights bundle,
 *   - the granter holds it (effective rights of the acting session).
 * Assigning a role to a user or a group is granting every right of that role, so the same containment applies.
 * Rights bundles and global roles are shared by every org: writable by the System org alone (domain/policy.ts).
 * Every change is audited, with the actor, the org and what changed.
 */
import { randomUUID } from 'node:crypto';
import type { Executor, Store, User, Group, Role, RightsBundle } from '../store/store.js';
import type { UserService, NewUser } from './users.js';
import type { IdentityCache } from './identity-cache.js';
import type { AuditLog, AuditEventType } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { assertSessionStands } from './session-stands.js';
import { TesseraError, badRequest, forbidden, stillThere } from '../domain/errors.js';
import { can, effectiveRights, type Action, refusal } from '../domain/policy.js';
import { RIGHT_CATALOGUE, SYSTEM_ORG_ID, isKnownRight, isProviderOnlyRight } from '../domain/rights.js';
import { bundleReaches, bundleRights } from '../domain/rights-bundle.js';
import { displayNameProblem, duplicateNameMessage, lookalikeOf } from '../domain/user-name.js';

export const MAX_NAME_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 1024;

/** What a user update may change: UserService's own patch, so the two can never drift apart. */
export type UserPatch = Parameters<UserService['update']>[1];

export interface GroupInput {
  name?: string;
  description?: string;
  roleId?: string | null;
}

export interface RoleInput {
  name?: string;
  description?: string;
}

export class IdentityAdmin {
  private readonly store: Store;
  private readonly users: UserService;
  private readonly identities: IdentityCache;
  private readonly audit: AuditLog;

  constructor(deps: { store: Store; users: UserService; identities: IdentityCache; audit: AuditLog }) {
    this.store = deps.store;
    this.users = deps.users;
    this.identities = deps.identities;
    this.audit = deps.audit;
  }

  // ------------------------------------------------------------------ the grant rules

  /** Rights published to an org: every right for the System org, else the union of bundles published to it. */
  async publishedRights(orgId: string): Promise<ReadonlySet<string>> {
    if (orgId === SYSTEM_ORG_ID) return new Set(RIGHT_CATALOGUE.map((r) => r.name));
    const out = new Set<string>();
    for (const bundle of await this.store.listRightsBundles()) {
      if (!bundleReaches(bundle, orgId)) continue;
      for (const right of bundleRights(bundle)) {
        if (!isProviderOnlyRight(right)) out.add(right);
      }
    }
    return out;
  }

  /**
   * Refuses (403, naming the rights) when `actor` may not put `rights` into a role of `orgId`: each must be
   * held by the actor, a tenant right when the org is a tenant, and, for a tenant acting, published to its org.
   */
  async assertMayGrant(actor: Principal, orgId: string, rights: Iterable<string>): Promise<void> {
    refuseUngrantable(actor, orgId, rights, actor.isSystemOrg ? null : await this.publishedRights(orgId));
  }

  /**
   * Giving someone a role grants its rights, and acting on a role's holders (password, status, the role's
   * rights) acts with them: the actor must hold every right the role carries in its org. Provider-only rights
   * in a tenant role carry nothing (domain/policy.ts) and are not counted.
   */
  private async assertHoldsRole(actor: Principal, role: Role): Promise<void> {
    refuseUnheld(actor, role, await this.store.roleRights(role.id));
  }

  /**
   * A credential that acts with `role` (a service account) may be made or authorized only by someone holding
   * every right of that role: the same containment as giving the role to a user.
   */
  async assertMayAssignRole(actor: Principal, role: Role): Promise<void> {
    await this.assertHoldsRole(actor, role);
  }

  private async roleOfOrg(roleId: string, orgId: string): Promise<Role> {
    const role = await this.store.getRole(roleId);
    if (!role || role.org_id !== orgId) throw badRequest('roleEntityRefs must name a role of this organization');
    return role;
  }

  private requireCan(actor: Principal, action: Action, orgId: string): void {
    if (!can(actor, action, { orgId })) throw refusal(actor, action);
  }

  // ------------------------------------------------------------------ users

  async createUser(actor: Principal, input: NewUser, ip: string | null): Promise<User> {
    this.requireCan(actor, 'user.manage', input.orgId);
    await this.assertHoldsRole(actor, await this.roleOfOrg(input.roleId, input.orgId));
    return this.users.create(input, actor, ip);
  }

  async updateUser(
    actor: Principal,
    user: User,
    patch: UserPatch,
    options: { revokeTokensOnPasswordChange?: boolean },
    ip: string | null,
  ): Promise<User> {
    const self = user.id === actor.userId;
    const onlyOwnPassword = self && Object.entries(patch).every(([k, v]) => k === 'password' || v === undefined);
    const action = onlyOwnPassword && patch.password !== undefined ? 'password.changeOwn' : 'user.manage';
    if (!can(actor, action, { orgId: user.org_id })) throw refusal(actor, action);
    if (self && patch.enabled === false) throw badRequest('You cannot disable your own account');
    if (patch.roleId !== undefined && patch.roleId !== user.role_id) {
      await this.assertHoldsRole(actor, await this.roleOfOrg(patch.roleId, user.org_id));
    }
    // A user may hold rights the actor lacks (an org admin's role edited by a lesser user manager): changing
    // that user's password or status would let the actor take those rights over.
    if (!self) await this.assertHoldsRole(actor, (await this.store.getRole(user.role_id))!);
    return this.users.update(user, patch, options, actor, ip);
  }

  /** VCD's unlock: the same authority as changing the user's status. */
  async unlockUser(actor: Principal, user: User, ip: string | null): Promise<User> {
    this.requireCan(actor, 'user.manage', user.org_id);
    if (user.id !== actor.userId) await this.assertHoldsRole(actor, (await this.store.getRole(user.role_id))!);
    return this.users.unlock(user, actor, ip);
  }

  /** Resetting a user's two-factor authentication: the same authority as unlocking them. */
  async resetTwoFactor(actor: Principal, user: User, ip: string | null): Promise<User> {
    this.requireCan(actor, 'user.manage', user.org_id);
    if (user.id === actor.userId) throw badRequest('Turn your own two-factor authentication off in User preferences');
    await this.assertHoldsRole(actor, (await this.store.getRole(user.role_id))!);
    return this.users.resetTwoFactor(user, actor, ip);
  }

  /**
   * VCD's "take ownership" (govcd's `OrgUser.Delete(takeOwnership=true)`, Terraform's default): the user's
   * vApps and VMs pass to the actor, so deleting the user orphans nothing.
   */
  async takeOwnership(actor: Principal, user: User, ip: string | null): Promise<void> {
    this.requireCan(actor, 'user.manage', user.org_id);
    if (user.id !== actor.userId) await this.assertHoldsRole(actor, (await this.store.getRole(user.role_id))!);
    await this.standing(actor, (trx) => this.store.reassignOwnership(user.id, actor.userId, trx));
    await this.record('user.ownershipTaken', actor, user.org_id, ip, { user: user.name, userId: user.id });
  }

  async deleteUser(actor: Principal, user: User, ip: string | null): Promise<void> {
    this.requireCan(actor, 'user.manage', user.org_id);
    if (user.id === actor.userId) throw badRequest('You cannot delete your own account');
    await this.assertHoldsRole(actor, (await this.store.getRole(user.role_id))!);
    await this.users.delete(user, actor, ip);
  }

  // ------------------------------------------------------------------ groups

  async createGroup(actor: Principal, orgId: string, input: GroupInput, ip: string | null): Promise<Group> {
    this.requireCan(actor, 'group.manage', orgId);
    const name = displayName(input.name, 'name is required');
    if (input.roleId) await this.assertHoldsRole(actor, await this.roleOfOrg(input.roleId, orgId));
    const taken = lookalikeOf(await this.store.listGroups(orgId), name);
    if (taken) throw new TesseraError('DUPLICATE_NAME', duplicateNameMessage('group', name, taken.name));
    const group = await this.standing(actor, (trx) =>
      this.store.createGroup(
        {
          id: randomUUID(),
          org_id: orgId,
          name,
          description: input.description ?? '',
          role_id: input.roleId ?? null,
          created_at: Date.now(),
        },
        trx,
      ),
    );
    await this.record('group.created', actor, orgId, ip, { group: group.name, groupId: group.id, roleId: group.role_id });
    return group;
  }

  async updateGroup(actor: Principal, group: Group, input: GroupInput, ip: string | null): Promise<Group> {
    this.requireCan(actor, 'group.manage', group.org_id);
    const patch: { name?: string; description?: string; role_id?: string | null } = {};
    if (input.name !== undefined) {
      const name = displayName(input.name, 'name must not be empty');
      const clash = lookalikeOf(await this.store.listGroups(group.org_id), name, group.id);
      if (clash) throw new TesseraError('DUPLICATE_NAME', duplicateNameMessage('group', name, clash.name));
      patch.name = name;
    }
    if (input.description !== undefined) patch.description = input.description;
    if (input.roleId !== undefined && input.roleId !== group.role_id) {
      if (input.roleId !== null) await this.assertHoldsRole(actor, await this.roleOfOrg(input.roleId, group.org_id));
      patch.role_id = input.roleId;
    }
    if (Object.keys(patch).length > 0) await this.standing(actor, (trx) => this.store.updateGroup(group.id, patch, trx));
    const updated = await stillThere(this.store.getGroup(group.id));
    await this.record('group.updated', actor, group.org_id, ip, { group: updated.name, groupId: group.id, roleId: updated.role_id });
    return updated;
  }

  async deleteGroup(actor: Principal, group: Group, ip: string | null): Promise<void> {
    this.requireCan(actor, 'group.manage', group.org_id);
    await this.standing(actor, (trx) => this.store.deleteGroup(group.id, trx));
    await this.record('group.deleted', actor, group.org_id, ip, { group: group.name, groupId: group.id });
  }

  // ------------------------------------------------------------------ roles

  async createRole(actor: Principal, orgId: string, input: RoleInput & { rights: readonly string[] }, ip: string | null): Promise<Role> {
    this.requireCan(actor, 'role.manage', orgId);
    const name = displayName(input.name, 'name is required');
    await this.assertMayGrant(actor, orgId, input.rights);
    // Any role of the org whose name would be read as this one (a name lookup finds the same case only).
    const taken = lookalikeOf(await this.store.listRoles(orgId), name);
    if (taken) throw new TesseraError('DUPLICATE_NAME', duplicateNameMessage('role', name, taken.name));
    const role = await this.standing(actor, (trx) =>
      this.store.createRole(
        { id: randomUUID(), org_id: orgId, name, description: input.description ?? '', read_only: 0, created_at: Date.now() },
        input.rights,
        trx,
      ),
    );
    await this.record('role.created', actor, orgId, ip, {
      role: role.name,
      roleId: role.id,
      rights: [...new Set(input.rights)].sort().join(', '),
    });
    return role;
  }

  async updateRole(actor: Principal, role: Role, input: RoleInput, ip: string | null): Promise<Role> {
    this.requireWritableRole(actor, role);
    const patch: RoleInput = {};
    if (input.name !== undefined) {
      const name = displayName(input.name, 'name must not be empty');
      const other = lookalikeOf(await this.store.listRoles(role.org_id), name, role.id);
      if (other) throw new TesseraError('DUPLICATE_NAME', duplicateNameMessage('role', name, other.name));
      patch.name = name;
    }
    if (input.description !== undefined) patch.description = input.description;
    if (Object.keys(patch).length > 0) await this.standing(actor, (trx) => this.store.updateRole(role.id, patch, trx));
    this.identities.invalidate();
    const updated = await stillThere(this.store.getRole(role.id));
    await this.record('role.updated', actor, role.org_id, ip, { role: updated.name, roleId: role.id });
    return updated;
  }

  /** `PUT /roles/{id}/rights`: the role's rights become `rights`. */
  setRoleRights(actor: Principal, role: Role, rights: readonly string[], ip: string | null): Promise<string[]> {
    return this.changeRoleRights(actor, role, () => rights, ip);
  }

  /** `POST /roles/{id}/rights` (govcd's Role.AddRights): `added` join the role's rights. */
  addRoleRights(actor: Principal, role: Role, added: readonly string[], ip: string | null): Promise<string[]> {
    return this.changeRoleRights(actor, role, (current) => [...current, ...added], ip);
  }

  /**
   * A change of a role's rights, computed from its rights as they are, under the role's row lock (PostgreSQL; SQLite
   * has one writer): changes of one role take turns, each reads what the one before wrote, and the checks run on
   * that. Until 2026-12-05 the rights were read outside any transaction: a PUT that removed a right and an add racing
   * it on PostgreSQL left the removed right in place (both answered success), two adds lost each other's rights, and
   * two replaces collided on the primary key (a 500). The same race let a demoted user's add put the right back.
   */
  private async changeRoleRights(
    actor: Principal,
    role: Role,
    next: (current: readonly string[]) => readonly string[],
    ip: string | null,
  ): Promise<string[]> {
    this.requireWritableRole(actor, role);
    const published = actor.isSystemOrg ? null : await this.publishedRights(role.org_id);
    const outcome = await this.store.transaction(async (trx) => {
      const locked = trx.selectFrom('roles').select('id').where('id', '=', role.id);
      if (!(await (this.store.dialect === 'postgres' ? locked.forNoKeyUpdate() : locked).executeTakeFirst())) throw forbidden();
      // Only for an actor whose session still stands (session-stands.ts): until 2026-12-06 an administrator's stolen
      // session, cut off on another node a moment before, could still give a role (one the thief also holds through
      // another account) more rights, which outlived the session.
      await assertSessionStands(this.store, trx, actor, { lock: false });
      const current = await this.store.roleRights(role.id, trx);
      const wanted = [...new Set(next(current))].sort();
      refuseUngrantable(actor, role.org_id, wanted, published);
      // Taking away a right the actor lacks is refused as well: the role's holders may be more privileged than the
      // actor, and editing their role is acting on them.
      refuseUnheld(actor, role, current);
      if (wanted.length === current.length && wanted.every((r, i) => r === current[i])) return { rights: current, changed: false };
      await this.store.setRoleRights(role.id, wanted, trx);
      return { rights: await this.store.roleRights(role.id, trx), changed: true };
    });
    if (!outcome.changed) return outcome.rights;
    this.identities.invalidate();
    await this.record('role.rightsChanged', actor, role.org_id, ip, {
      role: role.name,
      roleId: role.id,
      rights: outcome.rights.join(', '),
    });
    return outcome.rights;
  }

  async deleteRole(actor: Principal, role: Role, ip: string | null): Promise<void> {
    this.requireWritableRole(actor, role);
    // Whether anything holds the role is read in the delete's own transaction, after locking the role's row on
    // PostgreSQL: an assignment's foreign-key check waits for that lock, so it either committed before the count
    // (which then sees it) or fails once the role is gone (a 400, error-handler.ts). SQLite's single writer runs
    // the two one after the other. Until 2026-12-07 the counts ran before the transaction: an assignment landing
    // in between made the delete fail on the foreign key, and on SQLite the answer said that something had been
    // deleted by another request, which was not what had happened.
    await this.standing(actor, async (trx) => {
      const locked = trx.selectFrom('roles').select('id').where('id', '=', role.id);
      await (this.store.dialect === 'postgres' ? locked.forUpdate() : locked).executeTakeFirst();
      if ((await this.store.countUsersWithRole(role.id, trx)) > 0) throw badRequest('The role is assigned to users; reassign them first');
      // Service accounts and groups hold a role too (their `role_id` references it): the delete would fail in the
      // store (for groups until 2026-12-06, and the answer then said a race had happened).
      const holding = async (table: 'service_accounts' | 'groups') =>
        Number(
          (
            await trx
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('role_id', '=', role.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      if ((await holding('service_accounts')) > 0) throw badRequest('The role is assigned to service accounts; change their role first');
      if ((await holding('groups')) > 0) throw badRequest('The role is assigned to groups; give them another role first');
      await this.store.deleteRole(role.id, trx);
    });
    this.identities.invalidate();
    await this.record('role.deleted', actor, role.org_id, ip, { role: role.name, roleId: role.id });
  }

  private requireWritableRole(actor: Principal, role: Role): void {
    this.requireCan(actor, 'role.manage', role.org_id);
    if (role.read_only === 1) throw badRequest('Predefined roles are read-only; copy the role to change it');
  }

  // ------------------------------------------------------------------ rights bundles (System org only)

  async updateRightsBundle(actor: Principal, bundle: RightsBundle, input: RoleInput, ip: string | null): Promise<RightsBundle> {
    if (!can(actor, 'rightsBundle.manage')) throw refusal(actor, 'rightsBundle.manage');
    const patch: { name?: string; description?: string } = {};
    if (input.name !== undefined) {
      patch.name = displayName(input.name, 'name must not be empty');
    }
    if (input.description !== undefined) patch.description = input.description;
    if (Object.keys(patch).length > 0) await this.standing(actor, (trx) => this.store.updateRightsBundle(bundle.id, patch, trx));
    const updated = await stillThere(this.store.getRightsBundle(bundle.id));
    await this.record('rightsBundle.updated', actor, actor.orgId, ip, { bundle: updated.name, bundleId: bundle.id });
    return updated;
  }

  async setRightsBundleRights(actor: Principal, bundle: RightsBundle, rights: readonly string[], ip: string | null): Promise<string[]> {
    if (!can(actor, 'rightsBundle.manage')) throw refusal(actor, 'rightsBundle.manage');
    // A bundle publishes rights to tenants: provider-only rights never go into one.
    const providerOnly = rights.filter(isProviderOnlyRight);
    if (providerOnly.length > 0) throw badRequest(`Provider-only rights cannot be published to tenants: ${providerOnly.join(', ')}`);
    const unique = [...new Set(rights)].sort();
    await this.standing(actor, (trx) => this.store.updateRightsBundle(bundle.id, { rights: JSON.stringify(unique) }, trx));
    this.identities.invalidate();
    await this.record('rightsBundle.rightsChanged', actor, actor.orgId, ip, {
      bundle: bundle.name,
      bundleId: bundle.id,
      rights: unique.join(', '),
    });
    return unique;
  }

  /**
   * `write` in a transaction that first reads whether the actor's session still stands (session-stands.ts): every
   * write here outlives the session that makes it. Until 2026-12-07 an administrator's stolen session, cut off on
   * another node a moment before (a password change, "end all sessions", a disable) but still accepted by this
   * node's bearer check, could still create, rename or delete a role, take a user's vApps over, or change what a
   * rights bundle publishes to every tenant. Groups grant nothing today (no directory fills them), but they carry a
   * role and outlive the session as well: guarded alike. Not locked: the cut-off undoes none of these, so the two have nothing to take turns over.
   */
  private standing<T>(actor: Principal, write: (trx: Executor) => Promise<T>): Promise<T> {
    return this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: false });
      return write(trx);
    });
  }

  // ------------------------------------------------------------------ audit

  private async record(type: AuditEventType, actor: Principal, orgId: string, ip: string | null, details: Record<string, string | null>) {
    const orgName = orgId === actor.orgId ? actor.orgName : ((await this.store.getOrg(orgId))?.name ?? '');
    await this.audit.record({ type, actor: { id: actor.userId, name: actor.userName }, org: { id: orgId, name: orgName }, ip, details });
  }
}

function cannotGrant(rights: string[]): TesseraError {
  return new TesseraError(
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    `You cannot grant rights that you do not hold or that are not published to this organization: ${rights.slice(0, 10).join(', ')}`,
  );
}

/** A name as given, trimmed, or the 400: empty, or holding a character that hides or reorders what lists show. */
function displayName(raw: string | undefined, emptyMessage: string): string {
  const name = raw?.trim();
  if (!name) throw badRequest(emptyMessage);
  const problem = displayNameProblem('name', name);
  if (problem) throw badRequest(problem);
  return name;
}

/**
 * Refuses rights `actor` may not put in a role of `orgId`: unknown ones, ones the actor lacks, the provider's own in
 * a tenant's role, and, for a tenant actor, ones not published to the org (`published`, null for the provider).
 */
function refuseUngrantable(actor: Principal, orgId: string, rights: Iterable<string>, published: ReadonlySet<string> | null): void {
  const held = effectiveRights(actor);
  const tenantOrg = orgId !== SYSTEM_ORG_ID;
  const refused = [...new Set(rights)].filter(
    (r) => !isKnownRight(r) || !held.has(r) || (tenantOrg && isProviderOnlyRight(r)) || (published !== null && !published.has(r)),
  );
  if (refused.length > 0) throw cannotGrant(refused);
}

/** Refuses acting on `role` (whose rights are `roleRights`) unless the actor holds every right it carries in its org. */
function refuseUnheld(actor: Principal, role: Role, roleRights: readonly string[]): void {
  const held = effectiveRights(actor);
  const tenantOrg = role.org_id !== SYSTEM_ORG_ID;
  const missing = roleRights.filter((r) => !(tenantOrg && isProviderOnlyRight(r)) && !held.has(r));
  if (missing.length > 0) throw cannotGrant(missing);
}
