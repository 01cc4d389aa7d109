/**
 * An org's API-token lifetime policy (a Tessera extension): the longest lifetime a new API token may be given,
 * in days, or null for no limit (VCD's default: tokens never expire). With a limit, a token created without an
 * expiry gets one at the limit and a later expiry is refused (GitHub's and GitLab's org lifetime policies);
 * existing tokens keep their expiry. The installation may set a ceiling (`TESSERA_MAX_TOKEN_LIFETIME_DAYS`) that every
 * org's policy stays within: an org's administrator may set a shorter limit, never a longer one nor none, so a
 * provider's rule for its tenants holds (until 2026-12-06 an org administrator could lift a limit the System
 * administrator had set on the org). One service for every edge: the cloudapi's
 * `/cloudapi/1.0.0/orgs/{id}/apiTokenPolicy` and the portal's Administration > API Token Policy.
 *
 * The policy's second limit, `maxIdleDays`, revokes a token not used for that many days (auth/idle-tokens.ts;
 * GitHub removes tokens unused for a year, Keycloak ends offline sessions idle for 30 days): a token forgotten in
 * an old script or a leaked copy nobody uses stops being a standing credential. It has its ceiling too
 * (`TESSERA_MAX_TOKEN_IDLE_DAYS`), and unlike the lifetime it applies to existing tokens: it is about what a token
 * does from now on, not about the date it was given.
 *
 * Reading needs "Organization: View" in reach; changing needs "Organization: Edit Properties" from a password
 * session (policy `apiTokenPolicy.manage`). Changes are audited.
 */
import type { Org, Store } from '../store/store.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { badRequest, forbidden } from '../domain/errors.js';
import { can } from '../domain/policy.js';
import { assertSessionStands } from './session-stands.js';

export const MAX_POLICY_DAYS = 3650;

export interface ApiTokenPolicy {
  /** The org's own limit. */
  readonly maxLifetimeDays: number | null;
  /** The installation's ceiling over every org's limit (null: none). */
  readonly installationMaxLifetimeDays: number | null;
  /** The org's own "revoke when unused for" limit, in days (null: none). */
  readonly maxIdleDays: number | null;
  /** The installation's ceiling over every org's idle limit (null: none). */
  readonly installationMaxIdleDays: number | null;
}

/** A change of the policy: a field left out keeps its value (a client written before `maxIdleDays` existed). */
export interface ApiTokenPolicyChange {
  readonly maxLifetimeDays?: unknown;
  readonly maxIdleDays?: unknown;
}

/** The limit on an org's new tokens: the lower of the org's policy and the installation's ceiling (null: none). */
export function effectiveMaxDays(orgDays: number | null, ceiling: number | null): number | null {
  if (orgDays === null) return ceiling;
  return ceiling === null ? orgDays : Math.min(orgDays, ceiling);
}

/** Whether a value is a lifetime the policy takes: a whole number of days from 1 to MAX_POLICY_DAYS, or null. */
export function isPolicyDays(days: unknown): days is number | null {
  return days === null || (typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= MAX_POLICY_DAYS);
}

export class ApiTokenPolicyService {
  private readonly store: Store;
  private readonly audit: AuditLog;
  /** The installation's ceiling (config maxTokenLifetimeDays), or null. */
  readonly ceiling: number | null;
  /** The installation's ceiling on idle days (config maxTokenIdleDays), or null. */
  readonly idleCeiling: number | null;
  /** Told of an org whose idle limit was just set or lowered (auth/idle-tokens.ts sweeps it at once). */
  private readonly idleLimitLowered: Array<(orgId: string) => Promise<unknown>> = [];

  constructor(deps: { store: Store; audit: AuditLog; ceiling?: number | null; idleCeiling?: number | null }) {
    this.store = deps.store;
    this.audit = deps.audit;
    this.ceiling = deps.ceiling ?? null;
    this.idleCeiling = deps.idleCeiling ?? null;
  }

  /** Runs `listener` after a change sets or lowers an org's idle limit, before the change is answered. */
  onIdleLimitLowered(listener: (orgId: string) => Promise<unknown>): void {
    this.idleLimitLowered.push(listener);
  }

  /** The limit that applies to the org's new tokens (its policy within the ceiling), in days, or null for none. */
  maxDaysFor(org: Pick<Org, 'max_token_lifetime_days'> | undefined): number | null {
    return effectiveMaxDays(org?.max_token_lifetime_days ?? null, this.ceiling);
  }

  /** How many days the org's tokens may go unused before they are revoked (its policy within the ceiling), or null. */
  idleDaysFor(org: Pick<Org, 'max_token_idle_days'> | undefined): number | null {
    return effectiveMaxDays(org?.max_token_idle_days ?? null, this.idleCeiling);
  }

  /** The org's policy; 403 (as for a missing org) when the principal may not read the org. */
  read(principal: Principal, org: Org): ApiTokenPolicy {
    if (!can(principal, 'org.view', { orgId: org.id })) throw forbidden();
    return this.policyOf(org.max_token_lifetime_days, org.max_token_idle_days);
  }

  mayChange(principal: Principal, orgId: string): boolean {
    return can(principal, 'apiTokenPolicy.manage', { orgId });
  }

  /** Which field of a change the service would refuse (the lifetime's first), or null when it takes both. */
  problemWith(change: ApiTokenPolicyChange, org: Org): 'maxLifetimeDays' | 'maxIdleDays' | null {
    const { days, idleDays } = this.changed(change, org);
    if (daysProblem('maxLifetimeDays', days, this.ceiling, LIFETIME_CEILING) !== null) return 'maxLifetimeDays';
    if (daysProblem('maxIdleDays', idleDays, this.idleCeiling, IDLE_CEILING) !== null) return 'maxIdleDays';
    return null;
  }

  async change(principal: Principal, org: Org, change: ApiTokenPolicyChange, ip: string | null): Promise<ApiTokenPolicy> {
    this.read(principal, org);
    if (!this.mayChange(principal, org.id)) throw forbidden();
    const { days, idleDays } = this.changed(change, org);
    const problem =
      daysProblem('maxLifetimeDays', days, this.ceiling, LIFETIME_CEILING) ??
      daysProblem('maxIdleDays', idleDays, this.idleCeiling, IDLE_CEILING);
    if (problem !== null || !isPolicyDays(days) || !isPolicyDays(idleDays)) throw badRequest(problem ?? 'Invalid policy');
    // Only for a session that still stands (session-stands.ts): until 2026-12-07 an administrator's stolen session, cut
    // off on another node a moment before, could still lift the org's lifetime and idle caps on API tokens.
    await this.store.transaction(async (trx) => {
      await assertSessionStands(this.store, trx, principal, { lock: false });
      await this.store.updateOrg(org.id, { max_token_lifetime_days: days, max_token_idle_days: idleDays }, trx);
    });
    await this.audit.record({
      type: 'org.tokenPolicyChanged',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: org.id, name: org.name },
      ip,
      details: {
        orgId: org.id,
        previousMaxLifetimeDays: org.max_token_lifetime_days,
        maxLifetimeDays: days,
        previousMaxIdleDays: org.max_token_idle_days,
        maxIdleDays: idleDays,
      },
    });
    // Tokens already unused past a limit just set or lowered stop now, not at the next hourly sweep.
    const before = this.idleDaysFor(org);
    const after = this.idleDaysFor({ max_token_idle_days: idleDays });
    if (after !== null && (before === null || after < before)) {
      for (const listener of this.idleLimitLowered) {
        // The change is made: a sweep that fails here (the store busy) is the next hourly sweep's to do.
        await listener(org.id).catch(() => undefined);
      }
    }
    return this.policyOf(days, idleDays);
  }

  /** The values after a change: a field left out keeps the org's. */
  private changed(change: ApiTokenPolicyChange, org: Org): { days: unknown; idleDays: unknown } {
    return {
      days: 'maxLifetimeDays' in change ? change.maxLifetimeDays : org.max_token_lifetime_days,
      idleDays: 'maxIdleDays' in change ? change.maxIdleDays : org.max_token_idle_days,
    };
  }

  private policyOf(maxLifetimeDays: number | null, maxIdleDays: number | null): ApiTokenPolicy {
    return {
      maxLifetimeDays,
      installationMaxLifetimeDays: this.ceiling,
      maxIdleDays,
      installationMaxIdleDays: this.idleCeiling,
    };
  }
}

const LIFETIME_CEILING = { setting: 'TESSERA_MAX_TOKEN_LIFETIME_DAYS', allows: 'API tokens at most' };
const IDLE_CEILING = { setting: 'TESSERA_MAX_TOKEN_IDLE_DAYS', allows: 'API tokens unused for at most' };

/** Why `days` is not a value the policy takes within the installation's ceiling, in the API's words; null if it is. */
function daysProblem(field: string, days: unknown, ceiling: number | null, words: { setting: string; allows: string }): string | null {
  if (!isPolicyDays(days)) return `${field} must be a whole number from 1 to ${MAX_POLICY_DAYS}, or null for no limit`;
  if (ceiling !== null && (days === null || days > ceiling)) {
    return `This installation allows ${words.allows} ${ceiling} days (${words.setting}): ${field} must be a whole number from 1 to ${ceiling}`;
  }
  return null;
}
