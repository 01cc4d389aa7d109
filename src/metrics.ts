/**
 * Prometheus metrics (prom-client), served at /metrics on a listener of their own (`--metrics-port`, off by
 * default, loopback by default): the API port never exposes them. One Registry per server, so that tests can run
 * many servers in a process.
 *
 * Hot path: one histogram observation per request (route x method x status children are cached, so an answered
 * request allocates nothing here); exchanges, sign-in failures and rate-limit refusals are counted from the same
 * onResponse hook by route and status, without touching the auth code. Store query latency comes from kysely's
 * `log` hook; event-loop lag, memory and GC from prom-client's default metrics.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenParameters } from './http/oauth/index.js';

type Observe = (seconds: number) => void;
/** Histogram children of one route: method -> status -> observe. */
type ChildCache = Map<string, Map<number, Observe>>;

const TOKEN_ROUTES = new Set(['/oauth/tenant/:org/token', '/oauth/provider/token']);
const SIGN_IN_ROUTES = new Set(['/cloudapi/1.0.0/sessions', '/cloudapi/1.0.0/sessions/provider', '/api/sessions', '/api/login']);

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly exchanges: Counter<'outcome'>;
  private readonly signInFailures: Counter;
  private readonly rateLimited: Counter<'route'>;
  private readonly queries: Histogram<'outcome'>;
  private readonly unmatched: ChildCache = new Map();
  private server: Server | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'HTTP requests answered, by route pattern, method and status, with their duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.exchanges = new Counter({
      name: 'tessera_token_exchanges_total',
      help: 'API-token exchanges (grant_type=refresh_token) by outcome: ok, invalid_grant, rate_limited, error',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.signInFailures = new Counter({
      name: 'tessera_sign_in_failures_total',
      help: 'Refused sign-ins (401 from the sign-in endpoints: bad credentials, second factor missing or wrong)',
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'tessera_rate_limited_total',
      help: 'Requests refused with 429 (rate limits and lockouts), by route pattern',
      labelNames: ['route'],
      registers: [this.registry],
    });
    this.queries = new Histogram({
      name: 'tessera_store_query_duration_seconds',
      help: 'Store (SQLite or PostgreSQL) query duration',
      labelNames: ['outcome'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [this.registry],
    });
  }

  /** kysely's query hook (src/store/options.ts). */
  readonly onQuery = (durationMs: number, failed: boolean): void => {
    this.queries.observe({ outcome: failed ? 'error' : 'ok' }, durationMs / 1000);
  };

  /** Gauges read at scrape time. */
  watch(revocationFeedUp: () => boolean): void {
    new Gauge({
      name: 'tessera_revocation_feed_up',
      help: '1 while the revocation feed is live (SQLite: always; PostgreSQL: LISTEN connected and resynchronised)',
      registers: [this.registry],
      collect() {
        this.set(revocationFeedUp() ? 1 : 0);
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
    let observe = byStatus.get(status);
    if (!observe) {
      const child = this.requests.labels(request.method, route, String(status));
      observe = (seconds) => child.observe(seconds);
      byStatus.set(status, observe);
    }
    observe(reply.elapsedTime / 1000);
    if (status === 429) this.rateLimited.inc({ route });
    if (TOKEN_ROUTES.has(route)) {
      // The parameters as the handler reads them (form body of any type, or the query string).
      if (tokenParameters(request).grant_type === 'refresh_token') {
        this.exchanges.inc({
          outcome: status === 200 ? 'ok' : status === 429 ? 'rate_limited' : status >= 500 ? 'error' : 'invalid_grant',
        });
      }
    } else if (status === 401 && request.method === 'POST' && SIGN_IN_ROUTES.has(route)) {
      this.signInFailures.inc();
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
