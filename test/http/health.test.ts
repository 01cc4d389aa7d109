/**
 * /health/live and /health/ready: fixed bodies (no versions, no error text), ready only while the store
 * answers and the revocation feed is live, and 503 from the moment the node starts shutting down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from '../helpers/tessera.js';

test('live and ready answer 200 with a fixed body and nothing else', async (t) => {
  const node = await startTessera({ demo: false });
  t.after(() => node.stop());
  for (const [path, body] of [
    ['/health/live', { status: 'live' }],
    ['/health/ready', { status: 'ready' }],
  ] as const) {
    const res = await fetch(node.baseUrl + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), body);
  }
});

test('ready is 503 while the revocation feed is down or the store fails, with no error text; live stays 200', async (t) => {
  const node = await startTessera({ demo: false });
  t.after(() => node.stop());
  const services = node.server.services;
  const healthy = services.revocations.healthy.bind(services.revocations);
  services.revocations.healthy = () => false;
  let res = await fetch(`${node.baseUrl}/health/ready`);
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'unavailable' });
  assert.equal((await fetch(`${node.baseUrl}/health/live`)).status, 200);
  services.revocations.healthy = healthy;

  const ping = node.store.ping.bind(node.store);
  node.store.ping = async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432 password authentication failed for user tessera');
  };
  res = await fetch(`${node.baseUrl}/health/ready`);
  const text = await res.text();
  assert.equal(res.status, 503);
  assert.equal(text, '{"status":"unavailable"}');
  node.store.ping = ping;
  assert.equal((await fetch(`${node.baseUrl}/health/ready`)).status, 200);
});

test('ready turns 503 as soon as shutdown begins, while an in-flight request still finishes', async () => {
  const node = await startTessera({ demo: false });
  // Hold a request open: headers sent, body incomplete; then begin the shutdown.
  const net = await import('node:net');
  const { port } = new URL(node.baseUrl);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\ngrant_type=refresh',
  );
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  await new Promise((r) => setTimeout(r, 100));
  const stopping = node.server.shutdown();
  await new Promise((r) => setTimeout(r, 100));
  // The listener is closed: the probe cannot connect at all any more, which a balancer reads as not ready.
  await assert.rejects(fetch(`${node.baseUrl}/health/ready`));
  const answered = new Promise((resolve) => socket.once('close', resolve));
  // 18 + 22 = the 40 bytes announced (until 2026-12-05 this sent 7 more, a second request the parser refused and
  // whose 400 closed the connection: that hid an answer kept alive that held the stop until the grace ran out).
  socket.write('_token&refresh_token=a');
  const result = await stopping;
  await answered;
  assert.equal(result.forced, false);
  assert.match(answer, /^HTTP\/1\.1 400 /, 'the in-flight request got its answer');
  assert.match(answer, /\r\nConnection: close\r\n/i);
  await node.stop();
});

test("a probe's 503 is logged at warn, not as a failed request at error (a drain is planned)", async (t) => {
  const lines: Array<{ level: number; msg: string; res?: { statusCode: number } }> = [];
  const node = await startTessera({
    demo: false,
    config: { logLevel: 'info', requestLog: 'errors' },
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  t.after(() => node.stop());
  node.server.services.revocations.healthy = () => false;
  assert.equal((await fetch(`${node.baseUrl}/health/ready`)).status, 503);
  const logged = lines.filter((l) => l.msg === 'request completed' && l.res?.statusCode === 503);
  assert.equal(logged.length, 1, JSON.stringify(lines));
  assert.equal(logged[0]!.level, 40, 'warn (pino level 40), not error (50)');
});
