/**
 * Revokes API tokens left unused for longer than their org's idle limit (the API token policy's `maxIdleDays`, within
 * the installation's `TESSERA_MAX_TOKEN_IDLE_DAYS`; auth/api-token-policy.ts). A token's idle time runs from its last
 * exchange, or from its mint when it was never used: a token made and forgotten, or a copy left in an old script,
 * stops being a standing credential (GitHub removes tokens unused for a year; Keycloak ends offline sessions idle for
 * 30 days).
 *
 * Decisions:
 * - A sweep revokes, rather than each exchange refusing: the revocation is then what every node already applies
 *   (the revocation view, the feed), the token lists show it as revoked and why, its owner sees it, and the
 *   exchange's hot path reads nothing more. The price is precision: a token is revoked within an hour after its
 *   limit (the sweep's period), which for a limit of days is what a user can tell apart.
 * - "Last used" is written once a minute (auth/token-usage.ts), so a use on another node may not be in the row yet:
 *   a token is revoked only once idle for its limit plus IDLE_MARGIN_MS, and never when this node holds a later use
 *   not yet written.
 * - At most MAX_PER_SWEEP tokens a sweep, each revocation its own short transaction: a limit switched on over a
 *   store of old tokens revokes them over the following sweeps rather than in one long write. Every node sweeps;
 *   a token already revoked is skipped, so two nodes never revoke it twice.
 * - A limit set or lowered sweeps its org at once (`sweepOrg`, from the policy change): an administrator who
 *   tightens it expects the tokens already past it to stop then, not up to an hour later (until 2026-12-07 they
 *   went on working until the next hourly sweep).
 */
import type { Store } from '../store/store.js';
import type { ApiTokenPolicyService } from './api-token-policy.js';
import type { ApiTokenService } from './api-tokens.js';

const DAY_MS = 86_400_000;
export const IDLE_SWEEP_EVERY_MS = 60 * 60_000;
/** Beyond the limit, how long a token must stay unused before a sweep revokes it (uses not yet written: a minute). */
export const IDLE_MARGIN_MS = 5 * 60_000;
export const MAX_PER_SWEEP = 1_000;

export class IdleTokenSweep {
  private readonly store: Store;
  private readonly policy: ApiTokenPolicyService;
  private readonly apiTokens: ApiTokenService;
  private lastRun = Number.NEGATIVE_INFINITY;

  constructor(deps: { store: Store; policy: ApiTokenPolicyService; apiTokens: ApiTokenService }) {
    this.store = deps.store;
    this.policy = deps.policy;
    this.apiTokens = deps.apiTokens;
  }

  /** Sweeps when the last sweep is an hour old (housekeeping calls this every few minutes). */
  async runIfDue(now = Date.now()): Promise<number> {
    if (now - this.lastRun < IDLE_SWEEP_EVERY_MS) return 0;
    this.lastRun = now;
    return this.runOnce(now);
  }

  /** Revokes the idle tokens of every org that has a limit; returns how many. */
  async runOnce(now = Date.now()): Promise<number> {
    if (this.policy.idleCeiling === null) {
      const any = await this.store.db.selectFrom('orgs').select('id').where('max_token_idle_days', 'is not', null).limit(1).execute();
      if (any.length === 0) return 0;
    }
    const orgs = await this.store.db.selectFrom('orgs').select(['id', 'name', 'max_token_idle_days']).orderBy('id').execute();
    let revoked = 0;
    for (const org of orgs) {
      revoked += await this.sweepOne(org, now, MAX_PER_SWEEP - revoked);
      if (revoked >= MAX_PER_SWEEP) break;
    }
    return revoked;
  }

  /** Revokes the idle tokens of one org (its limit just set or lowered), up to MAX_PER_SWEEP; returns how many. */
  async sweepOrg(orgId: string, now = Date.now()): Promise<number> {
    const org = await this.store.db
      .selectFrom('orgs')
      .select(['id', 'name', 'max_token_idle_days'])
      .where('id', '=', orgId)
      .executeTakeFirst();
    return org ? this.sweepOne(org, now, MAX_PER_SWEEP) : 0;
  }

  private async sweepOne(
    org: { id: string; name: string; max_token_idle_days: number | null },
    now: number,
    most: number,
  ): Promise<number> {
    const days = this.policy.idleDaysFor(org);
    if (days === null || most <= 0) return 0;
    const cutoff = now - days * DAY_MS - IDLE_MARGIN_MS;
    const idle = await this.store.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'user_id', 'last_used_at'])
      .where('org_id', '=', org.id)
      .where('revoked_at', 'is', null)
      .where('minted_at', 'is not', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('last_used_at', '<', cutoff), eb.and([eb('last_used_at', 'is', null), eb('minted_at', '<', cutoff)])]))
      .orderBy('id')
      .limit(most)
      .execute();
    let revoked = 0;
    for (const row of idle) {
      if (await this.apiTokens.revokeIdle(row, { id: org.id, name: org.name }, days, cutoff)) revoked += 1;
    }
    return revoked;
  }
}
