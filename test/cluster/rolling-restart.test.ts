/**
 * A rolling restart of two nodes on one PostgreSQL database, behind a small round-robin proxy (as a load
 * balancer would be): while clients keep exchanging an API token and calling the API with the access token,
 * each node in turn is shut down the way SIGTERM does it (/health/ready at 503 for the drain time, then the
 * listener closes and in-flight requests finish) and a new node of the same database takes its place. No
 * accepted request may be lost: every exchange and every bearer call must answer 200. The proxy, like a
 * balancer, sends only to backends whose /health/ready answered 200 at its last check, and retries only a
 * connection the backend refused (the request never reached it); anything else counts as a dropped request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { signIn, createApiToken } from '../helpers/api.js';

const WORKERS = 4;
const CHECK_MS = 50;
// Drain for longer than the proxy needs to see /health/ready fail (one check every CHECK_MS).
const CONFIG = { tokenRateLimitPerIp: 10_000_000, tokenRateLimitPerToken: 10_000_000, shutdownDrainSeconds: 1 };

function roundRobinProxy(backends: number[]) {
  let next = 0;
  const stats = { forwarded: 0, retriedRefused: 0, failed: 0 };
  const ready = new Set<number>();
  const check = () => {
    for (const port of backends) {
      const probe = http.get({ host: '127.0.0.1', port, path: '/health/ready', agent: false, timeout: 1000 }, (answer) => {
        answer.resume();
        if (answer.statusCode === 200) ready.add(port);
        else ready.delete(port);
      });
      probe.on('error', () => ready.delete(port));
    }
  };
  const checker = setInterval(check, CHECK_MS);
  const pick = (attempt: number) => {
    const candidates = backends.filter((port) => ready.has(port));
    const pool = candidates.length > 0 ? candidates : backends;
    return pool[(next++ + attempt) % pool.length]!;
  };
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, attempt: number) => {
    const port = pick(attempt);
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        stats.forwarded++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && attempt < backends.length * 20) {
        stats.retriedRefused++;
        setTimeout(() => forward(req, body, res, attempt + 1), 5);
        return;
      }
      stats.failed++;
      if (!res.headersSent) res.writeHead(502).end(`proxy: ${err.code ?? err.message}`);
      else res.destroy();
    });
    upstream.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, 0));
  });
  server.on('close', () => clearInterval(checker));
  check();
  return { server, stats };
}

test('a rolling restart of two PostgreSQL nodes behind a round-robin proxy drops no request', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) assert.fail('TESSERA_TEST_DATABASE_URL is not set (npm test starts PostgreSQL itself)');
  const database = await createTestDatabase();
  const nodes: TesseraHandle[] = [];
  nodes.push(await startTessera({ backend: 'postgres', databaseUrl: database.url, config: CONFIG }));
  nodes.push(await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false, config: CONFIG }));
  const portOf = (n: TesseraHandle) => Number(new URL(n.baseUrl).port);
  const backends = nodes.map(portOf);
  const { server: proxy, stats } = roundRobinProxy(backends);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const retired: TesseraHandle[] = [];
  t.after(async () => {
    proxy.close();
    for (const n of [...nodes, ...retired]) await n.stop();
    await database.drop();
  });

  const session = await signIn(nodes[0]!.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
  const { apiToken } = await createApiToken(nodes[0]!.baseUrl, session, 'acme', 'rolling-restart');

  let running = true;
  const failures: string[] = [];
  let exchanges = 0;
  let calls = 0;
  const worker = async () => {
    while (running) {
      try {
        const ex = await fetch(`${proxyUrl}/oauth/tenant/acme/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body: `grant_type=refresh_token&refresh_token=${apiToken}`,
        });
        const body = await ex.text();
        if (ex.status !== 200) {
          failures.push(`exchange ${ex.status} ${body.slice(0, 120)}`);
          continue;
        }
        exchanges++;
        const access = (JSON.parse(body) as { access_token: string }).access_token;
        const call = await fetch(`${proxyUrl}/api/org`, {
          headers: { Authorization: `Bearer ${access}`, Accept: 'application/*+xml;version=36.1' },
        });
        const text = await call.text();
        if (call.status !== 200) failures.push(`GET /api/org ${call.status} ${text.slice(0, 120)}`);
        else calls++;
      } catch (err) {
        failures.push(`client: ${(err as Error).message}`);
      }
    }
  };
  const clients = Array.from({ length: WORKERS }, worker);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  await pause(1000);
  for (let i = 0; i < nodes.length; i++) {
    const before = exchanges;
    const old = nodes[i]!;
    const result = await old.server.shutdown();
    assert.equal(result.forced, false, 'the old node drained within its grace');
    retired.push(old);
    const fresh = await startTessera({ backend: 'postgres', databaseUrl: database.url, demo: false, config: CONFIG });
    nodes[i] = fresh;
    backends[i] = portOf(fresh);
    await pause(1000);
    assert.ok(exchanges > before, `requests kept flowing across the restart of node ${i}`);
  }
  running = false;
  await Promise.all(clients);

  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} dropped of ${exchanges + calls + failures.length}`);
  assert.equal(stats.failed, 0);
  assert.ok(exchanges > 20 && calls > 20, `traffic: ${exchanges} exchanges, ${calls} bearer calls`);
  t.diagnostic(`${exchanges} exchanges, ${calls} bearer calls, ${stats.retriedRefused} refused connections retried by the proxy`);
});
