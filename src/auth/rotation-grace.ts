/**
 * The grace window for lost answers to a rotating refresh (RFC 9700 §4.14.2 leaves room for it): a client whose
 * connection died after Tessera rotated its token never saw the successor, and presents the spent token again.
 * Within the window, from the same address, that is a retry, not theft, and it gets the same successor again.
 *
 * Decision (docs/service-accounts.md): the successor's plaintext lives only here, in the memory of the node that
 * issued it, for the window's length; the store never holds a usable secret (only SHA-256). Another node that
 * sees the retry cannot answer it, so it refuses with a hint (400 invalid_grant) instead of treating it as theft.
 */
export interface IssuedSuccessor {
  serviceAccountId: string;
  successorId: string;
  successor: string;
  ip: string;
  at: number;
}

const MAX_ENTRIES = 50_000;

export class RotationGrace {
  private readonly bySpentId = new Map<string, IssuedSuccessor>();
  readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  remember(spentId: string, entry: IssuedSuccessor): void {
    if (this.windowMs <= 0) return;
    this.prune(entry.at);
    if (this.bySpentId.size >= MAX_ENTRIES) this.bySpentId.clear();
    this.bySpentId.set(spentId, entry);
  }

  /** The successor issued for `spentId` on this node, while the window lasts. */
  recall(spentId: string, now: number): IssuedSuccessor | undefined {
    const entry = this.bySpentId.get(spentId);
    if (!entry || now - entry.at > this.windowMs) return undefined;
    return entry;
  }

  /** Forgets every successor of an account (its chain was revoked). */
  forgetAccount(serviceAccountId: string): void {
    for (const [k, v] of this.bySpentId) if (v.serviceAccountId === serviceAccountId) this.bySpentId.delete(k);
  }

  private prune(now: number): void {
    // Insertion order is issue order: stop at the first entry still inside the window.
    for (const [k, v] of this.bySpentId) {
      if (now - v.at <= this.windowMs) break;
      this.bySpentId.delete(k);
    }
  }
}
