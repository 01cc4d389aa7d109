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
  | 'apiToken.registered'
  | 'apiToken.created'
  | 'apiToken.exchanged'
  | 'apiToken.refused'
  | 'apiToken.revoked'
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

export class AuditLog {
  private readonly store: Store;
  private readonly lastExchangeLogged = new Map<string, number>();
  private readonly log: { error(o: object, m: string): void };

  constructor(store: Store, log: { error(o: object, m: string): void }) {
    this.store = store;
    this.log = log;
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
