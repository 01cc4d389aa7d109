/**
 * Deletes rows that can no longer matter: revocations older than every access token they could affect, and
 * legacy session ids past their expiry, API-token registrations never minted, tasks past their retention. Runs on every node (the deletes are idempotent), every few minutes and
 * off the request path. The audit trail is kept: deciding its retention is the operator's call.
 */
import type { Store } from '../store/store.js';
import { REGISTRATION_TTL_MS } from './api-tokens.js';

const EVERY_MS = 10 * 60_000;

export class Housekeeping {
  private readonly store: Store;
  private readonly log: { warn(o: object, m: string): void };
  private timer: NodeJS.Timeout | null = null;

  constructor(store: Store, log: { warn(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
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
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'housekeeping failed; will retry');
    }
  }
}
