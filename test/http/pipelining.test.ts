/**
 * A connection that pipelines requests without reading its answers has at most PIPELINE_DEPTH of them handled at once
 * (src/http/pipelining.ts). Until 2026-12-07 every request of a socket read (hundreds of small ones) was handed to
 * the routes at once: 50 such connections took the server from 160 MiB to 410 MiB RSS and other clients waited
 * seconds (bench/pipeline-flood.ts).
 *
 * Handled and answered are counted where they happen, through diagnostics channels that exist anyway: fastify's
 * route-handler start (`tracing:fastify.request.handler:start`) and Node's `http.server.response.finish` (the answer
 * handed to the socket). A request is in flight between the two.
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
import { HELD_LIMIT, PIPELINE_DEPTH } from '../../src/http/pipelining.js';

const inFlight = new Set<IncomingMessage>();
let handled = 0;
let peak = 0;
diagnostics.subscribe('tracing:fastify.request.handler:start', (message) => {
  inFlight.add((message as { request: { raw: IncomingMessage } }).request.raw);
  handled++;
  peak = Math.max(peak, inFlight.size);
});
diagnostics.subscribe('http.server.response.finish', (message) => {
  inFlight.delete((message as { request: IncomingMessage }).request);
});
function resetCounts() {
  inFlight.clear();
  handled = 0;
  peak = 0;
}

async function open(port: number, https: boolean): Promise<Socket> {
  const socket = https ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : tcpConnect({ host: '127.0.0.1', port });
  await once(socket, https ? 'secureConnect' : 'connect');
  return socket;
}

/** The status codes of the answers read from `socket` once `count` have come (or 20 s passed, or it closed). */
async function readStatuses(socket: Socket, count: number): Promise<string[]> {
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.resume();
  const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]!);
  const deadline = Date.now() + 20_000;
  while (statuses().length < count && Date.now() < deadline && !socket.destroyed) await sleep(50);
  return statuses();
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const TOKEN_BODY = 'grant_type=not-a-grant';
const TOKEN_HEAD =
  'POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
  `Content-Length: ${TOKEN_BODY.length}\r\n\r\n`;

for (const https of [false, true]) {
  // As many as the bounds hold, in flight and held (272): one more held closes the connection (unread-answers.test.ts).
  test(`${https ? 'HTTPS' : 'plain HTTP'}: PIPELINE_DEPTH + HELD_LIMIT requests pipelined without reading have at most PIPELINE_DEPTH handled at once, then all are answered in order`, async () => {
    const node = await startTessera({ https });
    const socket = await open(Number(new URL(node.baseUrl).port), https);
    try {
      resetCounts();
      socket.pause(); // not reading: the answers queue on the server
      // Every 100th request is for a path that does not exist: its 404 shows where it stands among the answers.
      const paths = Array.from({ length: PIPELINE_DEPTH + HELD_LIMIT - 1 }, (_, i) =>
        i % 100 === 99 ? '/api/no-such-resource' : '/api/versions',
      );
      socket.write(paths.map(GET).join(''));
      // Last, a POST whose body comes later: held behind the others, it must be handed on and its body read.
      socket.write(TOKEN_HEAD);
      let last = -1;
      for (let waited = 0; waited < 5000 && handled !== last; waited += 300) {
        last = handled;
        await sleep(300);
      }
      assert.ok(peak <= PIPELINE_DEPTH, `at most ${PIPELINE_DEPTH} handled at once before the client read, not ${peak}`);
      socket.write(TOKEN_BODY);
      const statuses = await readStatuses(socket, paths.length + 1);
      assert.equal(statuses.length, paths.length + 1, 'every request answered');
      assert.deepEqual(
        statuses.slice(0, paths.length),
        paths.map((p) => (p === '/api/versions' ? '200' : '404')),
        'answers in the order of the requests',
      );
      assert.match(statuses.at(-1)!, /^4\d\d$/, 'the late-bodied token request answered (refused grant)');
      assert.ok(peak <= PIPELINE_DEPTH, `at most ${PIPELINE_DEPTH} in flight, not ${peak}`);
    } finally {
      socket.destroy();
      await node.stop();
    }
  });
}

test('a client sending 1,000 requests one at a time on one kept-alive connection is answered as before', async () => {
  const node = await startTessera();
  const socket = await open(Number(new URL(node.baseUrl).port), false);
  try {
    resetCounts();
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    for (let i = 1; i <= 1000; i++) {
      socket.write(GET('/api/versions'));
      // The whole answer: its head and Content-Length bytes of body.
      for (;;) {
        const head = text.indexOf('\r\n\r\n');
        const length = head >= 0 ? /content-length: (\d+)/i.exec(text.slice(0, head)) : null;
        if (length && text.length >= head + 4 + Number(length[1])) {
          assert.match(text, /^HTTP\/1\.1 200 /, `request ${i}`);
          text = text.slice(head + 4 + Number(length[1]));
          break;
        }
        await once(socket, 'data');
      }
    }
    assert.equal(handled, 1000);
    assert.equal(peak, 1);
    assert.ok(!socket.destroyed, 'the connection is still open');
  } finally {
    socket.destroy();
    await node.stop();
  }
});
