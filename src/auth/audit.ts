/**
 * Audit trail: one event per security-relevant act (sign-in, token created / exchanged / revoked / refused,
 * user changes). Written with the actor, org, token id and client IP, never a secret. Readable by admins at
 * /cloudapi/1.0.0/auditTrail. Token exchanges are coalesced (one event per token per minute) so a busy script
 * does not turn the trail into a write-per-request log, and those events are written in batches (one commit per
 * second at most), flushed on graceful shutdown. Acts a script or an attacker repeats without bound (refusals of a
 * token, failed sign-ins, the sign-outs of a token's sessions) are counted per key and minute (`coalesce`).
 *
 * An event the store could not take (PostgreSQL briefly gone, a full disk) is kept and written again, with the time
 * of the act, once the store takes writes again (`UNWRITTEN_RETRY_MS`); until 2026-12-05 it was dropped with a log
 * line that named only its type, so a sign-in granted during a store hiccup left no trace. At most
 * `MAX_UNWRITTEN` are kept; an event that cannot be kept (that bound, or a stop while the store still refuses) is
 * logged whole at error, so that it can be rebuilt from the log: events hold no secret.
 */
import type { Executor, Store } from '../store/store.js';
import { isStoreWriteRefusal, isTransientStoreError } from '../store/transient-errors.js';

export type AuditEventType =
  | 'session.created'
  | 'session.refused'
  | 'session.deleted'
  | 'totp.enrolled'
  | 'totp.disabled'
  | 'totp.locked'
  | 'totp.recoveryCodesGenerated'
  | 'totp.recoveryCodeUsed'
  | 'apiToken.registered'
  | 'apiToken.created'
  | 'apiToken.exchanged'
  | 'apiToken.refused'
  | 'apiToken.revoked'
  | 'apiToken.bulkRevoked'
  | 'apiToken.regenerated'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'user.passwordChanged'
  | 'role.created'
  | 'role.updated'
  | 'role.rightsChanged'
  | 'role.deleted'
  | 'group.created'
  | 'group.updated'
  | 'group.deleted'
  | 'rightsBundle.updated'
  | 'rightsBundle.rightsChanged'
  | 'oauth.refused'
  | 'serviceAccount.created'
  | 'serviceAccount.updated'
  | 'serviceAccount.deleted'
  | 'serviceAccount.authorizationRequested'
  | 'serviceAccount.granted'
  | 'serviceAccount.denied'
  | 'serviceAccount.activated'
  | 'serviceAccount.exchanged'
  | 'serviceAccount.retried'
  | 'serviceAccount.refused'
  | 'serviceAccount.expired'
  | 'serviceAccount.revoked'
  | 'serviceAccount.tokenReuse'
  | 'org.created'
  | 'org.updated'
  | 'org.enabled'
  | 'org.disabled'
  | 'org.deleted'
  | 'org.metadataChanged'
  | 'catalog.deleted'
  | 'vapp.undeployed'
  | 'vapp.deleted'
  | 'vdc.enabled'
  | 'vdc.disabled'
  | 'vdc.deleted'
  | 'user.locked'
  | 'user.unlocked'
  | 'user.ownershipTaken'
  | 'user.twoFactorReset'
  | 'org.tokenPolicyChanged'
  /** Written by `tessera admin rotate-signing-key` and `tessera admin restore` into the store itself (src/cli/signing-keys.ts). */
  | 'signingKey.rotated';

export interface AuditInput {
  type: AuditEventType;
  outcome?: 'success' | 'failure';
  actor?: { id: string; name: string } | null;
  org?: { id: string; name: string } | null;
  tokenId?: string | null;
  ip?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

const EXCHANGE_COALESCE_MS = 60_000;
/** Tokens whose last logged exchange is remembered; past this the memory is dropped (a few extra events at worst). */
export const MAX_EXCHANGE_KEYS = 100_000;
/** Exchange events are gathered this long and written in one commit. */
export const EXCHANGE_BATCH_MS = 1_000;

type AuditRow = Parameters<Store['appendAudit']>[0];

function rowOf(input: AuditInput, at: number): AuditRow {
  return {
    at,
    event_type: input.type,
    outcome: input.outcome ?? 'success',
    actor_id: input.actor?.id ?? null,
    actor_name: input.actor?.name ?? null,
    org_id: input.org?.id ?? null,
    org_name: input.org?.name ?? null,
    token_id: input.tokenId ?? null,
    ip: input.ip ?? null,
    details: JSON.stringify(input.details ?? {}),
  };
}
/** Events the store refused, kept for another attempt: about 4 MB at most. */
export const MAX_UNWRITTEN = 10_000;
export const UNWRITTEN_RETRY_MS = 2_000;

/**
 * Acts that repeat (refusals of one token for one reason, a script's sign-outs, failed sign-ins of one account from
 * one address) are counted per key for this long and written as one event for the window.
 */
const REFUSAL_COALESCE_MS = 60_000;
/** Keys counted at once (every kind together); past it every pending count is written and the memory cleared. */
export const MAX_REFUSAL_KEYS = 50_000;

interface CoalescedRefusal {
  /** The window's first act, and its last so far (epoch ms). */
  since: number;
  last: number;
  /** Acts counted in the window, the first included. */
  count: number;
  /** The first act was written on its own at once (refusals: an alarm must not wait for the window). */
  writtenFirst: boolean;
  input: AuditInput;
}

export class AuditLog {
  private readonly store: Store;
  private readonly lastExchangeLogged = new Map<string, number>();
  private readonly log: { error(o: object, m: string): void; info?(o: object, m: string): void };

  /** key (type, token, reason; see `coalesce`) -> the window's first act, how many, and the last one's time. */
  private readonly refusals = new Map<string, CoalescedRefusal>();
  private flushTimer: NodeJS.Timeout | null = null;
  /** Exchange events waiting for their batch (at most EXCHANGE_BATCH_MS). */
  private pendingExchanges: AuditRow[] = [];
  private exchangeTimer: NodeJS.Timeout | null = null;
  private exchangeWrites: Promise<void> = Promise.resolve();
  /** Refusals whose event is still being described (their owner read from the store): stop() waits for them. */
  private readonly describing = new Set<Promise<void>>();
  /**
   * Writes started off the request path (a window's first refusal, a closed window's count, `recordDetached`):
   * stop() and the refusals' flush wait for them. Until 2026-12-08 nothing did, so an event whose write was still in
   * flight at shutdown met a closed store and went to the log instead of the table.
   */
  private readonly detached = new Set<Promise<void>>();
  /** Events the store refused, oldest first, written again by `retryUnwritten`. */
  private unwritten: AuditRow[] = [];
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(store: Store, log: { error(o: object, m: string): void; info?(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
  }

  /** Starts the periodic write of counted refusals (the server does; one-off tools need not). */
  start(): void {
    this.flushTimer = setInterval(() => void this.flushRefusals(Date.now()), REFUSAL_COALESCE_MS);
    this.flushTimer.unref();
  }

  /** Writes every pending count, whatever its age, and the gathered exchange events (shutdown). */
  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await Promise.all(this.describing);
    await this.flushExchanges();
    await this.flushRefusals(Infinity); // and the detached writes
    await this.retryUnwritten();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // The store still refuses: the log is the last place these events can go.
    for (const row of this.unwritten.splice(0)) this.logLost(row, 'the server stopped while the store refused it');
  }

  /** How many events wait for the store to take them again (metrics, tests). */
  unwrittenCount(): number {
    return this.unwritten.length;
  }

  /**
   * Keeps rows the store refused for another attempt; past MAX_UNWRITTEN the oldest go to the log whole. Only a store
   * saying "not now" (unreachable, busy, full, read-only) is waited for: any other refusal would refuse them again on
   * every attempt, so they go to the log at once.
   */
  private keepUnwritten(rows: readonly AuditRow[], err: unknown): void {
    if (!isTransientStoreError(err) && !isStoreWriteRefusal(err)) {
      const why = `the store refused it: ${(err as Error).message}`;
      for (const row of rows) this.logLost(row, why);
      return;
    }
    this.log.error(
      { err: (err as Error).message, events: rows.length, kept: this.unwritten.length + rows.length },
      'audit write failed; kept to retry',
    );
    this.unwritten.push(...rows);
    const over = this.unwritten.length - MAX_UNWRITTEN;
    if (over > 0)
      for (const row of this.unwritten.splice(0, over)) this.logLost(row, `more than ${MAX_UNWRITTEN} events wait for the store`);
    if (this.retryTimer === null) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.retryUnwritten();
      }, UNWRITTEN_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** One more attempt at the kept events, in one commit; refused again, they stay (and the timer is set again). */
  private retryUnwritten(): Promise<void> {
    this.exchangeWrites = this.exchangeWrites.then(async () => {
      if (this.unwritten.length === 0) return;
      const rows = this.unwritten.splice(0);
      try {
        await this.store.appendAuditBatch(rows);
        // The failure was logged: so is its end, or a log would end on "kept to retry" for events long written.
        this.log.info?.({ events: rows.length }, 'audit events kept after a failed write are written now');
      } catch (err) {
        // Back in front of anything refused meanwhile, so the order of the acts is kept; refused for good, to the log.
        const retryable = isTransientStoreError(err) || isStoreWriteRefusal(err);
        if (retryable) this.unwritten.unshift(...rows);
        this.keepUnwritten(retryable ? [] : rows, err);
      }
    });
    return this.exchangeWrites;
  }

  private logLost(row: AuditRow, why: string): void {
    this.log.error(
      { event: { ...row, at: new Date(row.at).toISOString(), details: JSON.parse(row.details) }, why },
      'audit event not written',
    );
  }

  /**
   * A refused use of a token. A script retrying a dead token refuses thousands of times a minute: one event per
   * refusal would grow the store without bound. The first refusal of a token for a reason is written at once;
   * further ones within the minute are counted and written as one event with `repeated: N` when the minute ends.
   */
  refused(input: AuditInput & { tokenId: string }): void {
    // The actor is part of the key: two users refused on one token id (a client_id is no secret) stay two events.
    const key = `${input.type}|${input.tokenId}|${input.actor?.id ?? ''}|${String(input.details?.reason ?? '')}`;
    this.coalesce(key, input, { writeFirst: true });
  }

  /**
   * An act that a script or an attacker can repeat without bound (a refusal, a token session's sign-out): counted
   * per `key` for a minute from the key's first act, and written as one event for that window, whose details add
   * `count` (the window's acts, the first included), `first` and `last` (ISO times); the event's time is the last
   * act's. With `writeFirst` the window's first act is also written on its own at once (a security event must not
   * wait for the window), and the window's event, written only when more followed, also says `repeated` (the acts
   * after the first) and `since` (= `first`), as token refusals always have. Without it, nothing is written until
   * the window ends (the periodic flush, or `stop`). The caller's key must set apart what an auditor must not see
   * merged (actor, token, address, reason, outcome): only the window's first input is kept.
   */
  coalesce(key: string, input: AuditInput, opts: { writeFirst: boolean }): void {
    const now = Date.now();
    const entry = this.refusals.get(key);
    if (entry && now - entry.since < REFUSAL_COALESCE_MS) {
      entry.count += 1;
      entry.last = now;
      return;
    }
    if (entry) {
      this.refusals.delete(key);
      this.detach(this.writeRepeated(entry));
    }
    if (this.refusals.size >= MAX_REFUSAL_KEYS) void this.flushRefusals(Infinity);
    this.refusals.set(key, { since: now, last: now, count: 1, writtenFirst: opts.writeFirst, input });
    if (opts.writeFirst) this.recordDetached(input);
  }

  /** Records an event without making the caller wait for the write; stop() still does (see `detached`). */
  recordDetached(input: AuditInput): void {
    this.detach(this.record(input));
  }

  private detach(write: Promise<void>): void {
    this.detached.add(write);
    void write.finally(() => this.detached.delete(write));
  }

  /** `refused`, once `described` has read what the event says (a failed read is logged, and nothing counted). */
  refusedOnceDescribed(described: Promise<AuditInput & { tokenId: string }>): void {
    const counted: Promise<void> = described.then(
      (input) => this.refused(input),
      (err: unknown) => this.log.error({ err: (err as Error).message }, 'audit: a refusal could not be described'),
    );
    this.describing.add(counted);
    void counted.finally(() => this.describing.delete(counted));
  }

  private async flushRefusals(now: number): Promise<void> {
    // The exchange memory only matters for a minute: drop older entries, so it holds the tokens of the last minute
    // rather than every token ever exchanged (up to MAX_EXCHANGE_KEYS).
    for (const [tokenId, at] of this.lastExchangeLogged) if (now - at >= EXCHANGE_COALESCE_MS) this.lastExchangeLogged.delete(tokenId);
    const due: CoalescedRefusal[] = [];
    for (const [key, entry] of this.refusals) {
      if (now - entry.since < REFUSAL_COALESCE_MS) continue;
      this.refusals.delete(key);
      due.push(entry);
    }
    await Promise.all([...due.map((entry) => this.writeRepeated(entry)), ...this.detached]);
  }

  private async writeRepeated(entry: CoalescedRefusal): Promise<void> {
    if (entry.writtenFirst && entry.count === 1) return;
    const window = { count: entry.count, first: new Date(entry.since).toISOString(), last: new Date(entry.last).toISOString() };
    const details = entry.writtenFirst
      ? { ...entry.input.details, repeated: entry.count - 1, since: window.first, ...window }
      : { ...entry.input.details, ...window };
    await this.recordAt({ ...entry.input, details }, entry.last);
  }

  /**
   * Records an event inside the caller's transaction: it commits with the act it records, or neither does. For the
   * acts a restore replays and an auditor must find (a token created, a token revoked): written after the commit,
   * as `record` writes, a store that failed between the two left an acknowledged revocation with no event.
   */
  async recordIn(ex: Executor, input: AuditInput): Promise<void> {
    await this.store.appendAudit(rowOf(input, Date.now()), ex);
  }

  /** Records an event. Never throws into the request: a failed write is kept and tried again (see the top). */
  async record(input: AuditInput): Promise<void> {
    return this.recordAt(input, Date.now());
  }

  private async recordAt(input: AuditInput, at: number): Promise<void> {
    const row = rowOf(input, at);
    try {
      await this.store.appendAudit(row);
    } catch (err) {
      this.keepUnwritten([row], err);
    }
  }

  /** Exchanges are frequent: at most one event per token per minute, written off the request path. */
  exchanged(input: Omit<AuditInput, 'type'> & { tokenId: string }, type: AuditEventType = 'apiToken.exchanged'): void {
    const now = Date.now();
    const last = this.lastExchangeLogged.get(input.tokenId);
    if (last !== undefined && now - last < EXCHANGE_COALESCE_MS) return;
    this.lastExchangeLogged.set(input.tokenId, now);
    if (this.lastExchangeLogged.size > MAX_EXCHANGE_KEYS) this.lastExchangeLogged.clear();
    this.pendingExchanges.push(rowOf({ ...input, type }, now));
    if (this.exchangeTimer === null) {
      this.exchangeTimer = setTimeout(() => void this.flushExchanges(), EXCHANGE_BATCH_MS);
      this.exchangeTimer.unref();
    }
  }

  /**
   * Writes the gathered exchange events in one commit. With many distinct tokens in use (a million-token store
   * exchanged at random), nearly every exchange is its token's first of the minute: one write each was the
   * exchange's bottleneck. Batches are written one after another; stop() waits for the last.
   */
  private flushExchanges(): Promise<void> {
    if (this.exchangeTimer) clearTimeout(this.exchangeTimer);
    this.exchangeTimer = null;
    const batch = this.pendingExchanges;
    if (batch.length === 0) return this.exchangeWrites;
    this.pendingExchanges = [];
    this.exchangeWrites = this.exchangeWrites.then(async () => {
      try {
        await this.store.appendAuditBatch(batch, this.store.db, { relaxedDurability: true });
      } catch (err) {
        this.keepUnwritten(batch, err);
      }
    });
    return this.exchangeWrites;
  }
}
