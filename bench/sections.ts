/**
 * The sub-commands of `npm run bench` for issue 16 (scale): `exchange`, `peer`, `million`, `query`,
 * `portal`, `revocation`; `npm run bench` alone runs the hot-path suite and then every one of these. Each prints its rows
 * and the ratios its goal is written against, and sets a non-zero exit code when a hard check fails (a revoked
 * token accepted). Sizes can be reduced for a quick look: BENCH_SECONDS (seconds per measurement, default 5),
 * BENCH_ROUNDS (interleaved rounds, default 3), BENCH_TOKENS (default 1000000), BENCH_VMS (default 100000),
 * BENCH_REVOCATIONS (default 1000), BENCH_BACKENDS (default "sqlite,postgres").
 */
import { cpus, loadavg } from 'node:os';
import { formatRow } from './harness.js';
import { tesseraEntry } from './tessera-entry.js';
import { BUSY_MICROS, exchangeBench } from './exchange.js';
import { millionTokensBench } from './million.js';
import { queryScaleBench } from './query-scale.js';
import { portalScaleBench } from './portal-scale.js';
import { revocationUnderLoad, type NodeDuringRun } from './revocation-load.js';

export const SECTIONS = ['exchange', 'peer', 'million', 'query', 'portal', 'revocation'] as const;
export type Section = (typeof SECTIONS)[number];

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const backends = () =>
  (process.env.BENCH_BACKENDS ?? 'sqlite,postgres')
    .split(',')
    .filter((b): b is 'sqlite' | 'postgres' => b === 'sqlite' || b === 'postgres');
const ms = (x: number) => `${x.toFixed(2)} ms`;
const goal = (ok: boolean) => (ok ? 'ok' : 'MISSED');

function machine(): string {
  return `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} (1/5/15 min)`;
}

export async function runSection(section: Section): Promise<void> {
  const seconds = env('BENCH_SECONDS', 5);
  const rounds = env('BENCH_ROUNDS', 3);
  tesseraEntry(); // the product is built once, before anything is timed (start-up figures included)
  console.log(`\n== ${section} (${seconds}s per measurement, Node ${process.version}, ${machine()})`);
  if (section === 'exchange' || section === 'peer') {
    const f = await exchangeBench({ durationSeconds: seconds, rounds, peer: section === 'peer' || process.env.BENCH_PEER !== '0' });
    for (const m of [f.hello, f.floor, f.floorWithWork, f.exchange, ...(f.peer ? [f.peer] : [])]) console.log(formatRow(m, f.hello));
    const vsHello = f.exchange.requestsPerSecond / f.hello.requestsPerSecond;
    const vsFloor = f.exchange.requestsPerSecond / f.floor.requestsPerSecond;
    console.log(
      `exchange: ${vsHello.toFixed(2)}x hello-world (goal >= 0.45: ${goal(vsHello >= 0.45)}), ${vsFloor.toFixed(2)}x the same-shaped floor (goal ~0.7); ` +
        `round by round ${f.roundRatios.map((r) => r.toFixed(2)).join(' / ')}x`,
    );
    console.log(
      `calibration: the floor + ${BUSY_MICROS} µs of handler work reaches ${(f.floorWithWork.requestsPerSecond / f.hello.requestsPerSecond).toFixed(2)}x hello-world ` +
        `here: about the share the goal leaves for the exchange's own work (its signature alone is 3-5 µs)`,
    );
    console.log(
      `exchange CPU: ${f.exchange.cpuMicrosPerRequest.toFixed(1)} µs/request = ${f.exchangesPerCpuSecond.toFixed(0)} exchanges per CPU-second ` +
        `(floor ${(1e6 / f.floor.cpuMicrosPerRequest).toFixed(0)}/CPU-s, ratio ${(f.floor.cpuMicrosPerRequest / f.exchange.cpuMicrosPerRequest).toFixed(2)}x)`,
    );
    if (f.peer) {
      console.log(
        `peer (node-oidc-provider refresh_token): Tessera/peer ${(f.exchange.requestsPerSecond / f.peer.requestsPerSecond).toFixed(2)}x req/s, ` +
          `${(f.exchangesPerCpuSecond / f.peerPerCpuSecond!).toFixed(2)}x per CPU-second`,
      );
    }
    return;
  }
  if (section === 'million') {
    const total = env('BENCH_TOKENS', 1_000_000);
    const orgs = Math.max(1, Math.round(total / 10_000));
    for (const kind of backends()) {
      const f = await millionTokensBench({ kind, durationSeconds: seconds, rounds, shape: { orgs, usersPerOrg: 100, tokensPerUser: 100 } });
      console.log(formatRow(f.small, f.small));
      console.log(formatRow(f.big, f.small));
      const ratio = f.big.requestsPerSecond / f.small.requestsPerSecond;
      console.log(
        `${kind}: ${f.tokens.toLocaleString('en')} tokens generated in ${f.generateSeconds.toFixed(1)} s; start-up ${f.startupSeconds.toFixed(2)} s (1,000-token store: ${f.startupSecondsSmall.toFixed(2)} s)` +
          (f.sqliteCacheMb === null ? '' : `; SQLite page cache ${f.sqliteCacheMb.toFixed(1)} MiB`),
      );
      console.log(
        `${kind}: random exchange at ${f.tokens.toLocaleString('en')} tokens = ${ratio.toFixed(2)}x the rate at 1,000 (goal >= 0.80: ${goal(ratio >= 0.8)})`,
      );
      console.log(
        `${kind}: server RSS ${f.rss.rss.toFixed(0)} MB, peak ${f.rss.peak.toFixed(0)} MB (goal < 512: ${goal(f.rss.peak < 512)})`,
      );
      for (const [name, t] of [
        ['own tokens (100), page 1', f.ownList],
        ['org page 1 (10,000 tokens)', f.orgPage1],
        ['org page 200', f.orgPageDeep],
      ] as const) {
        console.log(
          `${kind}: list ${name}, store at rest: median ${ms(t.median)}, p95 ${ms(t.p95)}, total ${t.total} (goal < 5 ms: ${goal(t.median < 5)})`,
        );
      }
      console.log(
        `${kind}: the floor, GET /cloudapi/1.0.0/sessions/current with the same client, store at rest: median ${ms(f.floor.median)}, p95 ${ms(f.floor.p95)}`,
      );
      const after = f.afterLoad;
      console.log(
        `${kind}: the same right after the exchange rounds (not judged): median ${ms(after.ownList.median)} / ${ms(after.orgPage1.median)} / ${ms(after.orgPageDeep.median)}, p95 ${ms(after.ownList.p95)} / ${ms(after.orgPage1.p95)} / ${ms(after.orgPageDeep.p95)}; the floor ${ms(after.floor.median)}`,
      );
    }
    return;
  }
  if (section === 'query') {
    for (const kind of backends()) {
      const rows = await queryScaleBench({ kind, durationSeconds: seconds, vms: env('BENCH_VMS', 100_000) });
      for (const r of rows) {
        console.log(formatRow(r.cached, r.cached));
        console.log(formatRow(r.uncached, r.cached) + `  uncached costs ${r.costRatio.toFixed(2)}x (goal < 3: ${goal(r.costRatio < 3)})`);
      }
    }
    return;
  }
  if (section === 'portal') {
    // Issue 14 §1: the portal's inventory pages at 100,000 VMs, against the cached /api/query page of the same run.
    for (const kind of backends()) {
      const f = await portalScaleBench({ kind, vms: env('BENCH_VMS', 100_000), samples: env('BENCH_PORTAL_SAMPLES', 15) });
      console.log(
        `${kind}: ${f.vms.toLocaleString('en')} VMs seeded in ${f.seedSeconds.toFixed(1)} s; baseline (cached /api/query page 1): median ${ms(f.baseline.median)}, p95 ${ms(f.baseline.p95)}`,
      );
      let slowest = 0;
      for (const r of f.rows) {
        slowest = Math.max(slowest, r.median);
        console.log(
          `${kind}: ${r.who.padEnd(26)} ${r.name.padEnd(38)} first ${ms(r.first).padStart(11)}, median ${ms(r.median).padStart(10)}, p95 ${ms(r.p95).padStart(10)}, ${r.ratio.toFixed(1).padStart(5)}x baseline (goal < 150 ms: ${goal(r.median < 150)})`,
        );
      }
      const slowestFirst = Math.max(...f.rows.map((r) => r.first));
      console.log(
        `${kind}: slowest portal page median ${ms(slowest)} (goal < 150 ms: ${goal(slowest < 150)}); slowest first view ${ms(slowestFirst)}`,
      );
    }
    return;
  }
  const f = await revocationUnderLoad({ durationSeconds: Math.max(seconds * 6, 30), revocations: env('BENCH_REVOCATIONS', 1_000) });
  console.log(
    `capacity, both nodes loaded at once: node A ${f.capacity[0].toFixed(0)} req/s, node B ${f.capacity[1].toFixed(0)} req/s (each alone: ${f.capacityAlone.map((r) => r.toFixed(0)).join(' / ')}); offered 70 %: ${f.offeredRate.join(' / ')}; achieved ${f.achievedRate.map((r) => r.toFixed(0)).join(' / ')}`,
  );
  console.log(
    `revocation A->B / B->A under load (${f.revocations} revocations, from sending the DELETE): p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)}`,
  );
  console.log(
    `from the revocation's commit (${f.commitClock === 'commit timestamp' ? "PostgreSQL's commit timestamp" : "the revoking node's clock before its transaction: track_commit_timestamp is off, so this errs long"}) to the first refusal on the other node: p50 ${ms(f.fromCommit.p50)}, p99 ${ms(f.fromCommit.p99)} (goal <= 50: ${goal(f.fromCommit.p99 <= 50)}), max ${ms(f.fromCommit.max)}`,
  );
  const feed = (d: NodeDuringRun) =>
    `${d.heartbeats} heartbeats, p50 <= ${ms(d.p50AtMost)}, p99 <= ${ms(d.p99AtMost)}, longest event-loop delay ${ms(d.eventLoopDelayMaxMs)}`;
  console.log(
    `the feed itself (each node's heartbeats through it during the run, tessera_revocation_feed_delay_seconds): node A ${feed(f.nodesDuringRun[0])}; node B ${feed(f.nodesDuringRun[1])}`,
  );
  console.log(
    `the DELETE's own round trip p50 ${ms(f.deleteRoundTrip.p50)}, p99 ${ms(f.deleteRoundTrip.p99)}; the refused probe's p50 ${ms(f.refusedProbeRoundTrip.p50)}, p99 ${ms(f.refusedProbeRoundTrip.p99)}; ${f.probesPerRevocation.toFixed(2)} probes per revocation`,
  );
  console.log(
    `load: ${f.loadRequests} exchanges, ${f.loadRefusals} refused, ${f.loadErrors} errors (5xx or no answer), ${f.loadShed} not sent (128 already waiting: the node fell behind); latency p50/p99 node A ${ms(f.loadLatency[0].p50)} / ${ms(f.loadLatency[0].p99)}, node B ${ms(f.loadLatency[1].p50)} / ${ms(f.loadLatency[1].p99)}; revoked tokens accepted after a refusal on that node: ${f.acceptedAfterRefusal}`,
  );
  if (f.loadErrors > 0) {
    console.error(`FAIL: ${f.loadErrors} load requests answered neither 200 nor 4xx`);
    process.exitCode = 1;
  }
  if (f.acceptedAfterRefusal > 0) {
    console.error(`FAIL: ${f.acceptedAfterRefusal} requests with a revoked token succeeded after the node had refused it`);
    process.exitCode = 1;
  }
}
