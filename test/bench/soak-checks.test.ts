/**
 * The soak's verdicts in isolation (bench/soak-checks.ts, bench/soak-report.ts): each check fails on the fault it
 * exists for, and passes on a flat run; the revocation watch catches a success sent after a revocation committed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  evaluate,
  linearSlope,
  MIN_STEADY_INTERVALS,
  RevocationWatch,
  steadyIntervalCount,
  type IntervalSample,
} from '../../bench/soak-checks.js';
import { renderSvg, toCsv } from '../../bench/soak-report.js';

/** 30 one-minute intervals of a healthy run; `change` alters interval i. */
function run(change: (s: IntervalSample, i: number) => Partial<IntervalSample> = () => ({})): IntervalSample[] {
  return Array.from({ length: 30 }, (_, i) => {
    const base: IntervalSample = {
      index: i,
      atMinutes: i + 1,
      seconds: 60,
      requests: 60_000,
      requestsPerSecond: 1000,
      exchangesPerSecond: 450,
      p50Ms: 2,
      p99Ms: 10 + (i % 3),
      maxMs: 40,
      cpuMicrosPerRequest: 200 + (i % 2) * 4,
      rssMb: 150 + (i % 4) * 3, // a GC sawtooth, no trend
      rssAnonMb: 120,
      rssFileMb: 30,
      heapUsedMb: 60,
      heapTotalMb: 70,
      externalMb: 5,
      dbFileMb: 10,
      walFileMb: 4,
      lagMeanMs: 1.5,
      lagP99Ms: 8,
      errors5xx: 0,
      unexpected: 0,
      revokedAccepted: 0,
      revocations: 180,
      behind: 0,
      rows: { audit_events: 1000 + i * 10 },
    };
    return { ...base, ...change(base, i) };
  });
}

const failed = (samples: IntervalSample[]) =>
  evaluate(samples, 60)
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);

test('a flat run passes every check', () => {
  assert.deepEqual(failed(run()), []);
});

test('one revoked token accepted fails the run', () => {
  assert.deepEqual(failed(run((_, i) => (i === 17 ? { revokedAccepted: 1 } : {}))), ['no revoked token accepted']);
});

test('one 5xx fails the run', () => {
  assert.deepEqual(failed(run((_, i) => (i === 3 ? { errors5xx: 1 } : {}))), ['no 5xx']);
});

test('RSS growing 2 MB a minute fails; the same slope over a short window does not', () => {
  assert.deepEqual(failed(run((s, i) => ({ rssMb: s.rssMb + 2 * i }))), ['RSS flat after warm-up']);
  const short = run((_, i) => ({ rssMb: 150 + (2 * (i + 1)) / 12, atMinutes: (i + 1) / 12 })); // 2 MB/min at 5 s intervals
  assert.ok(!failed(short).includes('RSS flat after warm-up'), 'under 16 MB over the window is GC noise');
});

test('over a one-minute window growth is reported, not gating; a 5xx still fails it', () => {
  const minute = (change: (s: IntervalSample, i: number) => Partial<IntervalSample>) =>
    run((s, i) => ({ atMinutes: (i + 1) / 30, seconds: 2, ...change(s, i) })).slice(0, 30);
  const verdict = evaluate(
    minute((s, i) => ({ p99Ms: i > 25 ? 40 : s.p99Ms })),
    2,
  );
  const p99 = verdict.checks.find((c) => c.name === 'p99 latency stable')!;
  assert.equal(p99.ok, false);
  assert.equal(p99.advisory, true);
  assert.equal(verdict.ok, true);
  assert.equal(
    evaluate(
      minute((_, i) => (i === 3 ? { errors5xx: 1 } : {})),
      2,
    ).ok,
    false,
  );
});

test('event-loop lag creeping up fails', () => {
  assert.deepEqual(failed(run((s, i) => ({ lagMeanMs: s.lagMeanMs + 0.2 * i }))), ['event-loop lag flat after warm-up']);
});

test('p99 tripling from the first intervals to the last fails', () => {
  assert.deepEqual(failed(run((s, i) => ({ p99Ms: i > 25 ? 40 : s.p99Ms }))), ['p99 latency stable']);
});

test('CPU per request rising 20 % over the run fails (the held-back soak rose 18 % in 10 minutes)', () => {
  assert.deepEqual(failed(run((s, i) => ({ cpuMicrosPerRequest: s.cpuMicrosPerRequest * (1 + (0.25 * i) / 29) }))), [
    'CPU per request flat',
  ]);
});

test('too short a run to judge growth says so instead of passing', () => {
  assert.deepEqual(failed(run().slice(0, 3)), ['enough steady intervals']);
});

test('linear regression', () => {
  assert.equal(linearSlope([1, 2, 3, 4], [3, 5, 7, 9]), 2);
  assert.equal(linearSlope([1], [5]), 0);
});

test('the revocation watch: uses before the commit and refusals after it are fine, a success after it is not', () => {
  const watch = new RevocationWatch();
  watch.committed('t1', 1000);
  assert.equal(watch.observe('t1', 999, 200, 'exchange'), false, 'sent before the revocation committed');
  assert.equal(watch.observe('t1', 1001, 400, 'exchange'), false);
  assert.equal(watch.observe('t1', 1001, 401, 'session'), false);
  assert.equal(watch.observe('t2', 5000, 200, 'another token'), false);
  assert.equal(watch.observe('t1', 1500, 200, 'exchange'), true);
  assert.equal(watch.accepted, 1);
  assert.match(watch.examples[0]!, /t1 answered 200 500 ms after/);
});

test('CSV: a header, one row per interval, row counts as columns; SVG: one line per panel', () => {
  const samples = run();
  const csv = toCsv(samples).trim().split('\n');
  assert.equal(csv.length, 31);
  assert.match(csv[0]!, /^interval,minutes,.*,rows_audit_events$/);
  const svg = renderSvg(samples, { title: 'a <test>', warmUpIntervals: 6 });
  assert.match(svg, /^<svg /);
  assert.equal(svg.match(/<polyline /g)?.length, 5);
  assert.match(svg, /a &lt;test&gt;/);
});

test('a run too short to leave three intervals after warm-up is refused before it starts, with the shortest that can pass', () => {
  // The run's last interval may be short (the run ends inside it): 6 s at 5-s intervals are 2 intervals, 1 after warm-up.
  assert.equal(steadyIntervalCount(0.1, 5), 1);
  assert.equal(steadyIntervalCount(0.3, 5), MIN_STEADY_INTERVALS);
  assert.equal(steadyIntervalCount(0.2, 2), 4, "the smoke test's run");
  const refused = spawnSync(process.execPath, ['--import', 'tsx', 'bench/soak.ts', '--minutes', '0.1', '--out', '/nonexistent'], {
    encoding: 'utf8',
  });
  // Until 2026-12-06 such a run built the product, drove the load, then failed "enough steady intervals".
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /--minutes 0\.1 with 5-s intervals leaves 1 interval\(s\) after warm-up.*use --minutes 0\.3 or more/);
});
