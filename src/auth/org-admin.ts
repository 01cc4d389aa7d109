/**
 * The lifecycle of orgs (VCD's /api/admin/orgs): create, change, disable, enable, delete, with the rules that
 * keep it safe. The provider's alone (policy action `org.manage`), as in VCD.
 *
 * - A new org gets a copy of the predefined roles (bootstrap.ts), so it can be given an administrator at once.
 * - Disabling an org cuts off its users in the same transaction: every user of the org gets a user-level
 *   revocation (sessions issued before now end, on every node, from the next request; the revocation event also
 *   drops each node's cached identity, whose `enabled` then reads false, so API-token exchanges are refused too).
 *   Enabling does not bring those sessions back: users sign in again.
 * - Deleting an org requires it to be disabled (VCD's rule: no one can be signed in to an org as it goes), and
 *   refuses while it holds users, VDCs or vApps unless `recursive`; deployed vApps also need `force`.
 * - The System org cannot be renamed, disabled or deleted.
 * - Every write reads, in its transaction, whether the actor's session still stands (session-stands.ts): until
 *   2026-12-07 a System administrator's stolen session, cut off on another node a moment before but still accepted
 *   by this node's bearer check, could still create an org, rename it or change its settings (its password policy,
 *   its quotas), enable an org the provider had disabled, or disable or delete one.
 */
import type { Transaction } from 'kysely';
import type { Executor, Store, Org } from '../store/store.js';
import type { DB } from '../store/schema.js';
import type { IdentityCache } from './identity-cache.js';
import type { AuditLog, AuditEventType } from './audit.js';
import type { Principal } from '../domain/principal.js';
import type { RevocationEvent } from '../store/store.js';
import { counted } from '../domain/counted.js';
import { TesseraError, badRequest, forbidden, stillThere } from '../domain/errors.js';
import { can } from '../domain/policy.js';
import { SYSTEM_ORG_ID } from '../domain/rights.js';
import {
  MAX_SETTING_INT,
  parseOrgSettings,
  serializeOrgSettings,
  type OrgGeneralSettings,
  type OrgSettings,
  type PasswordPolicySettings,
  type VAppLeaseSettings,
  type VAppTemplateLeaseSettings,
} from '../domain/org-settings.js';
import { createOrgWithRoles } from './bootstrap.js';
import { assertSessionStands } from './session-stands.js';
import { displayNameProblem } from '../domain/user-name.js';

/** Org names appear in URLs (`/oauth/tenant/{org}`, `/tenant/{org}`): letters, digits, `-`, `_`, `.`. */
const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_ORG_TEXT = 1024;

/** What an AdminOrg document sets; a section left out keeps its current value. */
export interface OrgInput {
  name: string;
  fullName: string;
  description: string;
  enabled: boolean;
  deployedVmQuota?: number;
  storedVmQuota?: number;
  general?: OrgGeneralSettings;
  vappLease?: Partial<VAppLeaseSettings>;
  vappTemplateLease?: Partial<VAppTemplateLeaseSettings>;
  passwordPolicy?: Partial<PasswordPolicySettings>;
}

export interface DeleteOptions {
  force: boolean;
  recursive: boolean;
}

export class OrgAdmin {
  private readonly store: Store;
  private readonly identities: IdentityCache;
  private readonly audit: AuditLog;
  /** AccessTokenService.recordedRevocationRelevantUntil: read in the transaction that records the revocations. */
  private readonly revocationRelevantUntil: (nowMs: number, trx: Executor) => Promise<number>;

  constructor(deps: {
    store: Store;
    identities: IdentityCache;
    audit: AuditLog;
    revocationRelevantUntil: (nowMs: number, trx: Executor) => Promise<number>;
  }) {
    this.store = deps.store;
    this.identities = deps.identities;
    this.audit = deps.audit;
    this.revocationRelevantUntil = deps.revocationRelevantUntil;
  }

  async create(actor: Principal, input: OrgInput, ip: string | null): Promise<Org> {
    this.requireManage(actor);
    const name = validName(input.name);
    validFullName(input.fullName);
    validText(input.description, 'Description', false);
    if (await this.store.getOrgByName(name)) throw new TesseraError('DUPLICATE_NAME', `An organization named "${name}" already exists`);
    const settings = mergeSettings(parseOrgSettings('{}'), input);
    // One transaction: the org, its settings and its predefined roles appear together or not at all, and only for a
    // session that still stands.
    const org = await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: false });
      return createOrgWithRoles(
        this.store,
        {
          name,
          fullName: input.fullName,
          description: input.description,
          enabled: input.enabled,
          deployedVmQuota: input.deployedVmQuota ?? 0,
          storedVmQuota: input.storedVmQuota ?? 0,
          settings: serializeOrgSettings(settings),
        },
        trx,
      );
    });
    await this.record('org.created', actor, org, ip, { enabled: input.enabled });
    return org;
  }

  /** VCD's PUT of the AdminOrg: name, full name, description, enabled, quotas and the settings sent. */
  async update(actor: Principal, org: Org, input: OrgInput, ip: string | null): Promise<Org> {
    this.requireManage(actor);
    const name = validName(input.name);
    validFullName(input.fullName);
    validText(input.description, 'Description', false);
    const isSystem = org.id === SYSTEM_ORG_ID;
    if (name !== org.name) {
      if (isSystem) throw badRequest('The System organization cannot be renamed');
      const other = await this.store.getOrgByName(name);
      if (other && other.id !== org.id) throw new TesseraError('DUPLICATE_NAME', `An organization named "${name}" already exists`);
    }
    if (isSystem && !input.enabled) throw badRequest('The System organization cannot be disabled');
    const settings = mergeSettings(parseOrgSettings(org.settings), input);
    const enabledChanged = input.enabled !== (org.is_enabled === 1);
    // One transaction: the org's row and, when it changes, its enable or disable with its cut-off apply together or
    // not at all. Until 2026-12-07 the enable or disable had a transaction of its own after the row's: when it failed
    // (a session cut off in between, a database error), the rename and the settings stayed and the request answered
    // an error.
    const events = await this.store.transaction(async (trx) => {
      // The org's row first, by its own update: a rename takes the row's strongest lock (its name is unique) before
      // the enable or disable locks the users, rather than upgrading to it after them, which invited deadlocks.
      await this.store.updateOrg(
        org.id,
        {
          name,
          full_name: input.fullName,
          description: input.description,
          ...(input.deployedVmQuota !== undefined ? { deployed_vm_quota: input.deployedVmQuota } : {}),
          ...(input.storedVmQuota !== undefined ? { stored_vm_quota: input.storedVmQuota } : {}),
          settings: serializeOrgSettings(settings),
        },
        trx,
      );
      // Whether the session stands is read either way, by writeEnabled after its own lock of the org's row.
      if (enabledChanged) return this.writeEnabled(trx, actor, org.id, input.enabled);
      await assertSessionStands(this.store, trx, actor, { lock: false });
      return [];
    });
    // Names are part of every cached identity (the OAuth endpoint of a token is its org's name); announce drops them.
    await this.announce(events);
    const updated = await stillThere(this.store.getOrg(org.id));
    await this.record('org.updated', actor, updated, ip, { previousName: org.name, enabled: input.enabled });
    // A disable or enable by PUT (vcd-cli's `org update --disable`, pyvcloud, Terraform's `enabled`) is the same act as
    // the action's, and audited as it is: a search for org.disabled found only the action's until 2026-12-05.
    if (enabledChanged) await this.record(input.enabled ? 'org.enabled' : 'org.disabled', actor, updated, ip, { by: 'update' });
    return updated;
  }

  async setEnabled(actor: Principal, org: Org, enabled: boolean, ip: string | null): Promise<Org> {
    this.requireManage(actor);
    if (org.id === SYSTEM_ORG_ID && !enabled) throw badRequest('The System organization cannot be disabled');
    await this.applyEnabled(actor, org.id, enabled);
    const updated = await stillThere(this.store.getOrg(org.id));
    await this.record(enabled ? 'org.enabled' : 'org.disabled', actor, updated, ip, {});
    return updated;
  }

  async delete(actor: Principal, org: Org, options: DeleteOptions, ip: string | null): Promise<void> {
    this.requireManage(actor);
    if (org.id === SYSTEM_ORG_ID) throw badRequest('The System organization cannot be deleted');
    const current = (await this.store.getOrg(org.id)) ?? org;
    if (current.is_enabled === 1) throw badRequest('The organization must be disabled before it can be deleted');
    const contents = await this.store.countOrgContents(org.id);
    const holds = contents.users + contents.vdcs + contents.vapps > 0;
    if (holds && !options.recursive) {
      throw badRequest(
        `The organization is not empty (${counted(contents.users, 'users')}, ${counted(contents.vdcs, 'VDCs')}, ${counted(contents.vapps, 'vApps')}); delete them first or pass recursive=true`,
      );
    }
    if (contents.deployedVapps > 0 && !options.force) {
      throw badRequest(`The organization has ${contents.deployedVapps} deployed vApps; pass force=true to delete them too`);
    }
    await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, actor, { lock: false });
      await this.store.deleteOrg(org.id, trx);
    });
    this.identities.invalidate();
    await this.record('org.deleted', actor, current, ip, { recursive: options.recursive, force: options.force });
  }

  private requireManage(actor: Principal): void {
    if (!can(actor, 'org.manage')) throw forbidden();
  }

  /**
   * Enables or disables, and on disable ends every session of every user and every service account of the org in
   * the same transaction (the revocation rows), so that no node honours an open session of a disabled org after the
   * commit, and enabling it again revives none of them. (Until 2026-12-05 service accounts got no revocation: their
   * sessions were refused only while the org was disabled, and worked again once it was enabled.) The cut-off is
   * taken once the org's row is written, so a session minted while the statement ran is before it.
   *
   * Enabling ends them again, with a cut-off taken before the org's row says enabled: a session minted around the
   * disable by a node that had not yet heard of it (it read the org enabled before the commit, or before the
   * notification reached it) is stamped after the disable's cut-off, and was refused only while the org stayed
   * disabled. Nothing minted before the org is enabled again is legitimate, so nothing minted before it survives
   * (until 2026-12-05 such sessions, on PostgreSQL, worked again once the org was enabled).
   */
  private async applyEnabled(actor: Principal, orgId: string, enabled: boolean): Promise<void> {
    const events = await this.store.transaction((trx) => this.writeEnabled(trx, actor, orgId, enabled));
    await this.announce(events);
  }

  /** applyEnabled's writes, in `trx`; returns the revocations to announce once it has committed, not before. */
  private async writeEnabled(trx: Transaction<DB>, actor: Principal, orgId: string, enabled: boolean): Promise<RevocationEvent[]> {
    // The org's row first, locked on PostgreSQL, whichever way: enables and disables of one org take turns, and
    // lock the org before its users (an enable that wrote the users first deadlocked with a disable). NO KEY
    // UPDATE, which an insert that refers to the org (a token registered meanwhile) does not wait for: with FOR
    // UPDATE such an insert, holding its user's row, and this transaction, wanting that row next, deadlocked, and
    // the disable failed with a 503 (until 2026-12-06).
    const current = trx.selectFrom('orgs').select('is_enabled').where('id', '=', orgId);
    const org = await (this.store.dialect === 'postgres' ? current.forNoKeyUpdate() : current).executeTakeFirst();
    // After the org's lock, so that the order of locks stays the org's first; the actor's row is read, not locked.
    await assertSessionStands(this.store, trx, actor, { lock: false });
    // Enabling an org that is enabled (an `action/enable` repeated, a Terraform apply) changes nothing and ends nothing.
    if (enabled && org?.is_enabled === 1) return [];
    if (!enabled) await this.store.updateOrg(orgId, { is_enabled: 0 }, trx);
    const now = Date.now();
    const relevantUntil = await this.revocationRelevantUntil(now, trx);
    const out: RevocationEvent[] = [];
    for (const user of await this.store.listUsers(orgId, trx)) {
      await this.store.updateUser(user.id, { sessions_not_before: now }, trx);
      out.push(await this.store.recordRevocation(trx, 'user', user.id, now, relevantUntil));
    }
    // A service account's sessions carry its id as their subject (auth/service-accounts.ts endEverything).
    for (const account of await trx.selectFrom('service_accounts').select('id').where('org_id', '=', orgId).execute()) {
      out.push(await this.store.recordRevocation(trx, 'user', account.id, now, relevantUntil));
    }
    if (enabled) await this.store.updateOrg(orgId, { is_enabled: 1 }, trx);
    return out;
  }

  /** After the commit of an enable or disable: tells every node of its revocations, and drops the cached identities. */
  private async announce(events: RevocationEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.store.bus.committed(event)));
    this.identities.invalidate();
    const userIds = events.map((e) => e.subject);
    if (userIds.length > 0) await this.store.db.deleteFrom('legacy_sessions').where('user_id', 'in', userIds).execute();
  }

  private async record(type: AuditEventType, actor: Principal, org: Org, ip: string | null, details: Record<string, string | boolean>) {
    await this.audit.record({
      type,
      actor: { id: actor.userId, name: actor.userName },
      org: { id: org.id, name: org.name },
      ip,
      details: { orgId: org.id, ...details },
    });
  }
}

function validName(name: string): string {
  if (!ORG_NAME.test(name)) {
    throw badRequest('The organization name must be 1-128 characters: letters, digits, "-", "_" or ".", starting with a letter or digit');
  }
  return name;
}

function validText(value: string, field: string, required: boolean): void {
  if (required && value.trim() === '') throw badRequest(`${field} is required`);
  if (value.length > MAX_ORG_TEXT) throw badRequest(`${field} must be at most ${MAX_ORG_TEXT} characters`);
}

/**
 * The org's full name is a display name (the portal's header, the cloudapi's `displayName`): it refuses controls,
 * bidi controls and invisible characters, as a user's full name does. Until 2026-12-05 `&#x202E;` was taken. The
 * description stays free text: it may hold line breaks.
 */
function validFullName(value: string): void {
  validText(value, 'FullName', true);
  const problem = displayNameProblem('FullName', value);
  if (problem) throw badRequest(problem);
}

/** Current settings with the sections the document carried; validated ranges come from the parser. */
function mergeSettings(current: OrgSettings, input: OrgInput): OrgSettings {
  // Drops fields left out (undefined), so they keep their current value; refuses numbers no setting takes.
  const check = (section: object) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(section)) {
      if (v === undefined) continue;
      if (typeof v === 'number' && (!Number.isInteger(v) || v < 0 || v > MAX_SETTING_INT)) throw badRequest(`${k} must be 0 or more`);
      out[k] = v;
    }
    return out;
  };
  return {
    general: input.general ? ({ ...current.general, ...check(input.general) } as OrgGeneralSettings) : current.general,
    vappLease: { ...current.vappLease, ...(check({ ...input.vappLease }) as Partial<VAppLeaseSettings>) },
    vappTemplateLease: { ...current.vappTemplateLease, ...(check({ ...input.vappTemplateLease }) as Partial<VAppTemplateLeaseSettings>) },
    ldapMode: 'NONE',
    passwordPolicy: { ...current.passwordPolicy, ...(check({ ...input.passwordPolicy }) as Partial<PasswordPolicySettings>) },
  };
}
