/**
 * What a connection that never reads its answers can hold is bounded in count and in time:
 * - more than HELD_LIMIT requests held past the in-flight bound close the connection (src/http/pipelining.ts); until
 *   2026-12-07 a client that pipelined one socket read of minimal requests (about 3,600) and neither read nor closed
 *   kept all their request objects for ever;
 * - answers queued that the client takes none of for TESSERA_WRITE_STALL_TIMEOUT_SECONDS close it
 *   (src/http/write-stall.ts); until then such a connection was kept for ever.
 *
 * The request objects the server holds are counted through Node's `http.server.request.start` channel (a request
 * parsed) and each request's `close` (answered, or aborted with its connection). Closes are seen on the server's side
 * (`net.server.socket`): a client that does not read does not notice its connection closed until it reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTessera } from '../helpers/tessera.js';

const live = new Set<IncomingMessage>();
diagnostics.subscribe('http.server.request.start', (message) => {
  const request = (message as { request: IncomingMessage }).request;
  live.add(request);
  request.once('close', () => live.delete(request));
});

const serverSockets = new Set<Socket>();
diagnostics.subscribe('net.server.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  serverSockets.add(socket);
  socket.once('close', () => serverSockets.delete(socket));
});

/** How long until the server had closed every connection it holds, or null if it had not after `ms`. */
async function serverClosedAll(ms: number, since = Date.now()): Promise<number | null> {
  while (serverSockets.size > 0 && Date.now() - since < ms) await sleep(20);
  return serverSockets.size === 0 ? Date.now() - since : null;
}

async function open(port: number, https: boolean): Promise<Socket> {
  const socket = https ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : tcpConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {}); // a reset once the server gives up on it
  await once(socket, https ? 'secureConnect' : 'connect');
  return socket;
}

/** The answers in `text`, whole ones only: their status codes. */
function wholeAnswers(text: string): string[] {
  const statuses: string[] = [];
  for (;;) {
    const head = text.indexOf('\r\n\r\n');
    const length = head >= 0 ? /content-length: (\d+)/i.exec(text.slice(0, head)) : null;
    if (!length || text.length < head + 4 + Number(length[1])) return statuses;
    statuses.push(text.slice(9, 12));
    text = text.slice(head + 4 + Number(length[1]));
  }
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const port = (baseUrl: string) => Number(new URL(baseUrl).port);

for (const https of [false, true]) {
  test(`${https ? 'HTTPS' : 'plain HTTP'}: 4,000 minimal requests pipelined in one write, never read: the connection is closed and the server holds none of them`, async () => {
    const lines: string[] = [];
    const node = await startTessera({
      https,
      config: { logLevel: 'warn', metricsPort: 0 },
      logDestination: { write: (l) => void lines.push(l) },
    });
    const sockets = [await open(port(node.baseUrl), https), await open(port(node.baseUrl), https)];
    try {
      live.clear();
      const opened = Date.now();
      for (const socket of sockets) {
        socket.pause(); // never read
        socket.write(Array.from({ length: 4000 }, () => GET('/api/versions')).join(''));
      }
      const took = await serverClosedAll(15_000, opened);
      assert.notEqual(took, null, 'the server closed both connections');
      for (let waited = 0; live.size > 0 && waited < 5_000; waited += 50) await sleep(50);
      assert.equal(live.size, 0, 'no request object left on the server');
      const logged = lines.filter((l) => l.includes('pipelined more requests than the server holds'));
      assert.equal(logged.length, 1, `one line for both connections (at most one a minute per address):\n${logged.join('')}`);
      assert.match(logged[0]!, /"addressBlock":"127\.0\.0\.1"/);
      // Logged once, but each connection counted.
      const metrics = await (await fetch(node.server.metricsUrl!)).text();
      assert.match(metrics, /^tessera_connections_cut_total\{reason="pipeline_overflow"\} 2$/m);
      assert.match(metrics, /^tessera_connections_cut_total\{reason="write_stall"\} 0$/m);
    } finally {
      for (const socket of sockets) socket.destroy();
      await node.stop();
    }
  });
}

test('a client pipelining 4,000 requests and reading its answers gets the in-flight ones, then an end of stream', async () => {
  const node = await startTessera();
  const socket = await open(port(node.baseUrl), false);
  try {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.pause(); // paused for the write, so the server meets the held bound; read from then on
    socket.write(Array.from({ length: 4000 }, () => GET('/api/versions')).join(''));
    await sleep(200);
    socket.resume();
    const ended = once(socket, 'end');
    assert.notEqual(await serverClosedAll(15_000), null, 'the server closed the connection');
    await ended;
    const answered = wholeAnswers(text);
    assert.ok(answered.length >= 16 && answered.length < 4000, `some answered, not all: ${answered.length}`);
    assert.ok(
      answered.every((s) => s === '200'),
      'every answer is a 200',
    );
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, answered.length, 'and whole');
  } finally {
    socket.destroy();
    await node.stop();
  }
});

for (const https of [false, true]) {
  test(`${https ? 'HTTPS' : 'plain HTTP'}: a client that stops reading with answers queued is closed after the write-stall bound`, async () => {
    const node = await startTessera({ https, config: { writeStallTimeoutSeconds: 1 } });
    const socket = await open(port(node.baseUrl), https);
    try {
      socket.pause();
      // 40 OpenAPI documents (0.8 MB each): more than the kernel's buffers take on loopback.
      socket.write(Array.from({ length: 40 }, () => GET('/tessera/openapi.json')).join(''));
      const written = Date.now();
      const took = await serverClosedAll(10_000, written);
      assert.notEqual(took, null, 'the server closed the connection');
      assert.ok(took! >= 1_000, `not before the bound: ${took} ms`);
    } finally {
      socket.destroy();
      await node.stop();
    }
  });
}

test('a slow reader taking large answers for longer than the write-stall bound, with progress, is not cut off', async () => {
  const node = await startTessera({ config: { writeStallTimeoutSeconds: 2 } });
  const socket = await open(port(node.baseUrl), false);
  try {
    socket.pause();
    const count = 12;
    socket.write(Array.from({ length: count }, () => GET('/tessera/openapi.json')).join(''));
    const started = Date.now();
    let text = '';
    // At most 64 KiB every 25 ms, about 2.5 MB/s: a document every third of a second, the whole over several seconds.
    while (!socket.destroyed && (text.match(/HTTP\/1\.1 200 /g)?.length ?? 0) < count && Date.now() - started < 30_000) {
      await sleep(25);
      const chunk = socket.read() as Buffer | null;
      if (chunk) text += chunk.toString('latin1');
    }
    for (let waited = 0; !text.endsWith('}') && waited < 5_000 && !socket.destroyed; waited += 25) {
      await sleep(25);
      const chunk = socket.read() as Buffer | null;
      if (chunk) text += chunk.toString('latin1');
    }
    const elapsed = Date.now() - started;
    assert.equal(text.match(/HTTP\/1\.1 200 /g)?.length, count, 'every answer came');
    assert.ok(!socket.destroyed, 'the connection is still open');
    assert.ok(elapsed > 2_000, `reading took longer than the bound (${elapsed} ms), so the bound was tested`);
  } finally {
    socket.destroy();
    await node.stop();
  }
});
