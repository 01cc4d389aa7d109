/**
 * Brakes on password guessing that a per-request rate limit cannot give:
 *   - a budget of FAILED sign-ins per client address (password spraying: one password against many names from
 *     one place) and per account (one name guessed from many places), checked before any password is
 *     verified, so a refused attempt costs no argon2 work;
 *   - a bound on concurrent argon2 verifications (auth/passwords.ts), so a flood from many addresses queues
 *     behind real users instead of starving the thread pool, and an overfull queue is refused at once.
 * Counted per node, in memory, like the other limits: a brake, not a ledger. Success clears the account's
 * failures (only its owner can succeed) but never the address's (a sprayer with one valid account of their own
 * could otherwise reset it between guesses).
 */
import { tooManyRequests } from '../domain/errors.js';

/** Failures per key in a window that starts at the key's first failure. */
export class FailureBudget {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly counts = new Map<string, { count: number; since: number }>();

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Seconds until `key` may try again; 0 when it is within its budget. */
  retryAfter(key: string, now = Date.now()): number {
    const entry = this.counts.get(key);
    if (!entry || now - entry.since >= this.windowMs) return 0;
    return entry.count >= this.limit ? Math.max(1, Math.ceil((entry.since + this.windowMs - now) / 1000)) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.counts.get(key);
    if (!entry || now - entry.since >= this.windowMs) {
      if (this.counts.size >= 100_000) this.prune(now);
      this.counts.set(key, { count: 1, since: now });
    } else entry.count += 1;
  }

  clear(key: string): void {
    this.counts.delete(key);
  }

  private prune(now: number): void {
    for (const [k, v] of this.counts) if (now - v.since >= this.windowMs) this.counts.delete(k);
    // Still full of live keys (a flood of distinct names): forget the oldest half rather than grow without bound.
    if (this.counts.size >= 100_000) [...this.counts.keys()].slice(0, 50_000).forEach((k) => this.counts.delete(k));
  }
}

export interface SignInGuardOptions {
  failuresPerAddress: number;
  failuresPerAccount: number;
  windowSeconds: number;
}

export class SignInGuard {
  private readonly byAddress: FailureBudget;
  private readonly byAccount: FailureBudget;

  constructor(options: SignInGuardOptions) {
    this.byAddress = new FailureBudget(options.failuresPerAddress, options.windowSeconds * 1000);
    this.byAccount = new FailureBudget(options.failuresPerAccount, options.windowSeconds * 1000);
  }

  /** Throws 429 (with Retry-After) when the address or the account has spent its failures. */
  admit(ip: string, account: string): void {
    const wait = Math.max(this.byAddress.retryAfter(ip), this.byAccount.retryAfter(account));
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-in attempts; retry later');
  }

  failed(ip: string, account: string): void {
    this.byAddress.fail(ip);
    this.byAccount.fail(account);
  }

  succeeded(account: string): void {
    this.byAccount.clear(account);
  }
}
