/**
 * Fixed-window counters per key (client IP, API token hash, IP+user), in memory per node. Limits here are a
 * brake on brute force and runaway scripts, not a billing meter, so per-node counting is enough; the window
 * length bounds memory (the map is cleared at each window change).
 */
export class RateLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(limit: number, windowMs = 60_000) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts one hit; returns 0 when allowed, else the seconds until the window resets. */
  hit(key: string, now = Date.now()): number {
    const window = now - (now % this.windowMs);
    if (window !== this.windowStart) {
      this.windowStart = window;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count <= this.limit) return 0;
    return Math.max(1, Math.ceil((window + this.windowMs - now) / 1000));
  }
}
