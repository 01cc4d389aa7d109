/**
 * User lifecycle where security follows: disabling or deleting a user revokes all their API tokens and ends
 * their sessions (ASVS 7.4.2); a password change ends their other sessions and, when asked, revokes their
 * tokens too (ASVS 7.4.3).
 */
import { DEFAULT_TIME_ZONE, isSupportedTimeZone } from '../domain/time-zone.js';
import { randomUUID } from 'node:crypto';
import type { Store, User } from '../store/store.js';
import { isUniqueViolation } from '../store/constraint-errors.js';
import type { SessionService } from './sessions.js';
import type { ApiTokenService } from './api-tokens.js';
import type { IdentityCache } from './identity-cache.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { TesseraError, badRequest, stillThere } from '../domain/errors.js';
import { displayNameProblem, userNameProblem } from '../domain/user-name.js';
import { lockedUntil } from '../domain/account-lock.js';
import { assertSessionStands } from './session-stands.js';

export interface NewUser {
  orgId: string;
  name: string;
  password: string;
  roleId: string;
  fullName?: string;
  email?: string;
  enabled?: boolean;
  deployedVmQuota?: number;
  storedVmQuota?: number;
  /** Profile fields of VCD's User document. */
  description?: string;
  telephone?: string;
  im?: string;
}

export class UserService {
  private readonly store: Store;
  private readonly sessions: SessionService;
  private readonly apiTokens: ApiTokenService;
  private readonly identities: IdentityCache;
  private readonly audit: AuditLog;

  constructor(deps: { store: Store; sessions: SessionService; apiTokens: ApiTokenService; identities: IdentityCache; audit: AuditLog }) {
    this.store = deps.store;
    this.sessions = deps.sessions;
    this.apiTokens = deps.apiTokens;
    this.identities = deps.identities;
    this.audit = deps.audit;
  }

  async create(input: NewUser, actor: Principal | null = null, ip: string | null = null): Promise<User> {
    // The one rule for every door that creates a user (cloudapi, the XML admin API, the portal, the bootstrap).
    const nameProblem = userNameProblem(input.name) ?? namesProblem(input);
    if (nameProblem) throw badRequest(nameProblem);
    const problem = passwordProblem(input.password);
    if (problem) throw badRequest(problem);
    const role = await this.store.getRole(input.roleId);
    if (!role || role.org_id !== input.orgId) throw badRequest('roleEntityRefs must name a role of this organization');
    const duplicate = () => new TesseraError('DUPLICATE_NAME', `A user named "${input.name}" already exists in this organization`);
    if (await this.store.getUserByName(input.orgId, input.name)) throw duplicate();
    const passwordHash = await hashPassword(input.password);
    const user = await this.insertUser(input, passwordHash, actor).catch((err: unknown) => {
      // Another request created the name since the check (the hash above takes a while): the same answer.
      throw isUniqueViolation(err) ? duplicate() : err;
    });
    if (actor) await this.recordChange('user.created', actor, user, ip);
    return user;
  }

  /**
   * The user's row as `create` checked it, for an actor whose session still stands (session-stands.ts): until
   * 2026-12-06 an administrator's stolen session, ended by their password change on another node a moment before,
   * could still create a user (a way back in that outlives the session).
   */
  private insertUser(input: NewUser, passwordHash: string, actor: Principal | null): Promise<User> {
    return this.store.transaction(async (trx) => {
      if (actor !== null) await assertSessionStands(this.store, trx, actor, { lock: false });
      return this.store.createUser(
        {
          id: randomUUID(),
          org_id: input.orgId,
          name: input.name,
          full_name: input.fullName ?? '',
          email: input.email ?? '',
          password_hash: passwordHash,
          is_enabled: input.enabled === false ? 0 : 1,
          role_id: input.roleId,
          deployed_vm_quota: input.deployedVmQuota ?? 0,
          stored_vm_quota: input.storedVmQuota ?? 0,
          description: input.description ?? '',
          telephone: input.telephone ?? '',
          im: input.im ?? '',
        },
        trx,
      );
    });
  }

  async update(
    user: User,
    patch: {
      fullName?: string;
      email?: string;
      enabled?: boolean;
      roleId?: string;
      password?: string;
      deployedVmQuota?: number;
      storedVmQuota?: number;
      description?: string;
      telephone?: string;
      im?: string;
    },
    options: { revokeTokensOnPasswordChange?: boolean } = {},
    actor: Principal | null = null,
    ip: string | null = null,
  ): Promise<User> {
    const namesWrong = namesProblem(patch);
    if (namesWrong) throw badRequest(namesWrong);
    const set: Parameters<Store['updateUser']>[1] = {};
    if (patch.fullName !== undefined) set.full_name = patch.fullName;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.deployedVmQuota !== undefined) set.deployed_vm_quota = patch.deployedVmQuota;
    if (patch.storedVmQuota !== undefined) set.stored_vm_quota = patch.storedVmQuota;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.telephone !== undefined) set.telephone = patch.telephone;
    if (patch.im !== undefined) set.im = patch.im;
    if (patch.roleId !== undefined && patch.roleId !== user.role_id) {
      const role = await this.store.getRole(patch.roleId);
      if (!role || role.org_id !== user.org_id) throw badRequest('roleEntityRefs must name a role of this organization');
      set.role_id = patch.roleId;
    }
    if (patch.password !== undefined) {
      const problem = passwordProblem(patch.password);
      if (problem) throw badRequest(problem);
      set.password_hash = await hashPassword(patch.password);
    }
    if (patch.enabled === true) set.is_enabled = 1;
    const disabling = await this.store.transaction(async (trx) => {
      // Only for an actor whose session still stands (session-stands.ts; the actor's own row is locked when it is the
      // user changed). Until 2026-12-06 a stolen session, ended by its owner's password change on another node a
      // moment before, could still set the password (locking the owner out: its own change's cut-off then kept the
      // stolen session and ended the owner's), or, an administrator's, still set another user's password or role.
      if (actor !== null) await assertSessionStands(this.store, trx, actor, { lock: actor.userId === user.id });
      // An echo of the stored values (govcd PUTs the whole entity back) changes nothing: no empty UPDATE.
      if (Object.keys(set).length > 0) {
        // A user's own change replaces the password its current password was checked against, not one set since.
        const ownPassword = set.password_hash !== undefined && actor?.userId === user.id;
        let write = trx.updateTable('users').set(set).where('id', '=', user.id);
        if (ownPassword) write = write.where('password_hash', '=', user.password_hash);
        const written = await write.executeTakeFirst();
        if (ownPassword && Number(written.numUpdatedRows) !== 1) throw badRequest('The password was changed meanwhile; sign in again');
      }
      // The disable is its own conditional write: of several requests disabling one user at once, the one that changed
      // the row cuts the user off and audits the disable (until 2026-12-06 each did, from the row it had read).
      return patch.enabled === false && user.is_enabled === 1 && (await this.store.disableUser(user.id, trx));
    });
    this.identities.invalidate(user.id);
    if (disabling) await this.cutOff(user.id);
    else if (patch.password !== undefined) {
      // Other sessions end; the one that made the change (when the user changed their own password) stays.
      const keep = actor !== null && actor.userId === user.id ? actor.sessionId : null;
      await this.sessions.endAllSessionsOf(user.id, keep);
      if (options.revokeTokensOnPasswordChange) await this.apiTokens.revokeAllOf(user.id);
    }
    const updated = await stillThere(this.store.getUser(user.id));
    if (actor) {
      // A role change is named (from, to): it is how a privilege is given, and an administrator reading the trail must
      // see it (until 2026-12-05 it was a user.updated like a description's).
      const roleChange = set.role_id !== undefined ? await this.roleChange(user.role_id, set.role_id) : {};
      await this.recordChange(patch.password !== undefined ? 'user.passwordChanged' : 'user.updated', actor, updated, ip, {
        disabled: disabling,
        tokensRevoked: Boolean(disabling || (patch.password !== undefined && options.revokeTokensOnPasswordChange)),
        ...roleChange,
      });
    }
    return updated;
  }

  private async roleChange(fromId: string, toId: string): Promise<{ roleFrom: string; roleTo: string }> {
    const [from, to] = await Promise.all([this.store.getRole(fromId), this.store.getRole(toId)]);
    return { roleFrom: from?.name ?? fromId, roleTo: to?.name ?? toId };
  }

  async delete(user: User, actor: Principal | null = null, ip: string | null = null): Promise<void> {
    // Disabled first, as a disable does: a node that hears of the cut-off and reads the user again while the row still
    // exists reads it disabled, and a token being registered or minted meanwhile is refused (ApiTokenService's
    // lockEnabledOwner). Until 2026-12-06 the other node read it enabled and honoured its sessions for up to 5 s more.
    await this.store.transaction(async (trx) => {
      if (actor !== null) await assertSessionStands(this.store, trx, actor, { lock: actor.userId === user.id });
      await this.store.disableUser(user.id, trx);
    });
    this.identities.invalidate(user.id);
    await this.cutOff(user.id);
    await this.store.deleteUser(user.id);
    this.identities.invalidate(user.id);
    if (actor) await this.recordChange('user.deleted', actor, user, ip);
  }

  /**
   * VCD's "unlock": ends the org's account lockout and the second-factor lockout, and both failure counts start
   * again from zero; this node's in-memory per-account sign-in budget is cleared too (sign-in-guard.ts).
   */
  async unlock(user: User, actor: Principal, ip: string | null): Promise<User> {
    // For an actor whose session still stands (session-stands.ts), as the reset below.
    await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: actor.userId === user.id });
      await this.store.updateUser(user.id, { totp_failures: 0, totp_locked_until: 0, password_failures: 0, password_locked_until: 0 }, trx);
    });
    const updated = await stillThere(this.store.getUser(user.id));
    const orgName = (await this.store.getOrg(user.org_id))?.name ?? '';
    const now = Date.now();
    const paused = this.sessions.failedSignInPauseUntil(user.name, orgName, now) !== null;
    this.sessions.forgetFailedSignIns(user.name, orgName);
    await this.audit.record({
      type: 'user.unlocked',
      actor: { id: actor.userId, name: actor.userName },
      org: { id: user.org_id, name: orgName },
      ip,
      details: {
        user: user.name,
        userId: user.id,
        wasLocked: lockedUntil(user, now) !== null || paused,
      },
    });
    return updated;
  }

  /**
   * An administrator's reset of the user's two-factor authentication (a lost phone): the secret, any set-up in
   * progress and the failure count are cleared, so the next sign-in asks for the password only. The user's
   * sessions stay (the reset is a help, not a suspicion; disabling the user is the tool for that). The time is
   * kept until the user has been told, once, at their next sign-in (takeTwoFactorResetNotice).
   */
  async resetTwoFactor(user: User, actor: Principal, ip: string | null): Promise<User> {
    // For an actor whose session still stands (session-stands.ts): until 2026-12-06 an administrator's stolen session,
    // cut off on another node a moment before, could still take a user's second factor away.
    await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: false });
      await this.store.updateUser(
        user.id,
        { totp_secret: null, totp_enabled: 0, totp_last_step: 0, totp_failures: 0, totp_locked_until: 0, two_factor_reset_at: Date.now() },
        trx,
      );
    });
    this.identities.invalidate(user.id);
    const updated = await stillThere(this.store.getUser(user.id));
    await this.audit.record({
      type: 'user.twoFactorReset',
      actor: { id: actor.userId, name: actor.userName },
      org: { id: user.org_id, name: (await this.store.getOrg(user.org_id))?.name ?? '' },
      ip,
      details: { user: user.name, userId: user.id, wasEnabled: user.totp_enabled === 1 },
    });
    return updated;
  }

  /**
   * When an administrator reset the user's two-factor authentication since they were last told, or null. Taking
   * it clears it with a compare-and-set, so two tabs signing in at once show it once between them.
   */
  async takeTwoFactorResetNotice(userId: string): Promise<number | null> {
    const user = await this.store.getUser(userId);
    const at = Number(user?.two_factor_reset_at ?? 0);
    if (!user || at === 0) return null;
    const result = await this.store.db
      .updateTable('users')
      .set({ two_factor_reset_at: 0 })
      .where('id', '=', userId)
      .where('two_factor_reset_at', '=', at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? at : null;
  }

  /**
   * The user's own display time zone (User preferences; issue 14 §5): an IANA name the runtime knows, or null for
   * UTC. A display preference of the user alone, so it is not audited; a name outside the list is refused.
   */
  async setTimeZone(principal: Principal, zone: string | null): Promise<void> {
    if (zone !== null && !isSupportedTimeZone(zone)) throw badRequest('Unknown time zone');
    await this.store.db
      .updateTable('users')
      .set({ time_zone: zone === DEFAULT_TIME_ZONE ? null : zone })
      .where('id', '=', principal.userId)
      .execute();
  }

  /** Revokes every token and ends every session of the user. */
  private async cutOff(userId: string): Promise<void> {
    await this.apiTokens.revokeAllOf(userId);
    await this.sessions.endAllSessionsOf(userId);
  }

  /**
   * The current password a password change must prove (the cloudapi's `currentPassword`, the portal's form): checked
   * as a guess (SessionService.checkPassword: counted towards the lockout and the failure budgets, 429 while they
   * refuse), and a wrong one audited as a failed password change. True when it is right.
   */
  async checkCurrentPassword(actor: Principal, user: User, current: string, ip: string): Promise<boolean> {
    if (await this.sessions.checkPassword(user, current, ip)) return true;
    await this.audit.record({
      type: 'user.passwordChanged',
      outcome: 'failure',
      actor: { id: actor.userId, name: actor.userName },
      org: { id: actor.orgId, name: actor.orgName },
      ip,
      details: { user: user.name, userId: user.id, reason: 'wrong current password' },
    });
    return false;
  }

  private async recordChange(
    type: 'user.created' | 'user.updated' | 'user.deleted' | 'user.passwordChanged',
    actor: Principal,
    user: User,
    ip: string | null,
    details: Record<string, boolean | string> = {},
  ) {
    await this.audit.record({
      type,
      actor: { id: actor.userId, name: actor.userName },
      org: { id: user.org_id, name: (await this.store.getOrg(user.org_id))?.name ?? '' },
      ip,
      details: { user: user.name, userId: user.id, ...details },
    });
  }
}

/** A full name or an e-mail address is shown in lists and the audit trail like a name: the same characters refused. */
function namesProblem(input: { fullName?: string; email?: string }): string | null {
  return (
    (input.fullName === undefined ? null : displayNameProblem('fullName', input.fullName)) ??
    (input.email === undefined ? null : displayNameProblem('email', input.email))
  );
}
