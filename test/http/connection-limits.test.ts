/**
 * Connection limits for a node that listens directly (src/http/connection-limits.ts). Until 2026-12-06 a connection
 * that sent nothing was held 80-90 s on --http and 120-130 s on HTTPS, and nothing capped how many one client held:
 * about 20,000 silent ones made the server reset every new client, with nothing logged. Small bounds here (1 s,
 * 3 connections) keep the tests fast; the defaults are 20 s, 10 s, 256 per address and 10,000 in all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTessera, type StartOptions } from '../helpers/tessera.js';

/** Every client socket of the test running: destroyed before its server stops (a silent one would hold the stop). */
const sockets = new Set<Socket>();

async function server(options: StartOptions) {
  const t = await startTessera({ demo: false, ...options });
  return {
    t: {
      ...t,
      stop: async () => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        await t.stop();
      },
    },
    port: Number(new URL(t.baseUrl).port),
  };
}

/** A TCP connection from `localAddress`, resolved once connected; `closed` resolves with what it received and when. */
function open(port: number, localAddress = '127.0.0.1') {
  const started = Date.now();
  const chunks: Buffer[] = [];
  let socket!: Socket;
  const connected = new Promise<Socket>((resolve, reject) => {
    socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    sockets.add(socket);
    socket.once('error', reject);
  });
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<{ ms: number; received: string }>((resolve) => {
    socket.on('error', () => {});
    socket.once('close', () => resolve({ ms: Date.now() - started, received: Buffer.concat(chunks).toString('latin1') }));
  });
  return { socket, connected, closed };
}

/** Resolves with 'closed' if the connection closes within `ms`, else 'open'. */
function closesWithin(c: ReturnType<typeof open>, ms: number): Promise<'closed' | 'open'> {
  return Promise.race([c.closed.then(() => 'closed' as const), new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
}

/** One request on `socket` (kept alive), resolved with the status of its answer once the whole answer arrived. */
function request(socket: Socket, path = '/api/versions'): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(Number(text.slice(9, 12)));
    };
    const onClose = () => reject(new Error(`connection closed before the answer: ${JSON.stringify(text.slice(0, 80))}`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/*+xml;version=36.1\r\n\r\n`);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a connection that sends no request head is closed at the head timeout (408), not 80-90 s later', async (t) => {
  const { t: node, port } = await server({ config: { requestHeadTimeoutSeconds: 1 } });
  t.after(() => node.stop());
  const silent = open(port);
  await silent.connected;
  // A head begun and never finished: the same bound from its first byte.
  const partial = open(port);
  (await partial.connected).write('GET /api/versions HTTP/1.1\r\nHost: localhost\r\n');
  assert.equal(await closesWithin(silent, 3_000), 'closed', 'the silent connection was still open after 3 s');
  assert.equal(await closesWithin(partial, 3_000), 'closed', 'the unfinished head was still open after 3 s');
  const { ms, received } = await silent.closed;
  assert.ok(ms >= 900, `closed after ${ms} ms, before its bound`);
  assert.match(received, /^HTTP\/1\.1 408 /);
});

test('a TLS connection that never completes its handshake is closed at the handshake timeout, not 120 s later', async (t) => {
  const { t: node, port } = await server({ https: true, config: { tlsHandshakeTimeoutSeconds: 1 } });
  t.after(() => node.stop());
  const silent = open(port);
  await silent.connected;
  // A ClientHello's record header and then a byte every 200 ms: the handshake's bytes do not restart the timer.
  const trickle = open(port);
  (await trickle.connected).write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
  const drip = setInterval(() => trickle.socket.destroyed || trickle.socket.write(Buffer.from([0x01])), 200);
  t.after(() => clearInterval(drip));
  assert.equal(await closesWithin(silent, 3_000), 'closed', 'the silent TLS connection was still open after 3 s');
  assert.equal(await closesWithin(trickle, 3_000), 'closed', 'the trickled handshake was still open after 3 s');
  assert.ok((await silent.closed).ms >= 900);
});

test('a kept-alive client pausing between requests longer than the head timeout keeps its connection', async (t) => {
  const { t: node, port } = await server({ config: { requestHeadTimeoutSeconds: 1 } });
  t.after(() => node.stop());
  const client = open(port);
  const socket = await client.connected;
  assert.equal(await request(socket), 200);
  // Past the head timeout (and Node's checks, every 250 ms here), well within the 72 s keep-alive timeout.
  const silent = open(port);
  await sleep(2_500);
  assert.equal(await request(socket), 200, 'the second request, on the same connection');
  assert.equal(socket.destroyed, false);
  assert.equal(await closesWithin(silent, 0), 'closed', 'a connection opened meanwhile that sent nothing was cut');
  socket.destroy();
});

test('the (N+1)th connection from one address is closed at accept; other addresses are served; one log line', async (t) => {
  const lines: string[] = [];
  const { t: node, port } = await server({
    config: { connectionsPerAddress: 3, logLevel: 'warn', metricsPort: 0 },
    logDestination: { write: (line) => void lines.push(line) },
  });
  t.after(() => node.stop());
  const held = [open(port, '127.0.0.2'), open(port, '127.0.0.2'), open(port, '127.0.0.2')];
  await Promise.all(held.map((c) => c.connected));
  await sleep(100); // the server has accepted them all
  const excess = [open(port, '127.0.0.2'), open(port, '127.0.0.2')];
  for (const c of excess) {
    assert.equal(await closesWithin(c, 2_000), 'closed', 'the connection over the cap was kept');
    assert.equal((await c.closed).received, '', 'closed without a byte');
  }
  // Another address is served meanwhile; the held connections still are.
  const other = open(port, '127.0.0.3');
  assert.equal(await request(await other.connected), 200);
  assert.equal(await request(held[0]!.socket), 200);
  // One closed: its place is free again.
  held[1]!.socket.destroy();
  await held[1]!.closed;
  await sleep(100);
  const again = open(port, '127.0.0.2');
  assert.equal(await request(await again.connected), 200);

  const refusals = lines
    .map((l) => JSON.parse(l) as { msg: string; addressBlock?: string; refused?: number })
    .filter((l) => l.addressBlock);
  assert.equal(refusals.length, 1, `one line for two refusals: ${JSON.stringify(refusals)}`);
  assert.equal(refusals[0]!.addressBlock, '127.0.0.2');
  assert.match(refusals[0]!.msg, /TESSERA_CONNECTIONS_PER_ADDRESS/);
  const metrics = await (await fetch(node.server.metricsUrl!)).text();
  assert.match(metrics, /^tessera_connections_refused_total\{reason="per_address"\} 2$/m);
  assert.match(metrics, /^tessera_connections_refused_total\{reason="max_connections"\} 0$/m);
  for (const c of [...held, other, again]) c.socket.destroy();
});

test('behind a trusted proxy the per-address cap does not apply to the proxy; any other peer is still capped', async (t) => {
  const { t: node, port } = await server({ config: { connectionsPerAddress: 2, trustProxy: '127.0.0.2' } });
  t.after(() => node.stop());
  const viaProxy = [1, 2, 3, 4].map(() => open(port, '127.0.0.2'));
  for (const c of viaProxy) assert.equal(await request(await c.connected), 200);
  const direct = [open(port, '127.0.0.4'), open(port, '127.0.0.4')];
  await Promise.all(direct.map((c) => c.connected));
  await sleep(100);
  const over = open(port, '127.0.0.4');
  assert.equal(await closesWithin(over, 2_000), 'closed');
  for (const c of [...viaProxy, ...direct]) assert.equal(c.socket.destroyed, false);
  for (const c of [...viaProxy, ...direct]) c.socket.destroy();
});

test('past maxConnections in all, a new connection is closed at accept and counted', async (t) => {
  const lines: string[] = [];
  const { t: node, port } = await server({
    https: true,
    config: { maxConnections: 3, logLevel: 'warn', metricsPort: 0 },
    logDestination: { write: (line) => void lines.push(line) },
  });
  t.after(() => node.stop());
  const held = [open(port, '127.0.0.5'), open(port, '127.0.0.6'), open(port, '127.0.0.7')];
  await Promise.all(held.map((c) => c.connected));
  await sleep(100);
  const over = open(port, '127.0.0.8');
  assert.equal(await closesWithin(over, 2_000), 'closed');
  const metrics = await (await fetch(node.server.metricsUrl!)).text();
  assert.match(metrics, /^tessera_connections_refused_total\{reason="max_connections"\} 1$/m);
  assert.equal(lines.filter((l) => /TESSERA_MAX_CONNECTIONS/.test(l)).length, 1);
  for (const c of held) c.socket.destroy();
});
