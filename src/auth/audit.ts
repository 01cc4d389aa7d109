/**
 * Audit trail: one event per security-relevant act (sign-in, token created / exchanged / revoked / refused,
 * user changes). Written with the actor, org, token id and client IP, never a secret. Readable by admins at
 * /cloudapi/1.0.0/auditTrail. Token exchanges are coalesced (one event per token per minute) so a busy script
 * does not turn the trail into a write-per-request log.
 */
import type { Store } from '../store/store.js';

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
  | 'serviceAccount.revoked'
  | 'serviceAccount.tokenReuse'
  | 'org.created'
  | 'org.updated'
  | 'org.enabled'
  | 'org.disabled'
  | 'org.deleted'
  | 'user.unlocked'
  | 'user.ownershipTaken';

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
/** Refusals of one token for one reason: the first is written at once, the rest counted for this long. */
const REFUSAL_COALESCE_MS = 60_000;
const MAX_REFUSAL_KEYS = 50_000;

interface CoalescedRefusal {
  since: number;
  repeated: number;
  input: AuditInput;
}

export class AuditLog {
  private readonly store: Store;
  private readonly lastExchangeLogged = new Map<string, number>();
  private readonly log: { error(o: object, m: string): void };

  /** key (type, token, reason) -> the window's first refusal and how many more came after it. */
  private readonly refusals = new Map<string, CoalescedRefusal>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(store: Store, log: { error(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
  }

  /** Starts the periodic write of counted refusals (the server does; one-off tools need not). */
  start(): void {
    this.flushTimer = setInterval(() => void this.flushRefusals(Date.now()), REFUSAL_COALESCE_MS);
    this.flushTimer.unref();
  }

  /** Writes every pending count, whatever its age (shutdown). */
  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushRefusals(Infinity);
  }

  /**
   * A refused use of a token. A script retrying a dead token refuses thousands of times a minute: one event per
   * refusal would grow the store without bound. The first refusal of a token for a reason is written at once;
   * further ones within the minute are counted and written as one event with `repeated: N` when the minute ends.
   */
  refused(input: AuditInput & { tokenId: string }): void {
    const key = `${input.type}|${input.tokenId}|${String(input.details?.reason ?? '')}`;
    const now = Date.now();
    const entry = this.refusals.get(key);
    if (entry && now - entry.since < REFUSAL_COALESCE_MS) {
      entry.repeated += 1;
      return;
    }
    if (entry) void this.writeRepeated(entry);
    if (this.refusals.size >= MAX_REFUSAL_KEYS) void this.flushRefusals(Infinity);
    this.refusals.set(key, { since: now, repeated: 0, input });
    void this.record(input);
  }

  private async flushRefusals(now: number): Promise<void> {
    const due: CoalescedRefusal[] = [];
    for (const [key, entry] of this.refusals) {
      if (now - entry.since < REFUSAL_COALESCE_MS) continue;
      this.refusals.delete(key);
      due.push(entry);
    }
    await Promise.all(due.map((entry) => this.writeRepeated(entry)));
  }

  private async writeRepeated(entry: CoalescedRefusal): Promise<void> {
    if (entry.repeated === 0) return;
    await this.record({
      ...entry.input,
      details: { ...entry.input.details, repeated: entry.repeated, since: new Date(entry.since).toISOString() },
    });
  }

  /** Records an event. Never throws into the request: a failed audit write is logged loudly instead. */
  async record(input: AuditInput): Promise<void> {
    try {
      await this.store.appendAudit({
        at: Date.now(),
        event_type: input.type,
        outcome: input.outcome ?? 'success',
        actor_id: input.actor?.id ?? null,
        actor_name: input.actor?.name ?? null,
        org_id: input.org?.id ?? null,
        org_name: input.org?.name ?? null,
        token_id: input.tokenId ?? null,
        ip: input.ip ?? null,
        details: JSON.stringify(input.details ?? {}),
      });
    } catch (err) {
      this.log.error({ err: (err as Error).message, type: input.type }, 'audit write failed');
    }
  }

  /** Exchanges are frequent: at most one event per token per minute, written off the request path. */
  exchanged(input: Omit<AuditInput, 'type'> & { tokenId: string }, type: AuditEventType = 'apiToken.exchanged'): void {
    const now = Date.now();
    const last = this.lastExchangeLogged.get(input.tokenId);
    if (last !== undefined && now - last < EXCHANGE_COALESCE_MS) return;
    this.lastExchangeLogged.set(input.tokenId, now);
    if (this.lastExchangeLogged.size > 100_000) this.lastExchangeLogged.clear();
    setImmediate(() => void this.record({ ...input, type }));
  }
}
