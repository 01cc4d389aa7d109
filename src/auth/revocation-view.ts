/**
 * This node's view of what has been revoked: API tokens, single sessions, and "every session of this user
 * issued before T" (disable, delete, password change). Checked on every authenticated request, in memory.
 *
 * It is fed by the store's RevocationBus (in-process on SQLite, LISTEN/NOTIFY on PostgreSQL) and rebuilt from
 * the `revocations` table at start and after every reconnect. Entries are dropped once every access token
 * they could affect has expired. While the bus is unhealthy the view cannot know, so it fails closed.
 */
import type { Store, RevocationEvent } from '../store/store.js';
import type { AccessClaims } from './access-tokens.js';

/** Half of the feed's default liveness bound (config revocationFeedMaxLagMs, 2000 ms). */
export const DEFAULT_READY_WAIT_MS = 1_000;

export class RevocationView {
  /**
   * token id -> from when it is revoked, and until when that matters. `from` is in the future only for a
   * Regenerate's grace (auth/api-tokens.ts): the old token is revoked exactly when its grace ends, on every node.
   */
  private readonly apiTokens = new Map<string, { from: number; relevantUntil: number }>();
  private readonly sessions = new Map<string, number>(); // session id -> relevantUntil
  private readonly userNotBefore = new Map<string, { at: number; relevantUntil: number; keepSession: string | null }>();
  private readonly store: Store;
  private pruneTimer: NodeJS.Timeout | null = null;
  private resyncing: Promise<void> | null = null;

  /** How long a request may wait for a late heartbeat before it is refused (ready()). */
  private readonly readyWaitMs: number;

  /** Until when this node must remember a revocation made at a given time (its own access-token lifetime). */
  private readonly relevantUntilHere: (atMs: number) => number;

  /**
   * `readyWaitMs`: by default half the feed's liveness bound, so a refused request has still waited little.
   * `relevantUntil`: this node's AccessTokenService.revocationRelevantUntil. An event is kept at least that long, so a
   * revocation recorded by a node with a shorter access-token lifetime still covers this node's longer-lived tokens.
   */
  constructor(store: Store, options: { readyWaitMs?: number; relevantUntil?: (atMs: number) => number } = {}) {
    this.readyWaitMs = options.readyWaitMs ?? DEFAULT_READY_WAIT_MS;
    this.relevantUntilHere = options.relevantUntil ?? ((atMs) => atMs);
    this.store = store;
    store.bus.subscribe((event) => this.apply(event));
    store.bus.onResync(() => this.resync());
  }

  async start(): Promise<void> {
    await this.resync();
    this.pruneTimer = setInterval(() => this.prune(Date.now()), 60_000);
    this.pruneTimer.unref();
  }

  stop(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
  }

  /** True when this node can vouch for its view; false means refuse (fail closed). */
  healthy(): boolean {
    return this.store.bus.healthy();
  }

  /**
   * Whether a request may be served: at once when the view is current (the hot path stays synchronous), else
   * after waiting up to `readyWaitMs` for a fresh heartbeat to prove it current (bus.whenHealthy). A late heartbeat on
   * a busy node then costs that request some latency instead of a 503; a feed that is really down still refuses.
   */
  ready(): boolean | Promise<boolean> {
    return this.store.bus.healthy() || this.store.bus.whenHealthy(this.readyWaitMs);
  }

  apply(received: RevocationEvent): void {
    // How long to remember it is counted on this node's clock too, from when the event reached it (or its own `at`,
    // if later): `relevantUntil` was stamped by the revoking node's clock, and one running minutes behind made every
    // other node forget the revocation while sessions it covers still lived, which then worked again (until
    // 2026-12-06). Received late (a resync), it is only kept longer.
    const heard = Math.max(received.at, Date.now());
    const event = { ...received, relevantUntil: Math.max(received.relevantUntil, this.relevantUntilHere(heard)) };
    switch (event.kind) {
      case 'api_token': {
        const current = this.apiTokens.get(event.subject);
        // The earliest revocation wins: "revoke now" during a grace must not be postponed by it.
        if (!current || event.at < current.from) this.apiTokens.set(event.subject, { from: event.at, relevantUntil: event.relevantUntil });
        break;
      }
      case 'session':
        this.sessions.set(event.subject, event.relevantUntil);
        break;
      case 'user': {
        const current = this.userNotBefore.get(event.subject);
        if (!current || current.at < event.at) {
          this.userNotBefore.set(event.subject, {
            at: event.at,
            relevantUntil: event.relevantUntil,
            keepSession: event.keepSession ?? null,
          });
        }
        break;
      }
    }
  }

  isRevoked(claims: AccessClaims): boolean {
    if (this.sessions.has(claims.jti)) return true;
    if (claims.tid !== null && this.isApiTokenRevoked(claims.tid)) return true;
    const notBefore = this.userNotBefore.get(claims.sub);
    // Issued in the very millisecond of the cut-off counts as before it: a session minted while the cut-off was being
    // recorded (an org being disabled) must not outlive it.
    return notBefore !== undefined && claims.ims <= notBefore.at && claims.jti !== notBefore.keepSession;
  }

  /** When the API token is (or was) revoked from, as this view knows it: a regeneration's grace dates it ahead. */
  apiTokenStopsAt(tokenId: string): number | null {
    return this.apiTokens.get(tokenId)?.from ?? null;
  }

  isApiTokenRevoked(tokenId: string, now = Date.now()): boolean {
    const entry = this.apiTokens.get(tokenId);
    return entry !== undefined && entry.from <= now;
  }

  /** Rebuilds from the table (start, reconnect). Concurrent calls share one run. */
  resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        const events = await this.store.relevantRevocations(Date.now());
        for (const e of events) this.apply(e);
      } finally {
        this.resyncing = null;
      }
    })();
    return this.resyncing;
  }

  prune(now: number): void {
    for (const [k, v] of this.apiTokens) if (v.relevantUntil <= now) this.apiTokens.delete(k);
    for (const [k, until] of this.sessions) if (until <= now) this.sessions.delete(k);
    for (const [k, v] of this.userNotBefore) if (v.relevantUntil <= now) this.userNotBefore.delete(k);
  }
}
