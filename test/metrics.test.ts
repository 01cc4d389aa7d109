/**
 * Prometheus metrics on their own listener (--metrics-port): requests by route and status, exchanges by outcome,
 * sign-in failures, store query latency, the revocation feed (live, its delay, lost listeners) and prom-client's
 * defaults (event-loop lag). The API port serves no /metrics, and without --metrics-port there is no listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD } from './helpers/tessera.js';
import { signIn, createApiToken, exchange, basic } from './helpers/api.js';

test('metrics count requests, exchanges and sign-in failures on a loopback listener of their own', async (t) => {
  const node = await startTessera({ config: { metricsPort: 0 } });
  t.after(() => node.stop());
  const metricsUrl = node.server.metricsUrl;
  assert.ok(metricsUrl && /^http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(metricsUrl), String(metricsUrl));

  const session = await signIn(node.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const { apiToken } = await createApiToken(node.baseUrl, session, 'acme', 'metrics');
  for (let i = 0; i < 3; i++) assert.equal((await exchange(node.baseUrl, 'acme', apiToken)).status, 200);
  assert.equal((await exchange(node.baseUrl, 'acme', 'x'.repeat(32))).status, 400);
  const refused = await fetch(`${node.baseUrl}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('alice', 'acme', 'wrong-password'), Accept: 'application/json;version=37.0' },
  });
  assert.equal(refused.status, 401);

  assert.equal((await fetch(`${node.baseUrl}/no/such/path?refresh_token=${apiToken}`)).status, 404);

  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  assert.equal(value(/^tessera_token_exchanges_total\{outcome="ok"\} (\d+)$/m), 3);
  assert.equal(value(/^tessera_token_exchanges_total\{outcome="invalid_grant"\} (\d+)$/m), 1);
  assert.equal(value(/^tessera_sign_in_failures_total (\d+)$/m), 1);
  assert.equal(
    value(/^tessera_http_request_duration_seconds_count\{method="POST",route="\/oauth\/tenant\/:org\/token",status="200"\} (\d+)$/m),
    4, // 3 exchanges + the jwt-bearer grant that created the token
  );
  assert.equal(value(/^tessera_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} (\d+)$/m), 1);
  assert.ok(value(/^tessera_store_query_duration_seconds_count\{outcome="ok"\} (\d+)$/m) > 0);
  assert.equal(value(/^tessera_revocation_feed_up (\d+)$/m), 1);
  assert.equal(value(/^tessera_revocation_feed_lost_total (\d+)$/m), 0);
  if (node.config.databaseUrl === null) {
    // SQLite's feed is in-process: no heartbeats to time. (PostgreSQL's heartbeats: the test below.)
    assert.equal(value(/^tessera_revocation_feed_delay_seconds_count (\d+)$/m), 0);
  }
  // Live sessions by kind: alice's sign-in, and the 3 exchanges plus the grant's session (until 2026-12-06 not reported).
  assert.equal(value(/^tessera_sessions_live\{kind="password"\} (\d+)$/m), 1);
  assert.equal(value(/^tessera_sessions_live\{kind="api_token"\} (\d+)$/m), 4);
  assert.equal(value(/^tessera_sessions_live\{kind="service_account"\} (\d+)$/m), 0);
  if (node.config.databaseUrl === null) {
    assert.doesNotMatch(text, /tessera_store_pool/, 'SQLite has no pool');
    assert.doesNotMatch(text, /tessera_clock_skew_seconds/, 'SQLite has one clock');
  } else {
    // This node's clock against the database server's (same host here): read at start.
    assert.ok(Math.abs(Number(/^tessera_clock_skew_seconds (\S+)$/m.exec(text)?.[1])) < 1, 'the clock skew is reported');
    assert.ok(value(/^tessera_store_pool_connections\{state="idle"\} (\d+)$/m) >= 0);
    assert.ok(value(/^tessera_store_pool_connections\{state="in_use"\} (\d+)$/m) >= 0);
    assert.equal(value(/^tessera_store_pool_connections\{state="waiting"\} (\d+)$/m), 0);
    assert.equal(value(/^tessera_store_pool_max (\d+)$/m), node.config.databasePoolSize);
  }
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  // Secrets never appear as label values (routes are patterns, not URLs).
  assert.doesNotMatch(text, new RegExp(apiToken));

  assert.equal((await fetch(`${node.baseUrl}/metrics`)).status, 404);
});

test('PostgreSQL: the feed reports its heartbeats\u2019 delay and a lost listener', async (t) => {
  const started = performance.now();
  const node = await startTessera({ backend: 'postgres', config: { metricsPort: 0 } });
  t.after(() => node.stop());
  const scrape = async () => {
    const text = await (await fetch(node.server.metricsUrl!)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    return {
      delays: value(/^tessera_revocation_feed_delay_seconds_count (\d+)$/m),
      delaySum: value(/^tessera_revocation_feed_delay_seconds_sum (\S+)$/m),
      lost: value(/^tessera_revocation_feed_lost_total (\d+)$/m),
      up: value(/^tessera_revocation_feed_up (\d+)$/m),
    };
  };
  /** Polls the metrics until `done` holds (heartbeats come every 500 ms with the default 2 s bound). */
  const until = async (what: string, done: (m: Awaited<ReturnType<typeof scrape>>) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = await scrape();
      if (done(m)) return m;
      if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const live = await until('two heartbeats timed', (m) => m.delays >= 2);
  assert.equal(live.lost, 0);
  assert.equal(live.up, 1);
  // In seconds, and no longer than the node has lived: a delay in milliseconds (or a clock read wrong) would exceed it.
  // Not a speed bound: a loaded CI machine delayed the heartbeats past a second (1.16 s on 2026-12-07).
  const elapsedSeconds = (performance.now() - started) / 1000;
  const meanDelay = live.delaySum / live.delays;
  assert.ok(meanDelay >= 0 && meanDelay <= elapsedSeconds, `mean feed delay ${meanDelay} s within the node's ${elapsedSeconds} s`);

  (node.store.bus as unknown as { simulateConnectionLoss(): void }).simulateConnectionLoss();
  const lost = await until('the loss counted', (m) => m.lost === 1);
  assert.ok(lost.delays >= live.delays);
  const back = await until('back up, heartbeats timed again', (m) => m.up === 1 && m.delays > lost.delays);
  assert.equal(back.lost, 1);
});

test('no metrics listener unless --metrics-port is set', async (t) => {
  const node = await startTessera({ demo: false });
  t.after(() => node.stop());
  assert.equal(node.server.metricsUrl, null);
});
