/**
 * A load generator in its own process (`fork`ed by bench/revocation-load.ts) against one node's token endpoint,
 * tokens drawn at random from a pool: at full speed (closed loop: the node's capacity), or at a fixed rate with
 * evenly spaced arrivals (open loop). Both use one keep-alive HTTP client, so the capacity is measured with the
 * same load generator, and its cost on the shared cores, as the paced run.
 *
 * Why not autocannon's `overallRate` for the paced load: it gives each connection a quota per second, which the
 * connection spends as fast as the node answers and then waits for the next second. "70 % of capacity" became
 * full saturation for 70 % of every second and idle for the rest, and a revocation or probe that fell into the
 * burst queued behind it (the DELETE's round trip measured 27 ms at the median).
 *
 * Why a process of its own: two nodes at thousands of requests a second each are more than one bench process can
 * drive while it also times revocations. Driven from the bench's own event loop, every probe of a revoked token
 * waited behind the callbacks of the load's responses, and that wait was counted as propagation delay.
 *
 * Protocol (IPC): the parent sends one `DriverJob`; the driver answers with one `DriverReport` and exits. Times are
 * epoch milliseconds (`performance.timeOrigin + performance.now()`), comparable across the bench's processes and
 * with the `revocations.at` timestamps the nodes write (one machine, one clock).
 */
import { Agent, request } from 'node:http';

export interface DriverJob {
  url: string;
  /** The pool: each request carries one of these, drawn at random. */
  tokens: string[];
  /** Indexes into `tokens` whose answers are recorded one by one (the tokens that will be revoked). */
  watched: number;
  connections: number;
  /** Requests per second over all connections; 0 = as fast as the node answers. */
  overallRate: number;
  durationSeconds: number;
  /** A short unrecorded run first (JIT, caches, connections). */
  warmUpSeconds: number;
}

export interface DriverReport {
  requests: number;
  requestsPerSecond: number;
  /** 4xx answers: refusals of revoked tokens. */
  refusals: number;
  /** 5xx answers, failed connections and anything else neither 200 nor 4xx: must be 0. */
  errors: number;
  /** Paced load only: arrivals not sent because `connections` x 8 requests were already waiting (the node was saturated). */
  shed: number;
  /** Paced load only: latency of the answers, ms. */
  latencyP50: number;
  latencyP99: number;
  /** For each watched token (by index): when each 200 answer's request was sent. */
  acceptedSentAt: number[][];
  /** For each watched token: when its first non-200 answer arrived, or null. */
  firstRefusalAt: (number | null)[];
  /** When the measured run began (epoch ms): the warm-up's requests were all answered before it. */
  measuredFrom: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

export async function driveExchanges(job: DriverJob): Promise<DriverReport> {
  const recorder = new AnswerRecorder(job.watched);
  if (job.warmUpSeconds > 0) await closedLoop(job, job.warmUpSeconds, null);
  const measuredFrom = epochNow();
  if (job.overallRate > 0) return { ...(await pacedLoop(job, recorder)), measuredFrom };
  const { requests, requestsPerSecond } = await closedLoop(job, job.durationSeconds, recorder);
  return { ...recorder.report(), requests, requestsPerSecond, shed: 0, latencyP50: NaN, latencyP99: NaN, measuredFrom };
}

/** Per watched token, what the driver saw; and the counts over every answer. */
class AnswerRecorder {
  readonly acceptedSentAt: number[][];
  readonly firstRefusalAt: (number | null)[];
  refusals = 0;
  errors = 0;
  private readonly watched: number;

  constructor(watched: number) {
    this.watched = watched;
    this.acceptedSentAt = Array.from({ length: watched }, () => []);
    this.firstRefusalAt = new Array<number | null>(watched).fill(null);
  }

  answered(index: number, status: number, sentAt: number): void {
    const refused = status >= 400 && status < 500;
    if (refused) this.refusals++;
    else if (status !== 200) this.errors++;
    if (index >= this.watched) return;
    if (status === 200) this.acceptedSentAt[index]!.push(sentAt);
    else if (refused && this.firstRefusalAt[index] === null) this.firstRefusalAt[index] = epochNow();
  }

  report() {
    return { refusals: this.refusals, errors: this.errors, acceptedSentAt: this.acceptedSentAt, firstRefusalAt: this.firstRefusalAt };
  }
}

/**
 * Closed loop at full speed: `connections` clients, each sending its next request when the last is answered. With
 * no recorder (the warm-up), the watched tokens are left alone. The same HTTP client as the paced load, so that the
 * capacity is measured with the load generator's own cost on the machine, as the paced run will have it.
 */
async function closedLoop(job: DriverJob, durationSeconds: number, recorder: AnswerRecorder | null) {
  const client = new ExchangeClient(job.url, job.connections);
  const { tokens, watched } = job;
  const stopAt = performance.now() + durationSeconds * 1000;
  let requests = 0;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const index = recorder ? Math.floor(Math.random() * tokens.length) : watched + Math.floor(Math.random() * (tokens.length - watched));
      const sentAt = epochNow();
      const status = await client.exchange(tokens[index]!);
      requests++;
      recorder?.answered(index, status, sentAt);
    }
  };
  await Promise.all(Array.from({ length: job.connections }, worker));
  client.close();
  return { requests, requestsPerSecond: requests / durationSeconds };
}

/** Keep-alive HTTP/1.1 exchanges over at most `sockets` connections; resolves with the status (0 when it failed). */
class ExchangeClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(url: string, sockets: number) {
    this.url = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  exchange(token: string): Promise<number> {
    const body = bodyOf(token);
    return new Promise((resolve) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
          res.once('error', () => resolve(0));
        },
      );
      req.once('error', () => resolve(0));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Open loop: the k-th request is due at start + k / rate, whatever the node's answers, over at most `connections`
 * keep-alive sockets. A tick every millisecond sends what has come due, so arrivals are even at millisecond grain.
 */
async function pacedLoop(job: DriverJob, recorder: AnswerRecorder): Promise<Omit<DriverReport, 'measuredFrom'>> {
  const client = new ExchangeClient(job.url, job.connections);
  const maxWaiting = job.connections * 8;
  const latencies: number[] = [];
  let sent = 0;
  let shed = 0;
  let inFlight = 0;
  let due = 0;
  const send = () => {
    const index = Math.floor(Math.random() * job.tokens.length);
    const sentAt = epochNow();
    inFlight++;
    sent++;
    void client.exchange(job.tokens[index]!).then((status) => {
      inFlight--;
      latencies.push(epochNow() - sentAt);
      recorder.answered(index, status, sentAt);
    });
  };
  const start = performance.now();
  const durationMs = job.durationSeconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const target = Math.floor((Math.min(elapsed, durationMs) * job.overallRate) / 1000);
      while (due < target) {
        due++;
        if (inFlight >= maxWaiting) shed++;
        else send();
      }
      if (elapsed >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainBy = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
  client.close();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
  return {
    ...recorder.report(),
    errors: recorder.errors + inFlight,
    requests: sent,
    requestsPerSecond: sent / job.durationSeconds,
    shed,
    latencyP50: at(0.5),
    latencyP99: at(0.99),
  };
}

function bodyOf(token: string): string {
  return `grant_type=refresh_token&refresh_token=${token}`;
}

/** The argument bench/revocation-load.ts forks this module with; imported (by a test), the module only exports. */
export const DRIVER_FLAG = '--exchange-load-driver';

// Run as a forked child: one job in, one report out.
if (process.send && process.argv.includes(DRIVER_FLAG)) {
  process.once('message', (job: DriverJob) => {
    driveExchanges(job).then(
      (report) => process.send!(report, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
