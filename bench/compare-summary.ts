/**
 * The figures and summary table of bench/compare-builds.ts, apart from its servers so that a test can check them
 * (test/bench/compare-summary.test.ts).
 */

/**
 * The middle value; of an even count, the mean of the two middle ones. Until 2026-12-07 an even count (the default
 * six rounds) took the upper of the two, which leaned every figure towards the slower rounds.
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One build's medians, as the summary prints them. */
export interface BuildSummary {
  label: string;
  exchangeMicros: number;
  exchangePerSecond: number;
  bearerMicros: number;
  bearerPerSecond: number;
  non2xx: number;
}

/**
 * One line per build, each label padded to the longest, so that the columns line up whatever the labels: a full
 * 40-hex SHA (until 2026-12-07 labels were padded to 14 characters, and a SHA pushed its line's columns out of line).
 */
export function summaryLines(builds: readonly BuildSummary[]): string[] {
  const width = Math.max(0, ...builds.map((b) => b.label.length));
  return builds.map(
    (b) =>
      `  ${b.label.padEnd(width)}  exchange ${b.exchangeMicros.toFixed(1)} µs (${b.exchangePerSecond.toFixed(0)}), ` +
      `bearer ${b.bearerMicros.toFixed(1)} µs (${b.bearerPerSecond.toFixed(0)}), non-2xx ${b.non2xx}`,
  );
}
