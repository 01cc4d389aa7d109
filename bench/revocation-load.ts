/**
 * `npm run bench -- revocation` (issue 16 §5): revocation across two nodes under load, on PostgreSQL.
 *
 * Two `tessera serve` processes share one fresh database. First each node's exchange capacity is measured
 * (autocannon at full speed, tokens drawn at random): each alone, for the record, then both at once, which is the
 * capacity the run takes 70 % of (the nodes share the machine's cores, so a node's capacity alone would overload
 * both). Then both are loaded at 70 % (autocannon `overallRate`, each load generator a process of its own:
 * bench/exchange-load-driver.ts) with exchanges of tokens drawn at random from a pool, while `revocations`
 * tokens of that pool are revoked one by one, spread over the run, alternately through node A and node B. After
 * each revocation the *other* node is asked for exchanges of that token, one after another from the moment the
 * DELETE is sent, until it refuses; the delay runs from sending the revoking DELETE to that refusal, and, the
 * goal's measure, from the revocation's own timestamp (written by the revoking node in the committing transaction,
 * so a little before the commit: the figure errs long; read back from the `revocations` table afterwards; both
 * nodes and the client share one clock) to the refusal.
 *
 * Safety check: every load request remembers which token it carried and when it was sent. A 200 for a token
 * sent after the first refusal of that token *on the same node* is a revoked token accepted: counted, and the
 * benchmark fails loudly (exit code 1) if there is any.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DRIVER_FLAG, type DriverJob, type DriverReport } from './exchange-load-driver.js';
import { PASSWORD, startTesseraProcess } from './exchange.js';
import { freshBackend, generateTokens, prepareStore } from './million.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Heartbeats timed, and the upper bounds (ms) of the histogram buckets that hold their median and 99th percentile. */
export interface FeedDelay {
  heartbeats: number;
  p50AtMost: number;
  p99AtMost: number;
}

/** What one node's metrics say about the run: its feed's delay, and its longest event-loop delay (ms). */
export interface NodeDuringRun extends FeedDelay {
  eventLoopDelayMaxMs: number;
}

const LISTENING_WITH_METRICS = /listening on (http:\/\/[^\s]+)[\s\S]*?Metrics: (http:\/\/[^\s]+)/;

interface Latency {
  p50: number;
  p99: number;
}

export interface RevocationLoadFigures {
  /** Each node's exchange rate with the other idle. */
  capacityAlone: [number, number];
  /** Each node's exchange rate with both loaded at once: the capacity the 70 % is taken of. */
  capacity: [number, number];
  offeredRate: [number, number];
  achievedRate: [number, number];
  revocations: number;
  p50: number;
  p99: number;
  max: number;
  /** From the revocation's commit timestamp to the first refusal on the other node. */
  fromCommit: { p50: number; p99: number; max: number };
  /** What "commit" was read from: PostgreSQL's commit timestamps, or the revoking node's clock before the transaction. */
  commitClock: 'commit timestamp' | 'revocation row';
  /** Each node's own heartbeats through the feed during the run, and its longest event-loop delay. */
  nodesDuringRun: [NodeDuringRun, NodeDuringRun];
  /** The DELETE's own round trip (the probes run alongside it), and the refused probe's round trip. */
  deleteRoundTrip: { p50: number; p99: number; max: number };
  refusedProbeRoundTrip: { p50: number; p99: number; max: number };
  /** Exchanges the other node was asked for per revocation until it refused, the refused one included. */
  probesPerRevocation: number;
  /** 200 answers for a token after that node had refused it: must be 0. */
  acceptedAfterRefusal: number;
  loadRequests: number;
  loadRefusals: number;
  /** Load answers neither 200 nor 4xx (5xx, errors): must be 0. */
  loadErrors: number;
  /** Arrivals the paced load held back because 128 requests were already waiting on that node (it fell behind). */
  loadShed: number;
  /** The load's own latency on each node, ms. */
  loadLatency: [Latency, Latency];
}

export async function revocationUnderLoad(opts: {
  durationSeconds: number;
  revocations: number;
  poolSize?: number;
}): Promise<RevocationLoadFigures> {
  const backend = await freshBackend('postgres', 'revocation');
  const nodes: Awaited<ReturnType<typeof startTesseraProcess>>[] = [];
  try {
    await prepareStore(backend);
    const poolSize = Math.max(opts.poolSize ?? 2_000, opts.revocations + 100);
    const usersPerOrg = 20;
    const generated = await generateTokens(backend, { orgs: 1, usersPerOrg, tokensPerUser: Math.ceil(poolSize / usersPerOrg) });
    for (let n = 0; n < 2; n++) {
      nodes.push(
        await startTesseraProcess(
          backend.dataDir,
          ['--database-url', backend.databaseUrl!, '--metrics-port', '0'],
          {},
          [],
          LISTENING_WITH_METRICS,
        ),
      );
    }
    const urls = nodes.map((n) => n.match[1]!);
    const tokenUrl = (node: number) => `${urls[node]}/oauth/tenant/bench-000/token`;
    const { tokens, ids } = generated;
    const job = (node: number, overallRate: number, durationSeconds: number): DriverJob => ({
      url: tokenUrl(node),
      tokens,
      watched: opts.revocations,
      connections: 16,
      overallRate,
      durationSeconds,
      warmUpSeconds: 1,
    });

    // 1. Capacity: each node alone (for the record), then both at once, which is what the run asks of them: on
    //    one machine the two nodes share its cores, so 70 % of a node's capacity alone would overload them both.
    const capacityAlone: number[] = [];
    for (let n = 0; n < 2; n++) capacityAlone.push((await runDriver(job(n, 0, 5))).requestsPerSecond);
    const together = await Promise.all([runDriver(job(0, 0, 5)), runDriver(job(1, 0, 5))]);
    const capacity = together.map((r) => r.requestsPerSecond);
    const offeredRate = capacity.map((c) => Math.max(1, Math.round(c * 0.7)));

    // 2. Sessions of the org's administrator on both nodes (who revokes).
    const sessions: string[] = [];
    for (const url of urls) {
      const res = await fetch(`${url}/cloudapi/1.0.0/sessions`, {
        method: 'POST',
        headers: { Authorization: 'Basic ' + Buffer.from(`${generated.orgAdmin}:${PASSWORD}`).toString('base64') },
      });
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
      sessions.push(res.headers.get('x-vmware-vcloud-access-token')!);
    }

    const metricsUrls = nodes.map((n) => n.match[2]!);
    const scrapedBefore = await Promise.all(metricsUrls.map(scrapeNode));

    // 3. Load both nodes at 70 % (each from its own process) while revoking the watched tokens one by one.
    const loads = [
      runDriver({ ...job(0, offeredRate[0]!, opts.durationSeconds), warmUpSeconds: 0 }),
      runDriver({ ...job(1, offeredRate[1]!, opts.durationSeconds), warmUpSeconds: 0 }),
    ];
    /** Per node, per watched token: when that node first refused it (epoch ms), by the probe or the revoking DELETE. */
    const firstRefusal: (number | null)[][] = [new Array(opts.revocations).fill(null), new Array(opts.revocations).fill(null)];
    const delays: number[] = [];
    /** Per revocation: the DELETE's round trip, how many probes the other node needed, the refused probe's round trip. */
    const deleteTimes: number[] = [];
    const probeCounts: number[] = [];
    const lastProbeTimes: number[] = [];
    /** token id -> epoch time (ms) of the other node's first refusal. */
    const refusedAtWall = new Map<string, number>();
    const spacing = (opts.durationSeconds * 1000 * 0.9) / opts.revocations;
    const runStart = performance.now();
    for (let i = 0; i < opts.revocations; i++) {
      const due = runStart + 500 + i * spacing;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const via = i % 2;
      const other = 1 - via;
      const token = tokens[i]!;
      const start = performance.now();
      // The other node is probed from the moment the DELETE is sent, one exchange after another, so that its first
      // refusal is seen within one probe's round trip of the revocation reaching it, not after the DELETE's own
      // answer (which waits for the commit's flush and the revoking node's queue). Probes answered 200 before
      // that are the other node still honouring a token whose revocation has not committed or arrived yet.
      let deleteAnsweredAt = Number.NaN;
      const revoked = fetch(`${urls[via]}/cloudapi/1.0.0/tokens/urn:vcloud:token:${ids[i]}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${sessions[via]}` },
      }).then(async (del) => {
        if (del.status !== 204) throw new Error(`revoke ${i} failed: ${del.status} ${await del.text()}`);
        deleteAnsweredAt = performance.now();
        // The revoking node must refuse from its own commit on (the DELETE has answered): any later 200 there counts.
        firstRefusal[via]![i] = epochNow();
      });
      let probes = 0;
      let deleteFailed: unknown = null;
      revoked.catch((error: unknown) => (deleteFailed = error));
      for (;;) {
        if (deleteFailed !== null) throw deleteFailed;
        const probeStart = performance.now();
        probes++;
        const res = await fetch(tokenUrl(other), {
          method: 'POST',
          headers: FORM,
          body: `grant_type=refresh_token&refresh_token=${token}`,
        });
        await res.arrayBuffer();
        if (res.status !== 200) {
          const at = performance.now();
          firstRefusal[other]![i] = epochNow();
          refusedAtWall.set(ids[i]!, firstRefusal[other]![i]!);
          delays.push(at - start);
          probeCounts.push(probes);
          lastProbeTimes.push(at - probeStart);
          break;
        }
        if (performance.now() - start > 5_000) throw new Error(`node ${other} still accepts revoked token ${i} after 5 s`);
      }
      await revoked;
      deleteTimes.push(deleteAnsweredAt - start);
    }
    const results = await Promise.all(loads);
    const scrapedAfter = await Promise.all(metricsUrls.map(scrapeNode));
    const nodesDuringRun = scrapedAfter.map((after, n) => ({
      ...bucketPercentiles(after.feedBuckets, scrapedBefore[n]!.feedBuckets),
      // prom-client resets the event-loop delay histogram at each scrape: this is the maximum since the first.
      eventLoopDelayMaxMs: after.eventLoopDelayMaxMs,
    })) as [NodeDuringRun, NodeDuringRun];
    const acceptedAfterRefusal = results.reduce((sum, report, node) => sum + acceptedAfterFirstRefusal(report, firstRefusal[node]!), 0);
    const percentiles = (values: number[]) => {
      const s = [...values].sort((a, b) => a - b);
      const at = (p: number) => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
      return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
    };
    const fromDelete = percentiles(delays);
    const committed = await commitTimes(backend.databaseUrl!, [...refusedAtWall.keys()]);
    const fromCommit = committed.rows.map((r) => Math.max(0, refusedAtWall.get(r.subject)! - r.committedAt));
    return {
      capacityAlone: [capacityAlone[0]!, capacityAlone[1]!],
      capacity: [capacity[0]!, capacity[1]!],
      offeredRate: [offeredRate[0]!, offeredRate[1]!],
      achievedRate: [results[0]!.requestsPerSecond, results[1]!.requestsPerSecond],
      revocations: delays.length,
      ...fromDelete,
      fromCommit: percentiles(fromCommit),
      commitClock: committed.clock,
      nodesDuringRun,
      deleteRoundTrip: percentiles(deleteTimes),
      refusedProbeRoundTrip: percentiles(lastProbeTimes),
      probesPerRevocation: probeCounts.reduce((a, b) => a + b, 0) / Math.max(1, probeCounts.length),
      acceptedAfterRefusal,
      loadRequests: results[0]!.requests + results[1]!.requests,
      loadRefusals: results[0]!.refusals + results[1]!.refusals,
      loadErrors: results[0]!.errors + results[1]!.errors,
      loadShed: results[0]!.shed + results[1]!.shed,
      loadLatency: results.map((r) => ({ p50: r.latencyP50, p99: r.latencyP99 })) as [Latency, Latency],
    };
  } finally {
    for (const driver of drivers) driver.kill('SIGTERM'); // only those still running: a run that failed early
    for (const n of nodes) n.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await backend.drop();
  }
}

/** Load drivers still running (killed if the run fails before they end). */
const drivers = new Set<ChildProcess>();

const epochNow = () => performance.timeOrigin + performance.now();

/** One load generator in a process of its own (bench/exchange-load-driver.ts), with this process's loader. */
function runDriver(job: DriverJob): Promise<DriverReport> {
  const child = fork(fileURLToPath(new URL('./exchange-load-driver.ts', import.meta.url)), [DRIVER_FLAG], { execArgv: process.execArgv });
  drivers.add(child);
  return new Promise((resolve, reject) => {
    let report: DriverReport | null = null;
    child.once('message', (message) => (report = message as DriverReport));
    child.once('error', reject);
    child.once('exit', (code) => {
      drivers.delete(child);
      if (report) resolve(report);
      else reject(new Error(`load driver exited with ${code} and no report`));
    });
    child.send(job);
  });
}

/**
 * The safety count of one node: answers 200 to requests sent after that node had refused the token (by the
 * probe, or for the revoking node once its DELETE had answered). A token the node never refused counts nothing.
 */
export function acceptedAfterFirstRefusal(
  report: Pick<DriverReport, 'acceptedSentAt' | 'firstRefusalAt'>,
  probedRefusal: (number | null)[],
): number {
  let accepted = 0;
  report.acceptedSentAt.forEach((sentAts, index) => {
    const refusals = [probedRefusal[index], report.firstRefusalAt[index]].filter((t): t is number => t !== null && t !== undefined);
    if (refusals.length === 0) return;
    const refusedAt = Math.min(...refusals);
    for (const sentAt of sentAts) if (sentAt > refusedAt) accepted++;
  });
  return accepted;
}

/**
 * When each revocation committed, in epoch ms. With `track_commit_timestamp` on (scripts/start-postgres.sh sets
 * it), PostgreSQL's own commit time of the transaction that inserted the `revocations` row; otherwise the row's
 * `at`, which the revoking node takes before its transaction begins, so the delays err long by the transaction.
 */
async function commitTimes(databaseUrl: string, subjects: string[]) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ on: string }>(`select current_setting('track_commit_timestamp') as on`);
    const tracked = rows[0]?.on === 'on';
    const committedAt = tracked ? `extract(epoch from pg_xact_commit_timestamp(xmin)) * 1000` : 'at';
    const result = await db.query<{ subject: string; committed_at: string }>(
      `select subject, ${committedAt} as committed_at from revocations where kind = 'api_token' and subject = any($1)`,
      [subjects],
    );
    return {
      clock: tracked ? ('commit timestamp' as const) : ('revocation row' as const),
      rows: result.rows.map((r) => ({ subject: r.subject, committedAt: Number(r.committed_at) })),
    };
  } finally {
    await db.end();
  }
}

/**
 * One scrape of a node's metrics: the cumulative buckets of tessera_revocation_feed_delay_seconds (upper bound in
 * s -> count), and its longest event-loop delay since the previous scrape, in ms.
 */
async function scrapeNode(metricsUrl: string): Promise<{ feedBuckets: Map<number, number>; eventLoopDelayMaxMs: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const feedBuckets = new Map<number, number>();
  for (const m of text.matchAll(/^tessera_revocation_feed_delay_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    feedBuckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  const lagMax = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return { feedBuckets, eventLoopDelayMaxMs: lagMax ? Number(lagMax[1]) * 1000 : NaN };
}

/** The run's heartbeats (after minus before) and the buckets holding their percentiles. */
export function bucketPercentiles(after: Map<number, number>, before: Map<number, number>): FeedDelay {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => after.get(le)! - (before.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  const at = (p: number) => {
    const index = counts.findIndex((c) => c >= Math.ceil(total * p));
    return index < 0 ? NaN : bounds[index]! * 1000;
  };
  return { heartbeats: total, p50AtMost: total > 0 ? at(0.5) : NaN, p99AtMost: total > 0 ? at(0.99) : NaN };
}
