/**
 * Sliding-window counters per key (client IP, a digest of an API token's hash or of an address and a name), in
 * memory per node. Limits here are a brake on brute force and runaway scripts, not a billing meter, so per-node
 * counting is enough.
 *
 * Why sliding and not fixed windows: a fixed window forgets everything at its boundary, so a burst that straddles
 * it gets up to twice the limit (found by a test whose 40 registrations in 350 ms crossed a minute boundary and
 * were never refused). Here a key's rate is its count in the current window plus the previous window's count
 * weighted by how much of it still lies within the last `windowMs`, so a burst is judged the same wherever the
 * boundary falls. The previous window counts as if its hits were spread evenly: a steady rate one below the limit
 * is never refused, and one exactly at it may be at a window's start. Memory stays bounded by the window (two
 * maps, the older dropped at each window change); a hit costs one more map read than before.
 */
import { createHash } from 'node:crypto';
import { addressBlock } from '../domain/address-block.js';

export class RateLimiter<K extends string | number = string> {
  private readonly limit: number;
  private readonly windowMs: number;
  private windowStart = 0;
  private counts = new Map<K, number>();
  private previous = new Map<K, number>();

  constructor(limit: number, windowMs = 60_000) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts one hit (refused ones too); returns 0 when allowed, else the seconds until a retry would be. */
  hit(key: K, at = Date.now()): number {
    // A clock stepped back (NTP) counts as the current window's start: until 2026-12-07 an earlier instant was a
    // window change, and every key's count was forgotten at once.
    const now = Math.max(at, this.windowStart);
    const window = now - (now % this.windowMs);
    if (window !== this.windowStart) {
      // The window just ended becomes the previous one; after a gap of a whole window there is none.
      this.previous = window - this.windowStart === this.windowMs ? this.counts : new Map();
      this.windowStart = window;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    const before = this.previous.get(key) ?? 0;
    const elapsed = now - window;
    if (count + before * (1 - elapsed / this.windowMs) <= this.limit) return 0;
    return Math.max(1, Math.ceil(this.msUntilAllowed(count, before, elapsed) / 1000));
  }

  /**
   * Takes back one hit of `key` in the current window (never below zero): for limits that should count only what
   * did not succeed, where success is known after the hit (a sign-in's password is checked after its hit).
   */
  forgive(key: K, at = Date.now()): void {
    // The clock read as `hit` reads it: a clock stepped back counts as the current window's start, so the hit it
    // counted there is the one taken back (a sign-in that succeeded stays forgiven after an NTP step).
    const now = Math.max(at, this.windowStart);
    if (now - (now % this.windowMs) !== this.windowStart) return;
    const count = this.counts.get(key);
    if (count === undefined) return;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  /**
   * How long until one more hit would be allowed, if nothing else were counted meanwhile (`count` includes the
   * refused hit itself): later in this window, once enough of the previous one has slid out, or else in the next
   * window, once enough of this one has.
   */
  private msUntilAllowed(count: number, before: number, elapsed: number): number {
    const w = this.windowMs;
    const room = this.limit - count - 1; // what the previous window's weighted count may still be
    if (room >= 0 && before > 0) {
      const at = w * (1 - room / before);
      if (at < w) return Math.max(0, at - elapsed);
    }
    return w - elapsed + Math.max(0, w * (1 - (this.limit - 1) / count));
  }
}

/**
 * The key a limiter keeps for a SHA-256 hex digest (an API token's lookup hash): its first 52 bits as a number,
 * exact in a double. The per-token limiter sees every distinct token a node exchanges in two minutes (at a million
 * tokens drawn at random, every request): a number key costs the map about 30 bytes an entry where the digest's
 * 64-character string, which the map would otherwise keep alive, cost about 110 (measured with 500,000 keys). Two
 * tokens share a key with a chance of about 1 in 10,000 among a million; they would then share one budget, a
 * brake at most twice as early for both, never a later one.
 */
export function digestKey(hexDigest: string): number {
  return Number.parseInt(hexDigest.slice(0, 13), 16);
}

/**
 * The key a limiter keeps for a text the client chose (a user name and org from a sign-in, up to 512 characters):
 * its SHA-256 as `digestKey`. The sign-in limiter counts every name tried, refused ones too, for two minutes: kept as
 * strings, 20,000 names of 500 `İ` from one address held 53 MB (until 2026-12-05), where numbers hold under 1 MB.
 */
export function textKey(text: string): number {
  return digestKey(createHash('sha256').update(text).digest('hex'));
}

/**
 * A limiter keyed by the client's address, and by what it tried (`what`: a user name and org, an action), for every
 * per-address budget. The address counts by its block (an IPv6 client by its /64, domain/address-block.ts) and the
 * key is a digest when it holds `what`, here rather than at each caller, so that no route can forget either.
 */
export class AddressRateLimiter {
  private readonly limiter: RateLimiter<string | number>;

  constructor(limit: number, windowMs?: number) {
    this.limiter = new RateLimiter(limit, windowMs);
  }

  /** Counts one hit of `ip` (and `what`); 0 when allowed, else the seconds until a retry would be. */
  hit(ip: string, what?: string, now?: number): number {
    return this.limiter.hit(keyOf(ip, what), now);
  }

  /** Takes back one hit (see RateLimiter.forgive). */
  forgive(ip: string, what?: string, now?: number): void {
    this.limiter.forgive(keyOf(ip, what), now);
  }
}

function keyOf(ip: string, what: string | undefined): string | number {
  const block = addressBlock(ip);
  return what === undefined ? block : textKey(`${block}|${what}`);
}
