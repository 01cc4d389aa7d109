/**
 * Deletes rows that can no longer matter: revocations older than every access token they could affect, legacy
 * session ids past their expiry, spent "shown once" ids past their cookie's end, API-token registrations never
 * minted, API tokens revoked or expired more than their retention (config revokedTokenRetentionDays) ago,
 * service-account refresh tokens spent or revoked more than SPENT_TOKEN_RETENTION_MS ago, tasks past their
 * retention. It also runs the hourly revocation of idle API tokens (auth/idle-tokens.ts). Runs on every node (the deletes are idempotent), every few minutes and off the request path. The
 * audit trail is kept: deciding its retention is the operator's call.
 */
import { REVOCATION_CLOCK_MARGIN_MS, type Store } from '../store/store.js';
import { REGISTRATION_TTL_MS } from './api-tokens.js';
import { TOTP_ENROLMENT_TTL_MS } from './totp-enrolment.js';

/**
 * How long a service account's spent or revoked refresh token is kept. Reuse detection needs the spent rows (a
 * copy presented later is recognized and ends the chain); after this a copy is merely an unknown token
 * (invalid_grant, no revocation). Bounds the table: one row per refresh otherwise grows forever.
 */
export const SPENT_TOKEN_RETENTION_MS = 30 * 86_400_000;

/**
 * How long a revoked or expired API token's row is kept. It still matters for a while: its refusals are
 * attributed to its owner in the audit trail ("revoked" rather than an unknown token), and a user's audit view
 * finds events through their token rows. After this, a presented copy is merely an unknown token (still
 * refused), and the row would only slow every read of the table down: a user who makes and revokes tokens daily
 * otherwise keeps them all forever (docs/performance-soak.md). Until then the portal lists them greyed, with when
 * and by whom. The default; operators set TESSERA_REVOKED_TOKEN_RETENTION_DAYS.
 */
export const DEAD_API_TOKEN_RETENTION_MS = 30 * 86_400_000;

const EVERY_MS = 10 * 60_000;

/** The revocation of idle tokens (auth/idle-tokens.ts), which sweeps hourly whenever housekeeping runs. */
export interface IdleSweep {
  runIfDue(now: number): Promise<number>;
}

export class Housekeeping {
  private readonly store: Store;
  private readonly log: { warn(o: object, m: string): void; info?(o: object, m: string): void };
  private readonly revokedTokenRetentionMs: number;
  private readonly idleTokens: IdleSweep | null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    store: Store,
    log: { warn(o: object, m: string): void; info?(o: object, m: string): void },
    options: { revokedTokenRetentionMs?: number; idleTokens?: IdleSweep } = {},
  ) {
    this.store = store;
    this.log = log;
    this.revokedTokenRetentionMs = options.revokedTokenRetentionMs ?? DEAD_API_TOKEN_RETENTION_MS;
    this.idleTokens = options.idleTokens ?? null;
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async runOnce(now = Date.now()): Promise<void> {
    try {
      await this.store.pruneRevocations(now);
      // Tasks past their retention (auth/tasks.ts): clients poll a task for minutes, the list shows a month.
      await this.store.pruneTasks(now);
      await this.store.db.deleteFrom('legacy_sessions').where('expires_at', '<=', now).execute();
      // Spent "shown once" ids past their cookie's end: such a cookie no longer opens, spent or not. The end is read by
      // the clock of the node that opens the cookie: kept the revocations' margin longer, so a node whose clock runs
      // behind this one's does not find the id gone and show the secret again (until 2026-12-07 it was deleted at the
      // end by this clock, and a copy of the cookie presented to a node a minute behind showed the new API token twice).
      await this.store.db
        .deleteFrom('shown_once')
        .where('expires_at', '<=', now - REVOCATION_CLOCK_MARGIN_MS)
        .execute();
      // TOTP keys of enrolments that lapsed unconfirmed (auth/totp-enrolment.ts): no longer shown nor confirmable,
      // so not kept either.
      await this.store.db
        .updateTable('users')
        .set({ totp_secret: null, totp_started_at: 0 })
        .where('totp_enabled', '=', 0)
        .where('totp_secret', 'is not', null)
        .where('totp_started_at', '<', now - TOTP_ENROLMENT_TTL_MS)
        .execute();
      // Registrations never minted within their window: nobody holds a secret for them, nothing refers to them.
      await this.store.db
        .deleteFrom('api_tokens')
        .where('secret_hash', 'is', null)
        .where('created_at', '<', now - REGISTRATION_TTL_MS)
        .execute();
      // User API tokens revoked or expired longer ago than the retention (config revokedTokenRetentionDays): until
      // then the lists show them greyed, with when and by whom; after it only the audit trail remembers them.
      // Two deletes, each on its partial index (migration 0012), rather than one OR that scans the table.
      const tokenCutoff = now - this.revokedTokenRetentionMs;
      await this.store.db.deleteFrom('api_tokens').where('revoked_at', 'is not', null).where('revoked_at', '<', tokenCutoff).execute();
      await this.store.db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<', tokenCutoff).execute();
      const cutoff = now - SPENT_TOKEN_RETENTION_MS;
      await this.store.db
        .deleteFrom('service_account_tokens')
        .where((eb) => eb.or([eb('spent_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
        .execute();
      // Tokens unused past their org's idle limit (auth/idle-tokens.ts): revoked, each with its audit event.
      const idle = this.idleTokens ? await this.idleTokens.runIfDue(now) : 0;
      if (idle > 0) this.log.info?.({ revoked: idle }, "revoked API tokens unused for longer than their organization's policy allows");
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'housekeeping failed; will retry');
    }
  }
}
