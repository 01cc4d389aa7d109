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
 * Both hold under a parallel burst, where a check made before the password is verified would let every attempt in
 * before the first failure is counted (120 simultaneous guesses from one address were all verified):
 *   - an address's attempts in flight count against its budget: at most the failures it has left are verified at
 *     once, and the others wait for one of them to end (a right password gives its place back, a wrong one spends
 *     it), so a NAT's burst of right passwords is only queued, never refused;
 *   - one password of an account is verified at a time on a node, the others waiting their turn, so each reads the
 *     lock and the count the previous one left (the org's lockout: exactly its number of guesses, then the lock).
 * Waiting lines are bounded per key; beyond that the attempt is refused at once (429), so a flood costs memory
 * only up to the bound.
 *
 * With the org's account lockout (auth/password-lockout.ts), which is persisted, shown as `IsLocked` and undone by
 * an administrator's unlock: when the org has it on, the org's lockout governs its accounts and the per-account
 * budget here is not applied to them (sessions.ts), so no second, hidden lock refuses a right password there. The
 * per-address budget always applies (an anti-spraying brake, which a lock of one account cannot replace). When the
 * org has it off, the per-account budget is the only brake on guessing one account, and stays; an unlock clears
 * it on the node that served the unlock (`forgetAccount`), and elsewhere its window ends it.
 */
import { tooManyRequests } from '../domain/errors.js';
import { addressBlock } from '../domain/address-block.js';

/** How many attempts may wait for their turn behind one key (an address's budget, an account's turn). */
const MAX_WAITING_PER_KEY = 64;

const tooManyWaiting = () => tooManyRequests(1, 'Too many sign-in attempts at once; retry later');

/** A key's failures: those of its current window (from `since`), and of the window just before it. */
interface Failures {
  count: number;
  since: number;
  previous: number;
}

/**
 * Failures per key in a sliding window, and the attempts in flight per key. A key's windows follow one another from
 * its first failure; its failures are those of the current window plus the previous window's, weighted by how much
 * of that window still lies within the last `windowMs` (as RateLimiter counts hits). Until 2026-12-07 each window
 * forgot the one before: a budget spent in the last second of a window was whole again in the next, so twice the
 * budget of guesses (19 passwords of one account, 59 from one address by default) went through within two seconds.
 */
export class FailureBudget {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly counts = new Map<string, Failures>();
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** The key's failures moved on to the window `now` falls in; undefined when it has none. */
  private current(key: string, now: number): Failures | undefined {
    const entry = this.counts.get(key);
    if (!entry) return undefined;
    const windows = Math.floor((now - entry.since) / this.windowMs);
    if (windows >= 1) {
      entry.previous = windows === 1 ? entry.count : 0;
      entry.count = 0;
      entry.since += windows * this.windowMs;
    }
    return entry;
  }

  /** The key's failures within the last window: its current window's, and the previous one's still sliding out. */
  private failures(entry: Failures | undefined, now: number): number {
    if (!entry) return 0;
    // A clock stepped back (NTP) counts as the window's start, never as more than the whole previous window.
    const elapsed = Math.min(Math.max(0, now - entry.since), this.windowMs);
    return entry.count + entry.previous * (1 - elapsed / this.windowMs);
  }

  /** Seconds until `key` may try again; 0 when it is within its budget. */
  retryAfter(key: string, now = Date.now()): number {
    const entry = this.current(key, now);
    if (!entry || this.failures(entry, now) < this.limit) return 0;
    const w = this.windowMs;
    // When the count drops below the budget if nothing more fails: later in this window once enough of the previous
    // one has slid out, or else in the next window once enough of this one has (a millisecond past the instant it
    // equals the budget).
    const at =
      entry.count < this.limit && entry.previous > 0
        ? entry.since + w * (1 - (this.limit - entry.count) / entry.previous)
        : entry.since + w + w * Math.max(0, 1 - this.limit / entry.count);
    return Math.max(1, Math.ceil((at + 1 - now) / 1000));
  }

  /**
   * Takes one of the key's places for an attempt: throws 429 when its budget is spent, waits while its failures and
   * the attempts in flight fill the budget. Every `enter` that returns is paired with one `leave`.
   */
  async enter(key: string, refusal: (retryAfterSeconds: number) => Error): Promise<void> {
    for (;;) {
      const now = Date.now();
      const wait = this.retryAfter(key, now);
      if (wait > 0) throw refusal(wait);
      const failures = this.failures(this.current(key, now), now);
      const inFlight = this.inFlight.get(key) ?? 0;
      if (failures + inFlight < this.limit) {
        this.inFlight.set(key, inFlight + 1);
        return;
      }
      const line = this.waiting.get(key) ?? [];
      if (line.length >= MAX_WAITING_PER_KEY) throw tooManyWaiting();
      this.waiting.set(key, line);
      await new Promise<void>((resolve) => line.push(resolve));
    }
  }

  /** The attempt has ended (its failure, if any, already counted by `fail`): the waiting look again. */
  leave(key: string): void {
    const inFlight = (this.inFlight.get(key) ?? 1) - 1;
    if (inFlight > 0) this.inFlight.set(key, inFlight);
    else this.inFlight.delete(key);
    const line = this.waiting.get(key);
    if (!line) return;
    this.waiting.delete(key);
    for (const wake of line) wake();
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.current(key, now);
    if (!entry || (entry.count === 0 && entry.previous === 0)) {
      if (this.counts.size >= 100_000) this.prune(now);
      this.counts.set(key, { count: 1, since: now, previous: 0 });
    } else entry.count += 1;
  }

  clear(key: string): void {
    this.counts.delete(key);
  }

  private prune(now: number): void {
    // Forgotten once neither its window nor the one after it reaches into the last `windowMs`.
    for (const [k, v] of this.counts) if (now - v.since >= 2 * this.windowMs) this.counts.delete(k);
    // Still full of live keys (a flood of distinct names): forget the oldest half rather than grow without bound.
    if (this.counts.size >= 100_000) [...this.counts.keys()].slice(0, 50_000).forEach((k) => this.counts.delete(k));
  }
}

/** One holder per key at a time; the others wait in line (at most MAX_WAITING_PER_KEY), in order. */
export class OneAtATime {
  /** Present while the key is held: the resolvers of those waiting, first in line first. */
  private readonly lines = new Map<string, Array<() => void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const line = this.lines.get(key);
    if (line) {
      if (line.length >= MAX_WAITING_PER_KEY) throw tooManyWaiting();
      await new Promise<void>((resolve) => line.push(resolve));
    } else this.lines.set(key, []);
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line (the key stays held), or the key is free.
      const next = this.lines.get(key)!.shift();
      if (next) next();
      else this.lines.delete(key);
    }
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
  private readonly accountTurns = new OneAtATime();

  constructor(options: SignInGuardOptions) {
    this.byAddress = new FailureBudget(options.failuresPerAddress, options.windowSeconds * 1000);
    this.byAccount = new FailureBudget(options.failuresPerAccount, options.windowSeconds * 1000);
  }

  /** Throws 429 (with Retry-After) when the address or the account has spent its failures. */
  admit(ip: string, account: string): void {
    const wait = Math.max(this.byAddress.retryAfter(addressBlock(ip)), this.byAccount.retryAfter(account));
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-in attempts; retry later');
  }

  /**
   * One password attempt from `ip` for `account`, run when both allow it: a place in the address's budget (429 when
   * it is spent), then the account's turn. `attempt` counts its own failures (`failed`) before it returns or throws.
   */
  async attempt<T>(ip: string, account: string, attempt: () => Promise<T>): Promise<T> {
    await this.byAddress.enter(addressBlock(ip), (wait) => tooManyRequests(wait, 'Too many failed sign-in attempts; retry later'));
    try {
      return await this.accountTurns.run(account, attempt);
    } finally {
      this.byAddress.leave(addressBlock(ip));
    }
  }

  /** Throws 429 (with Retry-After) when the account has spent its failures. */
  admitAccount(account: string): void {
    const wait = this.byAccount.retryAfter(account);
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-in attempts; retry later');
  }

  /** A failed sign-in; `account` null when the org's lockout governs the account (nothing counted for it here). */
  failed(ip: string, account: string | null): void {
    this.byAddress.fail(addressBlock(ip));
    if (account !== null) this.byAccount.fail(account);
  }

  succeeded(account: string): void {
    this.byAccount.clear(account);
  }

  /** When the account's spent budget lets it try again (epoch ms), or null when it may try now: what an admin sees. */
  accountPausedUntil(account: string, now = Date.now()): number | null {
    const wait = this.byAccount.retryAfter(account, now);
    return wait > 0 ? now + wait * 1000 : null;
  }

  /** An administrator's unlock: the account's failures on this node are forgotten (the address's stay). */
  forgetAccount(account: string): void {
    this.byAccount.clear(account);
  }
}
