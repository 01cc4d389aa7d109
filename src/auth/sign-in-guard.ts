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
 *
 * With the org's account lockout (auth/password-lockout.ts), which is persisted, shown as `IsLocked` and undone by
 * an administrator's unlock: when the org has it on, the org's lockout governs its accounts and the per-account
 * budget here is not applied to them (sessions.ts), so no second, hidden lock refuses a right password there. The
 * per-address budget always applies (an anti-spraying brake, which a lock of one account cannot replace). When the
 * org has it off, the per-account budget is the only brake on guessing one account, and stays; an unlock clears
 * it on the node that served the unlock (`forgetAccount`), and elsewhere its window ends it.
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

  /** Throws 429 (with Retry-After) when the address has spent its failures. */
  admitAddress(ip: string): void {
    const wait = this.byAddress.retryAfter(ip);
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-in attempts; retry later');
  }

  /** Throws 429 (with Retry-After) when the account has spent its failures. */
  admitAccount(account: string): void {
    const wait = this.byAccount.retryAfter(account);
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-in attempts; retry later');
  }

  /** A failed sign-in; `account` null when the org's lockout governs the account (nothing counted for it here). */
  failed(ip: string, account: string | null): void {
    this.byAddress.fail(ip);
    if (account !== null) this.byAccount.fail(account);
  }

  succeeded(account: string): void {
    this.byAccount.clear(account);
  }

  /** An administrator's unlock: the account's failures on this node are forgotten (the address's stay). */
  forgetAccount(account: string): void {
    this.byAccount.clear(account);
  }
}
