/**
 * Prometheus metrics (prom-client), served at /metrics on a listener of their own (`--metrics-port`, off by
 * default, loopback by default): the API port never exposes them. One Registry per server, so that tests can run
 * many servers in a process.
 *
 * Hot path: one histogram observation per request into series cached per route x method x status (plain numbers:
 * an answered request allocates nothing here); exchanges, sign-in failures and rate-limit refusals are counted
 * from the same onResponse hook by route and status, without touching the auth code. Store query latency comes from kysely's
 * `log` hook; event-loop lag, memory and GC from prom-client's default metrics.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PoolStats, RevocationFeedObserver } from './store/store.js';
import type { SessionKind } from './domain/principal.js';
import type { ConnectionRefusal } from './http/connection-limits.js';
import { CONNECTION_CUTS, type ConnectionCut } from './http/connection-cuts.js';
import { PROXY_PROTOCOL_REFUSALS, type ProxyProtocolRefusal } from './http/proxy-protocol.js';

/** One series of LightHistogram: plain numbers, so that an observation allocates nothing. */
interface Series {
  labels: Record<string, string>;
  counts: number[]; // per bucket, not cumulative; the last is +Inf
  sum: number;
  count: number;
}
/** Series of one route: method -> status -> series. */
type ChildCache = Map<string, Map<number, Series>>;

/**
 * A histogram for the hot paths. prom-client's Histogram hashes its label set on every observe (about 1.4 µs and a
 * few strings per request, measured); this keeps each series' counts in hand (the caller caches the series) and
 * renders them only when scraped. Registered with the prom-client Registry like any metric.
 */
class LightHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly buckets: readonly number[];
  private readonly series: Series[] = [];

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }

  seriesFor(labels: Record<string, string>): Series {
    const s: Series = { labels, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
    this.series.push(s);
    return s;
  }

  observe(s: Series, seconds: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  get() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const s of this.series) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/** grant_type as the token endpoint reads it (form body of any content type, else the query), without copying the body. */
function grantTypeOf(request: FastifyRequest): unknown {
  const body = request.body;
  let grant: unknown;
  if (typeof body === 'string') grant = new URLSearchParams(body).get('grant_type') ?? undefined;
  else if (body && typeof body === 'object') grant = (body as { grant_type?: unknown }).grant_type;
  if (grant === undefined) grant = (request.query as { grant_type?: unknown } | undefined)?.grant_type;
  return Array.isArray(grant) ? grant[0] : grant;
}

const EXCHANGE_OUTCOMES = ['ok', 'invalid_grant', 'rate_limited', 'error'] as const;
type ExchangeOutcome = (typeof EXCHANGE_OUTCOMES)[number];

const CONNECTION_REFUSALS: readonly ConnectionRefusal[] = ['per_address', 'max_connections'];

const TOKEN_ROUTES = new Set(['/oauth/tenant/:org/token', '/oauth/provider/token']);
const SIGN_IN_ROUTES = new Set(['/cloudapi/1.0.0/sessions', '/cloudapi/1.0.0/sessions/provider', '/api/sessions', '/api/login']);

/**
 * A counter by `reason` over plain counts kept as they happen (`counts`, incremented by the connection-level hooks
 * without touching prom-client), reported as their growth since the last scrape.
 */
function reasonCounter<R extends string>(
  registry: Registry,
  name: string,
  help: string,
  reasons: readonly R[],
  counts: Readonly<Record<R, number>>,
): void {
  const reported = Object.fromEntries(reasons.map((reason) => [reason, 0])) as Record<R, number>;
  new Counter({
    name,
    help,
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const reason of reasons) {
        this.inc({ reason }, counts[reason] - reported[reason]);
        reported[reason] = counts[reason];
      }
    },
  });
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new LightHistogram(
    'tessera_http_request_duration_seconds',
    'HTTP requests answered, by route pattern, method and status, with their duration',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  private readonly queries = new LightHistogram(
    'tessera_store_query_duration_seconds',
    'Store (SQLite or PostgreSQL) query duration',
    [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
  );
  private readonly queryOk = this.queries.seriesFor({ outcome: 'ok' });
  private readonly queryFailed = this.queries.seriesFor({ outcome: 'error' });
  /** Plain numbers on the hot path, handed to the counters when scraped. */
  private readonly exchangeCounts: Record<ExchangeOutcome, number> = { ok: 0, invalid_grant: 0, rate_limited: 0, error: 0 };
  private signInFailureCount = 0;
  private readonly refusedConnections: Record<ConnectionRefusal, number> = { per_address: 0, max_connections: 0 };
  private readonly cutConnections: Record<ConnectionCut, number> = { pipeline_overflow: 0, write_stall: 0 };
  private readonly refusedProxyHeaders: Record<ProxyProtocolRefusal, number> = { malformed: 0, oversized: 0, timeout: 0, unsupported: 0 };
  private readonly rateLimited: Counter<'route'>;
  private readonly unmatched: ChildCache = new Map();
  private server: Server | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.requests as unknown as Metric);
    const exchangeCounts = this.exchangeCounts;
    const reportedExchanges: Record<ExchangeOutcome, number> = { ok: 0, invalid_grant: 0, rate_limited: 0, error: 0 };
    new Counter({
      name: 'tessera_token_exchanges_total',
      help: 'API-token exchanges (grant_type=refresh_token) by outcome: ok, invalid_grant, rate_limited, error',
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        for (const outcome of EXCHANGE_OUTCOMES) {
          this.inc({ outcome }, exchangeCounts[outcome] - reportedExchanges[outcome]);
          reportedExchanges[outcome] = exchangeCounts[outcome];
        }
      },
    });
    let reportedSignInFailures = 0;
    const signInFailures = () => this.signInFailureCount;
    new Counter({
      name: 'tessera_sign_in_failures_total',
      help: 'Refused sign-ins (401 from the sign-in endpoints: bad credentials, second factor missing or wrong)',
      registers: [this.registry],
      collect() {
        const now = signInFailures();
        this.inc(now - reportedSignInFailures);
        reportedSignInFailures = now;
      },
    });
    reasonCounter(
      this.registry,
      'tessera_connections_refused_total',
      'Connections closed at accept, by reason: per_address (TESSERA_CONNECTIONS_PER_ADDRESS), max_connections (TESSERA_MAX_CONNECTIONS)',
      CONNECTION_REFUSALS,
      this.refusedConnections,
    );
    reasonCounter(
      this.registry,
      'tessera_connections_cut_total',
      'Open connections the server closed for what the client did, by reason: pipeline_overflow (more requests pipelined ' +
        'than it holds), write_stall (queued answers not read within TESSERA_WRITE_STALL_TIMEOUT_SECONDS)',
      CONNECTION_CUTS,
      this.cutConnections,
    );
    reasonCounter(
      this.registry,
      'tessera_proxy_protocol_refused_total',
      'Connections from a TESSERA_PROXY_PROTOCOL_FROM balancer closed for their PROXY header, by reason: malformed, ' +
        'oversized (v1 over 107 bytes, v2 over 4096), timeout (none within TESSERA_REQUEST_HEAD_TIMEOUT_SECONDS), unsupported',
      PROXY_PROTOCOL_REFUSALS,
      this.refusedProxyHeaders,
    );
    this.rateLimited = new Counter({
      name: 'tessera_rate_limited_total',
      help: 'Requests refused with 429 (rate limits and lockouts), by route pattern',
      labelNames: ['route'],
      registers: [this.registry],
    });
    this.registry.registerMetric(this.queries as unknown as Metric);
  }

  /** The connection limits' refusals (src/http/connection-limits.ts), counted when they happen, reported when scraped. */
  readonly connectionRefused = (reason: ConnectionRefusal): void => {
    this.refusedConnections[reason]++;
  };

  /** Connections closed after their accept (src/http/connection-cuts.ts), counted when it happens, reported when scraped. */
  readonly connectionCut = (reason: ConnectionCut): void => {
    this.cutConnections[reason]++;
  };

  /** The PROXY protocol's refusals (src/http/proxy-protocol.ts), counted when they happen, reported when scraped. */
  readonly proxyProtocolRefused = (reason: ProxyProtocolRefusal): void => {
    this.refusedProxyHeaders[reason]++;
  };

  /** kysely's query hook (src/store/options.ts). */
  readonly onQuery = (durationMs: number, failed: boolean): void => {
    this.queries.observe(failed ? this.queryFailed : this.queryOk, durationMs / 1000);
  };

  /**
   * The revocation feed: whether it is live (read at scrape time), and what the feed reports as it runs (the
   * observer to give the store's bus). Heartbeats come every `revocationFeedMaxLagMs / 4`, so prom-client's own
   * Histogram and Counter are cheap enough here.
   */
  watchRevocationFeed(revocationFeedUp: () => boolean): RevocationFeedObserver {
    new Gauge({
      name: 'tessera_revocation_feed_up',
      help: '1 while the revocation feed is live (SQLite: always; PostgreSQL: LISTEN connected and resynchronised)',
      registers: [this.registry],
      collect() {
        this.set(revocationFeedUp() ? 1 : 0);
      },
    });
    const delay = new Histogram({
      name: 'tessera_revocation_feed_delay_seconds',
      help: "PostgreSQL: from sending one of this node's heartbeats through the revocation feed to receiving it, the way revocations arrive (the feed's part of propagation)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const lost = new Counter({
      name: 'tessera_revocation_feed_lost_total',
      help: 'PostgreSQL: times the revocation listener was lost (the node refused until it had reconnected and resynchronised)',
      registers: [this.registry],
    });
    return { heartbeat: (delayMs) => delay.observe(delayMs / 1000), lost: () => lost.inc() };
  }

  /**
   * Read at scrape time: this node's live sessions by kind (auth/session-tally.ts) and, on PostgreSQL, its connection
   * pool (connections open, idle, in use; queries waiting for one; the bound) and its clock's distance from the
   * database server's. Until 2026-12-06 none was reported.
   */
  watchNode(input: {
    liveSessions: () => Record<SessionKind, number>;
    pool: (() => PoolStats) | null;
    clockSkewMs?: (() => number | null) | null;
  }): void {
    const clockSkewMs = input.clockSkewMs;
    if (clockSkewMs) {
      new Gauge({
        name: 'tessera_clock_skew_seconds',
        help: "PostgreSQL: this node's clock minus the database server's, read every minute (positive: ahead); nodes must agree within a few seconds (store/clock-skew.ts)",
        registers: [this.registry],
        collect() {
          const skew = clockSkewMs();
          if (skew !== null) this.set(skew / 1000);
        },
      });
    }
    new Gauge({
      name: 'tessera_sessions_live',
      help: 'Sessions (access tokens) this node issued that have not reached their expiry (to the minute), by kind; revoked ones count until then',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        for (const [kind, n] of Object.entries(input.liveSessions())) this.set({ kind }, n);
      },
    });
    const pool = input.pool;
    if (!pool) return;
    new Gauge({
      name: 'tessera_store_pool_connections',
      help: "PostgreSQL: connections of this node's pool by state (idle, in_use) and queries waiting for one (waiting)",
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const now = pool();
        this.set({ state: 'idle' }, now.idle);
        this.set({ state: 'in_use' }, now.total - now.idle);
        this.set({ state: 'waiting' }, now.waiting);
      },
    });
    new Gauge({
      name: 'tessera_store_pool_max',
      help: "PostgreSQL: the bound of this node's pool (--database-pool-size)",
      registers: [this.registry],
      collect() {
        this.set(pool().max);
      },
    });
  }

  /**
   * Adds the hooks; called by buildApp before any route is registered. Each route gets its own onResponse hook
   * that knows its pattern (request.routeOptions would build an object per request); requests that match no
   * route are counted by one app-wide hook as route "unmatched". Callback-style hooks: no promise per request.
   */
  instrument(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const pattern = route.url;
      const cache: ChildCache = new Map();
      const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        this.record(pattern, cache, request, reply);
        done();
      };
      route.onResponse = route.onResponse ? [...[route.onResponse].flat(), hook] : hook;
    });
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) this.record('unmatched', this.unmatched, request, reply);
      done();
    });
  }

  private record(route: string, cache: ChildCache, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    let byStatus = cache.get(request.method);
    if (!byStatus) cache.set(request.method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) byStatus.set(status, (series = this.requests.seriesFor({ method: request.method, route, status: String(status) })));
    this.requests.observe(series, reply.elapsedTime / 1000);
    if (status === 429) this.rateLimited.inc({ route });
    if (TOKEN_ROUTES.has(route)) {
      if (grantTypeOf(request) === 'refresh_token') {
        this.exchangeCounts[status === 200 ? 'ok' : status === 429 ? 'rate_limited' : status >= 500 ? 'error' : 'invalid_grant']++;
      }
    } else if (status === 401 && request.method === 'POST' && SIGN_IN_ROUTES.has(route)) {
      this.signInFailureCount++;
    }
  }

  /** Serves GET /metrics on host:port; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
