/**
 * Deletes rows that can no longer matter: revocations older than every access token they could affect, and
 * legacy session ids past their expiry, API-token registrations never minted, service-account refresh tokens spent
 * or revoked more than SPENT_TOKEN_RETENTION_MS ago, tasks past their retention. Runs on every node (the deletes are
 * idempotent), every few minutes and
 * off the request path. The audit trail is kept: deciding its retention is the operator's call.
 */
import type { Store } from '../store/store.js';
import { REGISTRATION_TTL_MS } from './api-tokens.js';

/**
 * How long a service account's spent or revoked refresh token is kept. Reuse detection needs the spent rows (a
 * copy presented later is recognized and ends the chain); after this a copy is merely an unknown token
 * (invalid_grant, no revocation). Bounds the table: one row per refresh otherwise grows forever.
 */
export const SPENT_TOKEN_RETENTION_MS = 30 * 86_400_000;

const EVERY_MS = 10 * 60_000;

export class Housekeeping {
  private readonly store: Store;
  private readonly log: { warn(o: object, m: string): void };
  private readonly revokedTokenRetentionMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(store: Store, log: { warn(o: object, m: string): void }, options: { revokedTokenRetentionMs?: number } = {}) {
    this.store = store;
    this.log = log;
    this.revokedTokenRetentionMs = options.revokedTokenRetentionMs ?? 30 * 86_400_000;
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
      // Registrations never minted within their window: nobody holds a secret for them, nothing refers to them.
      await this.store.db
        .deleteFrom('api_tokens')
        .where('secret_hash', 'is', null)
        .where('created_at', '<', now - REGISTRATION_TTL_MS)
        .execute();
      // User API tokens revoked or expired longer ago than the retention (config revokedTokenRetentionDays): until
      // then the lists show them greyed, with when and by whom; after it only the audit trail remembers them.
      const tokenCutoff = now - this.revokedTokenRetentionMs;
      await this.store.db
        .deleteFrom('api_tokens')
        .where((eb) => eb.or([eb('revoked_at', '<', tokenCutoff), eb('expires_at', '<', tokenCutoff)]))
        .execute();
      const cutoff = now - SPENT_TOKEN_RETENTION_MS;
      await this.store.db
        .deleteFrom('service_account_tokens')
        .where((eb) => eb.or([eb('spent_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
        .execute();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'housekeeping failed; will retry');
    }
  }
}
