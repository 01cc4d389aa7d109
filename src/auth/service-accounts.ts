/**
 * Service accounts, VCD 10.4 semantics (vcd-wire §11), and what VCD leaves out (docs/service-accounts.md):
 *   register with software_id (an org's identity with a role named by `scope`)         -> CREATED
 *   device_authorization (RFC 8628; device code + user code)                            -> REQUESTED
 *   deviceLookup/grant by an administrator holding every right of the role              -> GRANTED
 *   device_code grant: the first refresh token and access token                         -> ACTIVE
 *   refresh_token grant: a new refresh token every time; the one used is spent
 *   revoke: every token and session ends                                                -> CREATED
 * A spent refresh token presented again means it was copied: the chain and every session end (RFC 9700
 * §4.14.2), except a retry of a lost answer within the grace window (auth/rotation-grace.ts).
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { isUniqueViolation } from '../store/constraint-errors.js';
import { NO_INVENTORY_WRITE, type Executor, type Store, type Org, type Role } from '../store/store.js';
import type { ServiceAccountTable, ServiceAccountTokenTable } from '../store/schema.js';
import type { Selectable } from 'kysely';
import { endsTooSoon, type AccessTokenService } from './access-tokens.js';
import type { RevocationView } from './revocation-view.js';
import type { IdentityCache } from './identity-cache.js';
import type { IdentityAdmin } from './identity-admin.js';
import type { AuditLog, AuditEventType } from './audit.js';
import type { Principal } from '../domain/principal.js';
import type { OAuthOrgPath } from './api-tokens.js';
import { HOLDER_REVOCATION, invalidGrant, MAX_TOKEN_NAME_LENGTH, sameClientId } from './api-tokens.js';
import type { PossessionRevocation, PossessionRevocationNote } from './api-tokens.js';
import { RotationGrace } from './rotation-grace.js';
import { assertSessionStands } from './session-stands.js';
import { TesseraError, badRequest, forbidden } from '../domain/errors.js';
import { can, hasProviderView, refusal } from '../domain/policy.js';
import { SYSTEM_ORG_ID, isSystemOrgName } from '../domain/rights.js';
import { apiTokenStart, generateApiToken, hashApiToken } from '../domain/api-token-format.js';
import { displayNameProblem, duplicateNameMessage, lookalikeOf } from '../domain/user-name.js';

export type ServiceAccountRow = Selectable<ServiceAccountTable>;
export type ServiceAccountTokenRow = Selectable<ServiceAccountTokenTable>;
export type ServiceAccountStatus = 'CREATED' | 'REQUESTED' | 'GRANTED' | 'ACTIVE';

/** RFC 8628 §6.1: a user code from 20 consonants, 8 characters (~34.6 bits), shown as XXXX-XXXX. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
/** How early a device-code poll may arrive and still count as waiting its interval (RFC 8628 §3.5's slow_down). */
export const POLL_TOLERANCE_MS = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_FIELD_LENGTH = 1024;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** User codes are typed by people: case, dashes and spaces do not count. */
export const normalizeUserCode = (code: string) => code.toUpperCase().replace(/[^A-Z]/g, '');

/** The status a client sees: DENIED is internal (it makes the device grant answer access_denied). */
export function visibleStatus(row: ServiceAccountRow, now = Date.now()): ServiceAccountStatus {
  if (row.status === 'DENIED' || authorizationEnded(row, now)) return 'CREATED';
  return row.status as ServiceAccountStatus;
}

/**
 * An ACTIVE account whose authorization reached the end its org's lifetime policy set at activation (or is in its
 * last second, when it could make no session: access-tokens.ts, SHORTEST_SESSION_MS).
 */
export function authorizationEnded(row: Pick<ServiceAccountRow, 'status' | 'authorized_until'>, now = Date.now()): boolean {
  return row.status === 'ACTIVE' && endsTooSoon(row.authorized_until === null ? null : Number(row.authorized_until), now);
}

export type TokenAnswer = {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
};

export class ServiceAccountService {
  private readonly store: Store;
  private readonly accessTokens: AccessTokenService;
  private readonly revocations: RevocationView;
  private readonly identities: IdentityCache;
  private readonly identityAdmin: IdentityAdmin;
  private readonly audit: AuditLog;
  readonly grace: RotationGrace;
  /** The lifetime limit of an org's new credentials: its policy within the installation's ceiling. */
  private readonly maxDaysFor: (org: Org) => number | null;

  constructor(deps: {
    store: Store;
    accessTokens: AccessTokenService;
    revocations: RevocationView;
    identities: IdentityCache;
    identityAdmin: IdentityAdmin;
    audit: AuditLog;
    graceSeconds: number;
    tokenPolicy?: { maxDaysFor(org: Org): number | null };
  }) {
    this.store = deps.store;
    this.accessTokens = deps.accessTokens;
    this.revocations = deps.revocations;
    this.identities = deps.identities;
    this.identityAdmin = deps.identityAdmin;
    this.audit = deps.audit;
    this.grace = new RotationGrace(deps.graceSeconds * 1000);
    this.maxDaysFor = deps.tokenPolicy ? (org) => deps.tokenPolicy!.maxDaysFor(org) : (org) => org.max_token_lifetime_days;
  }

  // ------------------------------------------------------------------ entity

  get(id: string): Promise<ServiceAccountRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return this.store.db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Missing and not visible are the same 403, as for tokens (vcd-wire §7). */
  async getVisible(principal: Principal, id: string): Promise<ServiceAccountRow> {
    const row = await this.get(id);
    if (!row || !can(principal, 'serviceAccount.view', { orgId: row.org_id })) throw forbidden();
    return row;
  }

  private async getManageable(principal: Principal, id: string): Promise<ServiceAccountRow> {
    const row = await this.getVisible(principal, id);
    if (!can(principal, 'serviceAccount.manage', { orgId: row.org_id })) throw refusal(principal, 'serviceAccount.manage');
    return row;
  }

  /** The accounts a list may show: one org's (the caller's, or the tenant context a provider names), or all. */
  async listVisible(principal: Principal, orgId: string | null): Promise<ServiceAccountRow[]> {
    if (orgId !== null && !can(principal, 'serviceAccount.view', { orgId })) throw forbidden();
    if (orgId === null && !can(principal, 'serviceAccount.view', { orgId: principal.orgId })) throw forbidden();
    let q = this.store.db.selectFrom('service_accounts').selectAll();
    if (orgId !== null) q = q.where('org_id', '=', orgId);
    else if (!hasProviderView(principal)) q = q.where('org_id', '=', principal.orgId);
    return q.orderBy('name_lower').orderBy('id').execute();
  }

  // ------------------------------------------------------------------ create, update, delete

  /** The org named by an /oauth path, or null (unknown, or System at a tenant path): callers answer as for not allowed. */
  private async orgOfPath(path: OAuthOrgPath): Promise<Org | null> {
    const org =
      path.kind === 'provider'
        ? await this.store.getOrg(SYSTEM_ORG_ID)
        : isSystemOrgName(path.orgName)
          ? undefined
          : await this.store.getOrgByName(path.orgName);
    return org ?? null;
  }

  /** `scope`: a role URN of the org, by id or by URL-encoded name (govcd builds `urn:vcloud:role:vApp%20Author`). */
  private async roleOfScope(scope: unknown, orgId: string): Promise<Role> {
    const m = typeof scope === 'string' ? /^urn:vcloud:role:(.+)$/.exec(scope.trim()) : null;
    if (!m) throw new TesseraError('invalid_request', 'scope must name a role of the organization: urn:vcloud:role:<id or name>');
    const ref = m[1]!;
    let role: Role | undefined;
    if (UUID.test(ref.toLowerCase())) role = await this.store.getRole(ref.toLowerCase());
    else {
      let name: string;
      try {
        name = decodeURIComponent(ref);
      } catch {
        throw new TesseraError('invalid_request', 'scope is not a valid role URN');
      }
      role = await this.store.getRoleByName(orgId, name);
    }
    if (!role || role.org_id !== orgId) throw new TesseraError('invalid_request', 'scope must name a role of the organization');
    return role;
  }

  async create(
    principal: Principal,
    path: OAuthOrgPath,
    input: { name: unknown; scope: unknown; softwareId: unknown; softwareVersion: unknown; clientUri: unknown },
    ip: string,
  ): Promise<{ row: ServiceAccountRow; role: Role }> {
    // An org that does not exist and one the caller may not manage in: the same refusal (no org-name oracle).
    const org = await this.orgOfPath(path);
    if (!org || !can(principal, 'serviceAccount.manage', { orgId: org.id })) throw refusal(principal, 'serviceAccount.manage');
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0) throw new TesseraError('invalid_request', 'client_name is required');
    if (name.length > MAX_TOKEN_NAME_LENGTH)
      throw new TesseraError('invalid_request', `client_name must be at most ${MAX_TOKEN_NAME_LENGTH} characters`);
    // Shown in lists, the portal and the audit trail: no controls, bidi controls or invisible characters (until
    // 2026-12-05 only C0 controls were refused here, and "evil\u202Egnp.exe" was a service account's name).
    const nameProblem = displayNameProblem('client_name', name);
    if (nameProblem) throw new TesseraError('invalid_request', nameProblem);
    const softwareId = typeof input.softwareId === 'string' ? input.softwareId.trim().toLowerCase() : '';
    if (!UUID.test(softwareId)) throw new TesseraError('invalid_request', 'software_id must be a UUID');
    const softwareVersion = optionalText(input.softwareVersion, 'software_version');
    const clientUri = optionalWebUri(input.clientUri, 'client_uri');
    const role = await this.roleOfScope(input.scope, org.id);
    // The account acts with the role: its creator must hold every right of it (identity-admin.ts).
    await this.identityAdmin.assertMayAssignRole(principal, role);
    // Any account of the org whose name would be read as this one (lookalikeOf): `Café` precomposed and decomposed,
    // `Ｃi` and `Ci` were two accounts drawn alike in the list until 2026-12-06.
    const others = await this.store.db.selectFrom('service_accounts').select(['id', 'name']).where('org_id', '=', org.id).execute();
    const lookalike = lookalikeOf(others, name);
    const taken = () => new TesseraError('invalid_request', `A service account named "${name}" exists in this organization`);
    if (lookalike) {
      if (lookalike.name.toLowerCase() === name.toLowerCase()) throw taken();
      throw new TesseraError('invalid_request', duplicateNameMessage('service account', name, lookalike.name));
    }
    const row: ServiceAccountRow = {
      id: randomUUID(),
      org_id: org.id,
      name,
      name_lower: name.toLowerCase(),
      software_id: softwareId,
      software_version: softwareVersion,
      client_uri: clientUri,
      role_id: role.id,
      status: 'CREATED',
      created_by: principal.userId,
      created_at: Date.now(),
      device_code_hash: null,
      user_code_hash: null,
      device_expires_at: null,
      device_interval: null,
      device_last_poll_at: null,
      granted_by: null,
      last_used_at: null,
      last_used_ips: '[]',
      authorized_until: null,
    };
    // Only for a session that still stands (session-stands.ts): until 2026-12-07 a stolen session, cut off on another
    // node a moment before, could still leave an account behind in its org, with its thief holding the client id.
    await this.store
      .transaction(async (trx) => {
        await assertSessionStands(this.store, trx, principal, { lock: false });
        await trx.insertInto('service_accounts').values(row).execute();
      })
      .catch((err: unknown) => {
        // Created by another request since the check: the same answer, not a 500.
        throw isUniqueViolation(err) ? taken() : err;
      });
    await this.record('serviceAccount.created', principal, row, ip, { name, role: role.name });
    return { row, role };
  }

  /** PUT: role, uri and software version change; name and status are read-only (VCD). */
  async update(
    principal: Principal,
    id: string,
    input: { roleId?: unknown; uri?: unknown; softwareId?: unknown; softwareVersion?: unknown },
    ip: string,
  ): Promise<ServiceAccountRow> {
    const row = await this.getManageable(principal, id);
    const patch: Partial<ServiceAccountRow> = {};
    if (input.roleId !== undefined && input.roleId !== null) {
      const m = typeof input.roleId === 'string' ? /^(?:urn:vcloud:role:)?([0-9a-f-]{36})$/i.exec(input.roleId) : null;
      const role = m ? await this.store.getRole(m[1]!.toLowerCase()) : undefined;
      if (!role || role.org_id !== row.org_id) throw badRequest("role must name a role of the service account's organization");
      if (role.id !== row.role_id) {
        await this.identityAdmin.assertMayAssignRole(principal, role);
        // Changing what the account may do is acting on it: the current role must be within reach as well.
        const current = await this.store.getRole(row.role_id);
        if (current) await this.identityAdmin.assertMayAssignRole(principal, current);
        patch.role_id = role.id;
      }
    }
    if (input.uri !== undefined) patch.client_uri = optionalWebUri(input.uri, 'uri', badRequest);
    // The software id may change, as VCD's PUT and Terraform's vcd_service_account (an in-place update) change it;
    // until 2026-12-06 it was ignored with a 200, and every plan after showed the change again. Null or absent keeps it.
    if (input.softwareId !== undefined && input.softwareId !== null) {
      const softwareId = typeof input.softwareId === 'string' ? input.softwareId.trim().toLowerCase() : '';
      if (!UUID.test(softwareId)) throw badRequest('softwareId must be a UUID');
      if (softwareId !== row.software_id) patch.software_id = softwareId;
    }
    if (input.softwareVersion !== undefined) patch.software_version = optionalText(input.softwareVersion, 'softwareVersion', badRequest);
    if (Object.keys(patch).length > 0) {
      // Only for a session that still stands (session-stands.ts): until 2026-12-06 a stolen session, cut off on another
      // node a moment before, could still raise the role of an account whose token its thief held.
      await this.store.transaction(async (trx) => {
        await assertSessionStands(this.store, trx, principal, { lock: false });
        await trx.updateTable('service_accounts').set(patch).where('id', '=', row.id).execute();
      });
      // The role is read per session from the identity cache: drop it so the next request sees the new one.
      this.identities.invalidate(row.id);
    }
    const updated = (await this.get(row.id))!;
    await this.record('serviceAccount.updated', principal, updated, ip, {
      roleId: updated.role_id,
      uri: updated.client_uri,
      softwareId: updated.software_id,
      softwareVersion: updated.software_version,
    });
    return updated;
  }

  async remove(principal: Principal, id: string, ip: string): Promise<void> {
    const row = await this.getManageable(principal, id);
    await this.endEverything(row, async (trx) => {
      await trx.deleteFrom('service_accounts').where('id', '=', row.id).execute();
    });
    await this.record('serviceAccount.deleted', principal, row, ip, { name: row.name });
  }

  /** `POST /serviceAccounts/{id}/revoke`: every token and session ends; the account is CREATED again. */
  async revoke(principal: Principal, id: string, ip: string): Promise<void> {
    const row = await this.getManageable(principal, id);
    // CREATED holds no token, session or pending request (every way into it ends them): a revoke has nothing to end,
    // answers as VCD's does (204), and records no revocation that did not happen (a second revoke audited another).
    if (row.status === 'CREATED') return;
    await this.endEverything(row);
    await this.record('serviceAccount.revoked', principal, row, ip, { name: row.name });
  }

  /**
   * Ends every refresh token and session of the account in one transaction (plus `extra`, e.g. the delete), and
   * tells every node: a user-level revocation on the account id ends every session issued before now.
   */
  private async endEverything(row: ServiceAccountRow, extra?: (trx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<void>) {
    const event = await this.store.transaction(async (trx) => {
      // The account's row first, then the time: a rotation or an activation that committed before this point has
      // its token revoked below and its session (stamped before its commit) ended; one that comes after finds the
      // account no longer ACTIVE. Until 2026-12-05, on PostgreSQL, a refresh racing a revoke or a reuse detection
      // kept a working session and a live token on an account answered as revoked.
      await lockAccount(this.store, trx, row.id);
      const now = Date.now();
      const relevantUntil = await this.accessTokens.recordedRevocationRelevantUntil(now, trx);
      await trx
        .updateTable('service_account_tokens')
        .set({ revoked_at: now })
        .where('service_account_id', '=', row.id)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('service_accounts')
        .set({
          status: 'CREATED',
          device_code_hash: null,
          user_code_hash: null,
          device_expires_at: null,
          device_interval: null,
          device_last_poll_at: null,
          granted_by: null,
          authorized_until: null,
        })
        .where('id', '=', row.id)
        .execute();
      const e = await this.store.recordRevocation(trx, 'user', row.id, now, relevantUntil);
      await extra?.(trx);
      return e;
    });
    await this.store.bus.committed(event);
    this.grace.forgetAccount(row.id);
    this.identities.invalidate(row.id);
  }

  // ------------------------------------------------------------------ the device flow (RFC 8628)

  /** `POST /oauth/.../device_authorization` with `client_id`: a new device code and user code. */
  async authorize(principal: Principal, path: OAuthOrgPath, clientId: unknown, verificationUri: string, ip: string) {
    if (typeof clientId !== 'string' || !UUID.test(clientId)) {
      throw new TesseraError('invalid_request', "client_id must be the service account's client_id");
    }
    const org = await this.orgOfPath(path);
    const row = await this.get(clientId);
    // An unknown client, another org's, or one the caller may not manage, at an org that exists or not: the same
    // answer (until 2026-12-05 an org that does not exist was a 403, telling any signed-in user which orgs exist).
    if (!org || !row || row.org_id !== org.id || !can(principal, 'serviceAccount.manage', { orgId: row.org_id })) {
      throw new TesseraError('invalid_client', 'Unknown client_id');
    }
    if (row.status === 'ACTIVE' && !authorizationEnded(row)) {
      throw new TesseraError('invalid_request', 'The service account is active; revoke it before authorizing it again');
    }
    // Whoever starts the flow receives the account's credential (the device code): they must hold every right of its
    // role, as whoever creates or grants it must. Until 2026-12-05 a manager short of the role's rights could start it
    // and have an administrator grant the user code shown to them.
    const role = await this.store.getRole(row.role_id);
    if (!role) throw forbidden();
    await this.identityAdmin.assertMayAssignRole(principal, role);
    const deviceCode = randomBytes(32).toString('base64url');
    const userCode = Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    // One chain at a time. Under the account's lock: the status is read again (an activation may have committed since
    // the read above), and any chain left (an authorization whose lifetime ended, which a refresh has not ended yet)
    // ends in the same transaction that starts the new request, its sessions with it. Until 2026-12-05 the status was
    // checked on the earlier read and the update took no lock: on PostgreSQL a device-code grant committing between
    // them left its chain live, and it worked again beside the next one once that was granted.
    const event = await this.store.transaction(async (trx) => {
      const current = await lockAccount(this.store, trx, row.id);
      // The device code is a credential for whoever holds it: a session ended meanwhile (a password change or "end all
      // sessions" on another node, which this node's bearer check had not heard of) starts nothing. Until 2026-12-06 a
      // stolen session the owner had just cut off could still start the flow. Read, not locked: the cut-off does not
      // undo an authorization, so there is nothing to take turns over, and the account's row is locked first.
      await assertSessionStands(this.store, trx, principal, { lock: false });
      const now = Date.now();
      if (!current) throw new TesseraError('invalid_client', 'Unknown client_id');
      if (current.status === 'ACTIVE' && !authorizationEnded(current, now)) {
        throw new TesseraError('invalid_request', 'The service account is active; revoke it before authorizing it again');
      }
      const ended = await trx
        .updateTable('service_account_tokens')
        .set({ revoked_at: now })
        .where('service_account_id', '=', row.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      await trx
        .updateTable('service_accounts')
        .set({
          status: 'REQUESTED',
          device_code_hash: sha256(deviceCode),
          user_code_hash: sha256(userCode),
          device_expires_at: now + DEVICE_CODE_TTL_SECONDS * 1000,
          device_interval: DEVICE_POLL_INTERVAL_SECONDS,
          device_last_poll_at: null,
          granted_by: null,
          authorized_until: null,
        })
        .where('id', '=', row.id)
        .execute();
      const hadChain = Number(ended.numUpdatedRows) > 0 || current.status === 'ACTIVE';
      if (!hadChain) return null;
      return this.store.recordRevocation(trx, 'user', row.id, now, await this.accessTokens.recordedRevocationRelevantUntil(now, trx));
    });
    if (event) {
      await this.store.bus.committed(event);
      this.grace.forgetAccount(row.id);
      this.identities.invalidate(row.id);
    }
    await this.record('serviceAccount.authorizationRequested', principal, row, ip, { name: row.name });
    return {
      device_code: deviceCode,
      user_code: `${userCode.slice(0, 4)}-${userCode.slice(4)}`,
      verification_uri: verificationUri,
      expires_in: DEVICE_CODE_TTL_SECONDS,
      interval: DEVICE_POLL_INTERVAL_SECONDS,
    };
  }

  /** The pending request a user code names in `orgId`, or null (unknown, expired, already decided). */
  async pendingByUserCode(orgId: string, userCode: unknown): Promise<ServiceAccountRow | null> {
    if (typeof userCode !== 'string') return null;
    const normalized = normalizeUserCode(userCode);
    if (normalized.length !== 8) return null;
    const row = await this.store.db
      .selectFrom('service_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('user_code_hash', '=', sha256(normalized))
      .executeTakeFirst();
    if (!row || row.status !== 'REQUESTED' || row.device_expires_at === null || Number(row.device_expires_at) <= Date.now()) return null;
    return row;
  }

  /**
   * `POST /cloudapi/1.0.0/deviceLookup/grant` (or `/deny`) in the org the request acts in. Granting hands the
   * account's role to a credential, so the granter must hold every right of it, as its creator had to.
   */
  async decide(principal: Principal, orgId: string, userCode: unknown, grant: boolean, ip: string): Promise<void> {
    if (!can(principal, 'serviceAccount.manage', { orgId })) throw refusal(principal, 'serviceAccount.manage');
    if (typeof userCode !== 'string' || userCode.trim() === '') throw badRequest('userCode is required');
    const row = await this.pendingByUserCode(orgId, userCode);
    if (!row) throw badRequest('No pending authorization request has this user code (unknown, expired or already decided)');
    if (grant) {
      const role = await this.store.getRole(row.role_id);
      if (!role) throw forbidden();
      await this.identityAdmin.assertMayAssignRole(principal, role);
    }
    // A grant hands the account's role to whoever holds the device code: a session ended meanwhile (see
    // session-stands.ts) grants nothing. Until 2026-12-06 a stolen session, cut off by its owner on another node a
    // moment before, still granted its own pending request.
    const result = await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, principal, { lock: false });
      return trx
        .updateTable('service_accounts')
        .set(grant ? { status: 'GRANTED', granted_by: principal.userId } : { status: 'DENIED', granted_by: null })
        .where('id', '=', row.id)
        .where('status', '=', 'REQUESTED')
        .where('user_code_hash', '=', row.user_code_hash)
        .executeTakeFirst();
    });
    if (Number(result.numUpdatedRows) !== 1) throw badRequest('The request was decided meanwhile');
    await this.record(grant ? 'serviceAccount.granted' : 'serviceAccount.denied', principal, row, ip, { name: row.name });
  }

  /**
   * `grant_type=urn:ietf:params:oauth:grant-type:device_code`: the errors of RFC 8628 §3.5 while the request is
   * undecided, then, once granted, the first refresh token (exactly once: the device code is consumed).
   */
  async deviceCodeGrant(path: OAuthOrgPath, clientId: unknown, deviceCode: unknown, ip: string): Promise<TokenAnswer> {
    if (typeof clientId !== 'string' || !UUID.test(clientId)) throw new TesseraError('invalid_request', 'client_id is required');
    if (typeof deviceCode !== 'string' || deviceCode.length === 0 || deviceCode.length > 256) {
      throw new TesseraError('invalid_request', 'device_code is required');
    }
    await this.requireRevocationState();
    const row = await this.get(clientId);
    const hash = sha256(deviceCode);
    const bad = () => new TesseraError('invalid_grant', 'Invalid device code');
    if (!row || row.device_code_hash === null || !sameHash(row.device_code_hash, hash)) throw bad();
    const org = await this.store.getOrg(row.org_id);
    if (!org || !pathMatches(path, org)) throw bad();
    const now = Date.now();
    if (row.device_expires_at === null || Number(row.device_expires_at) <= now) {
      throw new TesseraError('expired_token', 'The device code has expired; start again with device_authorization');
    }
    if (row.status === 'DENIED') throw new TesseraError('access_denied', 'An administrator denied the authorization request');
    if (row.status === 'REQUESTED') {
      const interval = Number(row.device_interval ?? DEVICE_POLL_INTERVAL_SECONDS);
      // A poll up to POLL_TOLERANCE_MS early is on time: a client polling on a ticker at exactly `interval`
      // (golang.org/x/oauth2) arrives a few ms either side of it, and slow_down then grew its interval for good.
      const tooSoon = row.device_last_poll_at !== null && now - Number(row.device_last_poll_at) < interval * 1000 - POLL_TOLERANCE_MS;
      // RFC 8628 §3.5: after slow_down the interval grows by 5 seconds for every later request.
      await this.store.db
        .updateTable('service_accounts')
        .set({ device_last_poll_at: now, ...(tooSoon ? { device_interval: interval + 5 } : {}) })
        .where('id', '=', row.id)
        .execute();
      if (tooSoon) throw new TesseraError('slow_down', `Polling too fast: wait at least ${interval + 5} seconds between requests`);
      throw new TesseraError('authorization_pending', 'The authorization request has not been granted yet');
    }
    if (row.status !== 'GRANTED') throw bad();
    const token = generateApiToken();
    // The org's lifetime policy bounds the whole chain from now: rotation hands on this end, never extends it.
    const maxDays = this.maxDaysFor(org);
    const authorizedUntil = maxDays === null ? null : now + maxDays * 86_400_000;
    const activated = await this.store.transaction(async (trx) => {
      await lockAccount(this.store, trx, row.id);
      const result = await trx
        .updateTable('service_accounts')
        .set({
          status: 'ACTIVE',
          device_code_hash: null,
          user_code_hash: null,
          device_expires_at: null,
          device_last_poll_at: null,
          last_used_at: now,
          last_used_ips: JSON.stringify([ip]),
          authorized_until: authorizedUntil,
        })
        .where('id', '=', row.id)
        .where('status', '=', 'GRANTED')
        .where('device_code_hash', '=', hash)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('service_account_tokens')
        .values(this.tokenRow(row.id, token, now, ip))
        .execute();
      return true;
    }, NO_INVENTORY_WRITE);
    if (!activated) throw bad();
    const access = await this.mintAccess({ ...row, authorized_until: authorizedUntil }, now);
    await this.audit.record({
      type: 'serviceAccount.activated',
      org: { id: org.id, name: org.name },
      tokenId: row.id,
      ip,
      details: { name: row.name, authorizedUntil: authorizedUntil === null ? null : new Date(authorizedUntil).toISOString() },
    });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, refresh_token: token };
  }

  // ------------------------------------------------------------------ rotation

  /**
   * The refresh_token grant for a service-account token, or null when `hash` is no service account's (the
   * caller then answers as for any unknown token). Every success spends the presented token and returns a new
   * one. A spent token is a retry within the grace window (same address), or else a copy: the chain ends.
   */
  /**
   * RFC 6749 §6, as for user API tokens (api-tokens.ts, checkRequestedScope): a refresh may name the account's own
   * scope, its role (by id or by name, as at registration), and nothing else. Refused before the token is spent;
   * until 2026-12-05 a foreign scope was ignored, the token rotated and the client told it had what it asked for.
   */
  private async checkRequestedScope(requested: string, account: ServiceAccountRow): Promise<void> {
    const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))];
    for (const scope of asked) {
      const role = await this.roleOfScope(scope, account.org_id).catch(() => null);
      if (role?.id !== account.role_id) {
        throw new TesseraError(
          'invalid_scope',
          `This service account's scope is its role, urn:vcloud:role:${account.role_id}: leave scope out, or name that role ` +
            '(urn:vcloud:role:<its id> or urn:vcloud:role:<its name, URL-encoded>)',
        );
      }
    }
  }

  async exchange(path: OAuthOrgPath, hash: string, ip: string, requestedScope?: string, clientId?: string): Promise<TokenAnswer | null> {
    const token = await this.store.db.selectFrom('service_account_tokens').selectAll().where('secret_hash', '=', hash).executeTakeFirst();
    if (!token || !sameHash(token.secret_hash, hash)) return null;
    const account = await this.get(token.service_account_id);
    if (!account) throw invalidGrant();
    const org = await this.store.getOrg(account.org_id);
    if (!org) throw invalidGrant();
    const refuse = (reason: string) => {
      // Coalesced per account and reason, as user-token refusals are: a retrying script cannot grow the store.
      this.audit.refused({
        type: 'serviceAccount.refused',
        outcome: 'failure',
        actor: { id: account.id, name: account.name },
        org: { id: org.id, name: org.name },
        tokenId: account.id,
        ip,
        details: { grant: 'refresh_token', reason },
      });
      return invalidGrant();
    };
    if (token.revoked_at !== null) throw refuse('revoked');
    // A chain lives only while its account is ACTIVE (a new authorization under way is not it).
    if (account.status !== 'ACTIVE') throw refuse('not active');
    // A wrong endpoint spends nothing: CPI and CAPVCD try /oauth/provider first and fall back (vcd-wire §5.1).
    if (!pathMatches(path, org)) throw refuse('wrong org endpoint');
    // Presented as another client's (RFC 6749 §6): refused before anything is spent, as a wrong endpoint is.
    if (clientId !== undefined && !sameClientId(clientId, account.id, 'serviceAccount')) throw refuse('another client_id');
    if (org.is_enabled !== 1) throw refuse('organization disabled');
    if (requestedScope !== undefined) await this.checkRequestedScope(requestedScope, account);
    const now = Date.now();
    if (authorizationEnded(account, now)) {
      // Past the end fixed at activation: the chain ends here (status CREATED), as a revoke would end it. Once: of
      // concurrent refreshes past the end, the one whose conditional write claims it ends and audits; the value
      // it writes (0) is still past, so no refresh can slip through before the chain is revoked.
      const claimed = await this.store.db
        .updateTable('service_accounts')
        .set({ authorized_until: 0 })
        .where('id', '=', account.id)
        .where('status', '=', 'ACTIVE')
        .where('authorized_until', '=', Number(account.authorized_until))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw refuse('authorization ended');
      await this.endEverything(account);
      await this.audit.record({
        type: 'serviceAccount.expired',
        outcome: 'failure',
        actor: { id: account.id, name: account.name },
        org: { id: org.id, name: org.name },
        tokenId: account.id,
        ip,
        details: { name: account.name, authorizedUntil: new Date(Number(account.authorized_until)).toISOString() },
      });
      throw invalidGrant();
    }
    if (token.spent_at !== null) return this.presentedAgain(token, account, org, ip);

    const next = generateApiToken();
    const nextRow = this.tokenRow(account.id, next, now, ip);
    const rotated = await this.store.transaction(async (trx) => {
      // The account as of now, locked against a concurrent revoke, reuse detection or expiry (endEverything).
      const current = await lockAccount(this.store, trx, account.id);
      if (!current || current.status !== 'ACTIVE' || authorizationEnded(current, now)) return 'inactive' as const;
      // Conditional: of two concurrent uses of one token, exactly one rotates; the other sees it spent.
      const spent = await trx
        .updateTable('service_account_tokens')
        .set({ spent_at: now, spent_ip: ip, successor_id: nextRow.id })
        .where('id', '=', token.id)
        .where('spent_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await trx.insertInto('service_account_tokens').values(nextRow).execute();
      // Rotation writes anyway, so last use is written with it (no coalescing needed).
      const ips = [ip, ...parseIps(account.last_used_ips).filter((x) => x !== ip)].slice(0, 5);
      await trx
        .updateTable('service_accounts')
        .set({ last_used_at: now, last_used_ips: JSON.stringify(ips) })
        .where('id', '=', account.id)
        .execute();
      return true;
    }, NO_INVENTORY_WRITE);
    if (rotated === 'inactive') throw refuse('not active');
    if (!rotated) {
      const again = await this.store.db.selectFrom('service_account_tokens').selectAll().where('id', '=', token.id).executeTakeFirst();
      if (!again || again.revoked_at !== null) throw refuse('revoked');
      return this.presentedAgain(again, account, org, ip);
    }
    this.grace.remember(token.id, { serviceAccountId: account.id, successorId: nextRow.id, successor: next, ip, at: now });
    // Stamped with the time read before the rotation committed: a revocation that locked the account after it ends it.
    const access = await this.mintAccess(account, now);
    this.audit.exchanged(
      { tokenId: account.id, actor: { id: account.id, name: account.name }, org: { id: org.id, name: org.name }, ip },
      'serviceAccount.exchanged',
    );
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, refresh_token: next };
  }

  /** A spent token again: the retry of a lost answer, or reuse (RFC 9700 §4.14.2). */
  private async presentedAgain(token: ServiceAccountTokenRow, account: ServiceAccountRow, org: Org, ip: string): Promise<TokenAnswer> {
    const withinWindow = token.spent_at !== null && Date.now() - Number(token.spent_at) <= this.grace.windowMs;
    if (withinWindow && token.spent_ip === ip && token.successor_id !== null) {
      const successorId = token.successor_id;
      // The successor read under the account's lock, and the session's time taken there, as a rotation does: a revoke
      // or a reuse detection holding the lock commits first (the successor is then revoked, the account not ACTIVE),
      // or takes its time after this one and so ends this session. Until 2026-12-05 this read took no lock, and on
      // PostgreSQL a retry racing a revoke was issued a session stamped after the revocation's time: it outlived it.
      const found = await this.store.transaction(async (trx) => {
        const current = await lockAccount(this.store, trx, account.id);
        const at = Date.now();
        if (!current || current.status !== 'ACTIVE' || authorizationEnded(current, at)) return { active: false, live: false, at };
        const successor = await trx
          .selectFrom('service_account_tokens')
          .select(['spent_at', 'revoked_at'])
          .where('id', '=', successorId)
          .executeTakeFirst();
        return { active: true, live: successor !== undefined && successor.spent_at === null && successor.revoked_at === null, at };
      }, NO_INVENTORY_WRITE);
      // Revoked (or ended) meanwhile: the chain is over, and a retry is not a copy. Refused, nothing more to end.
      if (!found.active) throw invalidGrant();
      const now = found.at;
      // Only while the successor is unused: a client that already used it has lost nothing.
      if (found.live) {
        const issued = this.grace.recall(token.id, now);
        if (issued && issued.successorId === token.successor_id) {
          // Stamped with when the successor was found live: a revoke after that read ends this session too.
          const access = await this.mintAccess(account, now);
          this.audit.recordDetached({
            type: 'serviceAccount.retried',
            actor: { id: account.id, name: account.name },
            org: { id: org.id, name: org.name },
            tokenId: account.id,
            ip,
            details: { note: 'a spent refresh token within the grace window: the same successor again' },
          });
          return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, refresh_token: issued.successor };
        }
        // Another node issued the successor and only it knows the plaintext: a retry, not theft; no revocation.
        throw new TesseraError(
          'invalid_grant',
          'Invalid refresh token: it was used moments ago and a new one was issued; use the refresh_token of that answer (retrying against the same server node returns it again)',
        );
      }
    }
    await this.endEverything(account);
    await this.audit.record({
      type: 'serviceAccount.tokenReuse',
      outcome: 'failure',
      actor: { id: account.id, name: account.name },
      org: { id: org.id, name: org.name },
      tokenId: account.id,
      ip,
      details: {
        name: account.name,
        spentAt: Number(token.spent_at),
        spentFrom: token.spent_ip,
        action: 'every refresh token and session of the service account revoked; it must be authorized again',
      },
    });
    throw invalidGrant();
  }

  /**
   * RFC 7009 by possession: a service-account token ends its whole chain. 'unknown' when `hash` is none of ours;
   * 'alreadyRevoked' when its account is gone or the token was revoked. `note` says who revoked it (ApiTokenService).
   */
  async revokeByPossession(hash: string, ip: string, note: PossessionRevocationNote = HOLDER_REVOCATION): Promise<PossessionRevocation> {
    const token = await this.store.db.selectFrom('service_account_tokens').selectAll().where('secret_hash', '=', hash).executeTakeFirst();
    if (!token) return 'unknown';
    const account = await this.get(token.service_account_id);
    if (!account || token.revoked_at !== null) return 'alreadyRevoked';
    await this.endEverything(account);
    const org = await this.store.getOrg(account.org_id);
    // A spent (rotated-away) token ends the live chain here too, as its reuse at the token endpoint does: whoever holds
    // an old token of the chain may hold the live one. It is audited as reuse, the signal administrators watch for a
    // leaked token; until 2026-12-05 it read as a plain revocation by the token's holder.
    const spent = token.spent_at !== null;
    await this.audit.record({
      type: spent ? 'serviceAccount.tokenReuse' : 'serviceAccount.revoked',
      ...(spent ? { outcome: 'failure' as const } : {}),
      actor: null,
      org: org ? { id: org.id, name: org.name } : null,
      tokenId: account.id,
      ip,
      details: {
        name: account.name,
        ...note.details,
        via: note.via,
        ...(spent
          ? {
              spentAt: Number(token.spent_at),
              spentFrom: token.spent_ip,
              action: 'every refresh token and session of the service account revoked; it must be authorized again',
            }
          : {}),
      },
    });
    return 'revoked';
  }

  /** The live refresh token of an account (for introspection and listing), if any. */
  async liveToken(hash: string): Promise<{ token: ServiceAccountTokenRow; account: ServiceAccountRow } | null> {
    const token = await this.store.db.selectFrom('service_account_tokens').selectAll().where('secret_hash', '=', hash).executeTakeFirst();
    if (!token || token.spent_at !== null || token.revoked_at !== null) return null;
    const account = await this.get(token.service_account_id);
    return account && !authorizationEnded(account) ? { token, account } : null;
  }

  // ------------------------------------------------------------------ helpers

  private tokenRow(accountId: string, token: string, now: number, ip: string): ServiceAccountTokenRow {
    return {
      id: randomUUID(),
      service_account_id: accountId,
      secret_hash: hashApiToken(token),
      token_start: apiTokenStart(token),
      created_at: now,
      created_ip: ip,
      spent_at: null,
      spent_ip: null,
      successor_id: null,
      revoked_at: null,
    };
  }

  /**
   * A session never outlives the authorization it comes from. `credentialsReadAt`: when the account was found live
   * (before the write that rotated or activated it committed), so that a revocation after that write ends it.
   */
  private mintAccess(account: ServiceAccountRow, credentialsReadAt?: number) {
    return this.accessTokens.mint({
      userId: account.id,
      orgId: account.org_id,
      kind: 'service_account',
      apiTokenId: null,
      notAfterMs: account.authorized_until === null ? null : Number(account.authorized_until),
      ...(credentialsReadAt === undefined ? {} : { credentialsReadAt }),
    });
  }

  private async requireRevocationState(): Promise<void> {
    const ready = this.revocations.ready();
    if (ready !== true && !(await ready)) {
      throw new TesseraError('SERVICE_UNAVAILABLE', 'Revocation state is unavailable; retry shortly', { headers: { 'Retry-After': '5' } });
    }
  }

  private async record(type: AuditEventType, actor: Principal, row: ServiceAccountRow, ip: string, details: Record<string, string | null>) {
    const orgName = row.org_id === actor.orgId ? actor.orgName : ((await this.store.getOrg(row.org_id))?.name ?? '');
    await this.audit.record({
      type,
      actor: { id: actor.userId, name: actor.userName },
      org: { id: row.org_id, name: orgName },
      tokenId: row.id,
      ip,
      details: { serviceAccount: row.id, ...details },
    });
  }
}

function pathMatches(path: OAuthOrgPath, org: { id: string; name: string }): boolean {
  if (path.kind === 'provider') return org.id === SYSTEM_ORG_ID;
  return !isSystemOrgName(path.orgName) && path.orgName.toLowerCase() === org.name.toLowerCase();
}

/**
 * RFC 7591's `client_uri`, "a web page providing information about the client": text with no scheme (Terraform's
 * examples write `example.com`, and VCD keeps it) or an http(s) URL. Any other scheme is refused: until 2026-12-05
 * `javascript:alert(1)` was kept, for the portal and every API client to show. A host with a port (`example.com:8443`)
 * is not a scheme.
 */
const OTHER_SCHEME = /^(?!https?:)[a-z][a-z0-9+.-]*:(?!\d)/i;

function optionalWebUri(
  value: unknown,
  field: string,
  error: (m: string) => TesseraError = (m) => new TesseraError('invalid_request', m),
): string | null {
  const text = optionalText(value, field, error);
  if (text !== null && OTHER_SCHEME.test(text.trim())) throw error(`${field} must be a web address (http or https)`);
  return text;
}

function optionalText(
  value: unknown,
  field: string,
  error: (m: string) => TesseraError = (m) => new TesseraError('invalid_request', m),
): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw error(`${field} must be a string`);
  if (value.length > MAX_FIELD_LENGTH) throw error(`${field} must be at most ${MAX_FIELD_LENGTH} characters`);
  const problem = displayNameProblem(field, value);
  if (problem) throw error(problem);
  return value;
}

function parseIps(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The account's status and authorization end, its row locked until the transaction ends on PostgreSQL (SQLite's
 * single writer already serializes write transactions): revoking, ending on reuse or expiry, rotating and
 * activating take their turns on it.
 */
async function lockAccount(store: Store, trx: Executor, id: string) {
  const query = trx.selectFrom('service_accounts').select(['status', 'authorized_until']).where('id', '=', id);
  return (store.dialect === 'postgres' ? query.forNoKeyUpdate() : query).executeTakeFirst();
}
