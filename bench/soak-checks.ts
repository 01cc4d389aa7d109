/**
 * The soak's verdicts, kept apart from the load generator so that each rule can be tested in isolation
 * (test/bench/soak-checks.test.ts): what a per-interval sample holds, the linear regression that turns samples into
 * a slope per minute, the thresholds and why, and the watch that catches a revoked token accepted after its
 * revocation was committed.
 */

/** One interval of the soak (a row of the CSV). Times in ms, sizes in MB, rates per second. */
export interface IntervalSample {
  index: number;
  /** Minutes since the mix started, at the end of the interval. */
  atMinutes: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  exchangesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU (user + system) per request, microseconds. */
  cpuMicrosPerRequest: number;
  /** Server resident set size, mean of the interval's 1-second samples. */
  rssMb: number;
  /**
   * RSS split as the kernel counts it (/proc/<pid>/status at the interval's end): anonymous memory (the JavaScript
   * heap, native allocations) against file-backed and shared pages (the binary, SQLite's WAL index), which the
   * kernel can take back and which say nothing about a leak.
   */
  rssAnonMb: number;
  rssFileMb: number;
  heapUsedMb: number;
  /** V8's committed heap and the memory outside it that it accounts for (Buffers, ArrayBuffers). */
  heapTotalMb: number;
  externalMb: number;
  /** SQLite only (NaN on PostgreSQL): the database file and its write-ahead log. A WAL that keeps growing makes every read slower. */
  dbFileMb: number;
  walFileMb: number;
  /** The server's event-loop delay over the interval (prom-client, reset at each scrape). */
  lagMeanMs: number;
  lagP99Ms: number;
  errors5xx: number;
  unexpected: number;
  revokedAccepted: number;
  revocations: number;
  /** Operations the scheduler could not start because too many were in flight (the server fell behind). */
  behind: number;
  /** Row counts of every table at the end of the interval. */
  rows: Record<string, number>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Reported but not gating: a growth check over a window too short to judge growth (see MIN_GROWTH_WINDOW_MINUTES). */
  advisory?: boolean;
}

/**
 * Growth (RSS, lag, p99, CPU per request) gates a run only over at least this many steady minutes. CI's one-minute
 * runs gate on what a minute can show (no 5xx, no revoked token accepted, no unexpected status, coalesced audit)
 * and report the growth figures as notes: a slope fitted to under five minutes of a shared runner is its
 * neighbours' noise, and failing CI on it would teach people to ignore the soak.
 */
export const MIN_GROWTH_WINDOW_MINUTES = 5;

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two distinct x. */
export function linearSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The thresholds, and why (docs/performance-soak.md repeats them):
 *  - A slope alone flags noise in a short run, a total alone misses a slow leak in a long one, so a growth check
 *    fails only when both the slope per minute and the growth it projects over the measured window pass their
 *    limits.
 *  - RSS: 1 MB/min is 60 MB an hour, 1.4 GB a day: a leak an operator would have to restart for. Below 16 MB over
 *    the window the change is within the sawtooth of the garbage collector on a heap of this size (measured:
 *    +-5 to 10 MB between samples), so a one-minute CI run only catches a gross leak, an hour catches 1 MB/min.
 *  - Event-loop lag (mean): 0.05 ms/min is 3 ms an hour, on a mean of 1-3 ms at 80 % load; 2 ms over the window is
 *    the smallest change that stands out of the run-to-run noise on a shared 2-core machine.
 *  - p99: the median p99 of the last intervals at most 2x that of the first ones plus 5 ms. Other processes share
 *    the cores (the client itself, CI neighbours): a tighter bound would fail on their noise, and a server whose
 *    p99 doubles under the same load has a problem worth failing for.
 *  - CPU per request: the last intervals' median at most 15 % above the first ones' (the regression must agree):
 *    the held-back run's 18 % rise in 10 minutes is the failure this exists to catch.
 */
export const THRESHOLDS = {
  rssSlopeMbPerMin: 1,
  rssGrowthFloorMb: 16,
  lagSlopeMsPerMin: 0.05,
  lagGrowthFloorMs: 2,
  p99Ratio: 2,
  p99SlackMs: 5,
  cpuRise: 0.15,
  /** How many intervals at each end are compared (medians) for p99 and CPU per request. */
  endIntervals: 3,
} as const;

/** Warm-up: the first fifth of the run, at least one interval and at most 5 minutes (JIT, caches, heap sizing). */
export function warmUpIntervals(total: number, intervalSeconds: number): number {
  const byFraction = Math.ceil(total * 0.2);
  const byTime = Math.ceil(300 / intervalSeconds);
  return Math.max(1, Math.min(byFraction, byTime));
}

/** Growth is judged on this many intervals after warm-up at least (`evaluate`: "enough steady intervals"). */
export const MIN_STEADY_INTERVALS = 3;

/** The intervals a run of `minutes` leaves after its warm-up (the last one may be short: the run ends inside it). */
export function steadyIntervalCount(minutes: number, intervalSeconds: number): number {
  const total = Math.ceil((minutes * 60) / intervalSeconds - 1e-9);
  return total - warmUpIntervals(total, intervalSeconds);
}

export interface GrowthFigure {
  slopePerMinute: number;
  projected: number;
  first: number;
  last: number;
}

function growth(samples: readonly IntervalSample[], pick: (s: IntervalSample) => number): GrowthFigure {
  const xs = samples.map((s) => s.atMinutes);
  const ys = samples.map(pick);
  const slope = linearSlope(xs, ys);
  const window = xs.length > 1 ? xs[xs.length - 1]! - xs[0]! : 0;
  return { slopePerMinute: slope, projected: slope * window, first: ys[0] ?? 0, last: ys[ys.length - 1] ?? 0 };
}

export interface Verdict {
  checks: Check[];
  ok: boolean;
  steady: IntervalSample[];
  rss: GrowthFigure;
  lag: GrowthFigure;
  cpu: GrowthFigure;
}

/** Judges a finished (or interrupted) run. `intervalSeconds` sets the warm-up. */
export function evaluate(samples: readonly IntervalSample[], intervalSeconds: number): Verdict {
  const t = THRESHOLDS;
  const warm = warmUpIntervals(samples.length, intervalSeconds);
  const steady = samples.slice(warm);
  const sum = (f: (s: IntervalSample) => number) => samples.reduce((a, s) => a + f(s), 0);
  const checks: Check[] = [];
  const errors = sum((s) => s.errors5xx);
  checks.push({ name: 'no 5xx', ok: errors === 0, detail: `${errors} responses with a 5xx status` });
  const accepted = sum((s) => s.revokedAccepted);
  checks.push({
    name: 'no revoked token accepted',
    ok: accepted === 0,
    detail: `${accepted} requests with a revoked token (or a session made from it) succeeded after the revocation committed; ${sum((s) => s.revocations)} revocations`,
  });
  const unexpected = sum((s) => s.unexpected);
  checks.push({
    name: 'no unexpected status',
    ok: unexpected === 0,
    detail: `${unexpected} responses with a status the operation does not allow`,
  });

  const rss = growth(steady, (s) => s.rssMb);
  const lag = growth(steady, (s) => s.lagMeanMs);
  const cpu = growth(steady, (s) => s.cpuMicrosPerRequest);
  if (steady.length < MIN_STEADY_INTERVALS) {
    checks.push({
      name: 'enough steady intervals',
      ok: false,
      detail: `${steady.length} intervals after warm-up; at least ${MIN_STEADY_INTERVALS} are needed to judge growth`,
    });
    return { checks, ok: false, steady, rss, lag, cpu };
  }
  const windowMinutes = steady[steady.length - 1]!.atMinutes - steady[0]!.atMinutes + intervalSeconds / 60;
  const advisory = windowMinutes < MIN_GROWTH_WINDOW_MINUTES;
  const growthChecksFrom = checks.length;
  const rssGrows = rss.slopePerMinute > t.rssSlopeMbPerMin && rss.projected > t.rssGrowthFloorMb;
  checks.push({
    name: 'RSS flat after warm-up',
    ok: !rssGrows,
    detail: `slope ${rss.slopePerMinute.toFixed(2)} MB/min (${rss.projected.toFixed(1)} MB over the window); fails above ${t.rssSlopeMbPerMin} MB/min and ${t.rssGrowthFloorMb} MB`,
  });
  const lagGrows = lag.slopePerMinute > t.lagSlopeMsPerMin && lag.projected > t.lagGrowthFloorMs;
  checks.push({
    name: 'event-loop lag flat after warm-up',
    ok: !lagGrows,
    detail: `mean lag slope ${lag.slopePerMinute.toFixed(3)} ms/min (${lag.projected.toFixed(2)} ms over the window); fails above ${t.lagSlopeMsPerMin} ms/min and ${t.lagGrowthFloorMs} ms`,
  });
  const n = Math.min(t.endIntervals, Math.floor(steady.length / 2));
  const head = steady.slice(0, n);
  const tail = steady.slice(-n);
  const p99First = median(head.map((s) => s.p99Ms));
  const p99Last = median(tail.map((s) => s.p99Ms));
  checks.push({
    name: 'p99 latency stable',
    ok: p99Last <= p99First * t.p99Ratio + t.p99SlackMs,
    detail: `first ${p99First.toFixed(1)} ms, last ${p99Last.toFixed(1)} ms (median of ${n} intervals each); fails above ${t.p99Ratio}x first + ${t.p99SlackMs} ms`,
  });
  const cpuFirst = median(head.map((s) => s.cpuMicrosPerRequest));
  const cpuLast = median(tail.map((s) => s.cpuMicrosPerRequest));
  const cpuMean = steady.reduce((a, s) => a + s.cpuMicrosPerRequest, 0) / steady.length;
  const cpuRiseEnds = cpuFirst > 0 ? cpuLast / cpuFirst - 1 : 0;
  const cpuRiseTrend = cpuMean > 0 ? cpu.projected / cpuMean : 0;
  checks.push({
    name: 'CPU per request flat',
    ok: !(cpuRiseEnds > t.cpuRise && cpuRiseTrend > t.cpuRise),
    detail: `first ${cpuFirst.toFixed(0)} µs, last ${cpuLast.toFixed(0)} µs (${(cpuRiseEnds * 100).toFixed(1)} %), trend ${(cpuRiseTrend * 100).toFixed(1)} % over the window (${cpu.slopePerMinute.toFixed(2)} µs/min); fails when both exceed ${t.cpuRise * 100} %`,
  });
  if (advisory) {
    for (const c of checks.slice(growthChecksFrom)) {
      c.advisory = true;
      c.detail += ` (advisory: ${windowMinutes.toFixed(1)} steady minutes, under ${MIN_GROWTH_WINDOW_MINUTES}, cannot judge growth)`;
    }
  }
  return { checks, ok: checks.every((c) => c.ok || c.advisory), steady, rss, lag, cpu };
}

/**
 * Remembers when each revocation was known committed (its DELETE answered 204) and judges every later use of the
 * token or of a session made from it: a success sent after that instant is a revoked token accepted.
 */
export class RevocationWatch {
  private readonly revokedAt = new Map<string, number>();
  private readonly max: number;
  accepted = 0;
  readonly examples: string[] = [];

  constructor(max = 10_000) {
    this.max = max;
  }

  committed(tokenId: string, at: number): void {
    if (this.revokedAt.size >= this.max) {
      const oldest = this.revokedAt.keys().next().value;
      if (oldest !== undefined) this.revokedAt.delete(oldest);
    }
    this.revokedAt.set(tokenId, at);
  }

  /** Returns true when this use breaks the rule. `sentAt` is when the request left the client. */
  observe(tokenId: string, sentAt: number, status: number, what: string): boolean {
    const at = this.revokedAt.get(tokenId);
    if (at === undefined || sentAt < at || status < 200 || status >= 300) return false;
    this.accepted += 1;
    if (this.examples.length < 10)
      this.examples.push(`${what}: token ${tokenId} answered ${status} ${(sentAt - at).toFixed(0)} ms after its revocation committed`);
    return true;
  }
}
