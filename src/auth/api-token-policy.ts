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
 * Reading needs "Organization: View" in reach; changing needs "Organization: Edit Properties" from a password
 * session (policy `apiTokenPolicy.manage`). Changes are audited.
 */
import type { Org, Store } from '../store/store.js';
import type { AuditLog } from './audit.js';
import type { Principal } from '../domain/principal.js';
import { badRequest, forbidden } from '../domain/errors.js';
import { can } from '../domain/policy.js';

export const MAX_POLICY_DAYS = 3650;

export interface ApiTokenPolicy {
  /** The org's own limit. */
  readonly maxLifetimeDays: number | null;
  /** The installation's ceiling over every org's limit (null: none). */
  readonly installationMaxLifetimeDays: number | null;
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

  constructor(deps: { store: Store; audit: AuditLog; ceiling?: number | null }) {
    this.store = deps.store;
    this.audit = deps.audit;
    this.ceiling = deps.ceiling ?? null;
  }

  /** The limit that applies to the org's new tokens (its policy within the ceiling), in days, or null for none. */
  maxDaysFor(org: Pick<Org, 'max_token_lifetime_days'> | undefined): number | null {
    return effectiveMaxDays(org?.max_token_lifetime_days ?? null, this.ceiling);
  }

  /** The org's policy; 403 (as for a missing org) when the principal may not read the org. */
  read(principal: Principal, org: Org): ApiTokenPolicy {
    if (!can(principal, 'org.view', { orgId: org.id })) throw forbidden();
    return { maxLifetimeDays: org.max_token_lifetime_days, installationMaxLifetimeDays: this.ceiling };
  }

  mayChange(principal: Principal, orgId: string): boolean {
    return can(principal, 'apiTokenPolicy.manage', { orgId });
  }

  async change(principal: Principal, org: Org, days: unknown, ip: string | null): Promise<ApiTokenPolicy> {
    this.read(principal, org);
    if (!this.mayChange(principal, org.id)) throw forbidden();
    if (!isPolicyDays(days)) throw badRequest(`maxLifetimeDays must be a whole number from 1 to ${MAX_POLICY_DAYS}, or null for no limit`);
    if (this.ceiling !== null && (days === null || days > this.ceiling)) {
      throw badRequest(
        `This installation allows API tokens at most ${this.ceiling} days (TESSERA_MAX_TOKEN_LIFETIME_DAYS): maxLifetimeDays must be a whole number from 1 to ${this.ceiling}`,
      );
    }
    await this.store.updateOrg(org.id, { max_token_lifetime_days: days });
    await this.audit.record({
      type: 'org.tokenPolicyChanged',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: org.id, name: org.name },
      ip,
      details: { orgId: org.id, previousMaxLifetimeDays: org.max_token_lifetime_days, maxLifetimeDays: days },
    });
    return { maxLifetimeDays: days, installationMaxLifetimeDays: this.ceiling };
  }
}
