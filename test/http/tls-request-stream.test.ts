/**
 * A request that arrives over TLS while an earlier answer is still queued is held until that answer is written, then
 * answered: not refused as "not valid HTTP" (src/http/tls-request-stream.ts).
 *
 * The client below makes the timing certain instead of waiting for it by chance. In one TCP segment it sends three
 * TLS records: a sign-in (answered only after its password hash, on another thread) pipelined with a request for the
 * OpenAPI document (about 0.8 MB, ready at once, so queued behind the sign-in: more than Node's high-water mark),
 * then the head of a token exchange, then its body, as Python's http.client sends a POST. Node pauses its parser at
 * the exchange's head because of the queued answer; until 2026-12-07 the body's record, already decrypted, was fed
 * to the paused parser, which failed (HPE_PAUSED): a 400 "not valid HTTP/1.1" and a closed connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTessera } from '../helpers/tessera.js';

/** A TLS client whose encrypted writes can be held back and sent as one segment. */
async function connectHoldingWrites(port: number) {
  const raw = net.connect(port, '127.0.0.1');
  let held: Buffer[] | null = null;
  const wire = new Duplex({
    write(chunk: Buffer, _encoding, done) {
      if (held) held.push(chunk);
      else raw.write(chunk);
      done();
    },
    read() {},
  });
  raw.on('data', (data: Buffer) => wire.push(data));
  raw.on('end', () => wire.push(null));
  raw.on('close', () => wire.destroy());
  raw.on('error', () => {});
  const socket = tls.connect({ socket: wire, rejectUnauthorized: false, servername: 'localhost' });
  socket.on('error', () => {});
  await once(socket, 'secureConnect');
  const received: Buffer[] = [];
  socket.on('data', (data: Buffer) => received.push(data));
  const closed = once(socket, 'close');
  const statuses = () =>
    [
      ...Buffer.concat(received)
        .toString('latin1')
        .matchAll(/HTTP\/1\.1 (\d{3}) /g),
    ].map((m) => m[1]);
  return {
    raw,
    socket,
    /** Everything received so far, as text. */
    text: () => Buffer.concat(received).toString('latin1'),
    /** The status codes of the answers received, once `count` have come, the connection closed, or 10 s passed. */
    async answers(count: number): Promise<Array<string | undefined>> {
      const deadline = Date.now() + 10_000;
      while (statuses().length < count && Date.now() < deadline && !socket.destroyed) {
        await Promise.race([once(socket, 'data'), closed, sleep(100)]);
      }
      return statuses();
    },
    /** Writes each part as its own TLS record, all of them in one TCP write. */
    async writeRecordsTogether(parts: string[]): Promise<number> {
      held = [];
      for (const part of parts) {
        socket.write(part);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const records = held;
      held = null;
      raw.write(Buffer.concat(records));
      return records.length;
    },
  };
}

test('a token exchange sent in two TLS records behind a queued answer is answered, not refused as bad HTTP', async () => {
  const node = await startTessera({ https: true });
  try {
    const client = await connectHoldingWrites(Number(new URL(node.baseUrl).port));
    const body = 'grant_type=refresh_token&refresh_token=' + 'a'.repeat(32);
    const basic = Buffer.from('nobody@acme:wrong password').toString('base64');
    const records = await client.writeRecordsTogether([
      `POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nAccept: application/*+xml;version=36.1\r\n` +
        `Authorization: Basic ${basic}\r\nContent-Length: 0\r\n\r\n` +
        'GET /tessera/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n',
      `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    ]);
    assert.equal(records, 3, 'each part must be its own TLS record for this test to mean anything');

    const statuses = await client.answers(3);
    const text = client.text();
    assert.deepEqual(statuses, ['401', '200', '400'], 'the sign-in refused, the document, then the exchange answered');
    // The exchange's own answer (an unknown refresh token), not the parser's "not valid HTTP/1.1".
    const last = text.slice(text.lastIndexOf('HTTP/1.1 400 '));
    assert.match(last, /"minorErrorCode":"invalid_grant"/);
    assert.equal(client.socket.destroyed, false, 'the connection is kept');
    client.socket.destroy();
  } finally {
    await node.stop();
  }
});

test('a connection paused behind a queued answer goes on reading once the answer is out', async () => {
  // The pause with nothing after it in the read: the request that caused it is answered in turn, and so is the next
  // one the client sends after reading everything. A switch to the stream made only at the first pause (tried on
  // 2026-12-07 to spare unpaused connections its cost) left the socket's stream believing a read was pending, so it
  // never started reading again: the next request hung until the keep-alive timeout closed the connection (pyvcloud's
  // conformance run met it).
  const node = await startTessera({ https: true });
  try {
    const client = await connectHoldingWrites(Number(new URL(node.baseUrl).port));
    const basic = Buffer.from('nobody@acme:wrong password').toString('base64');
    const versions = 'GET /api/versions HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const records = await client.writeRecordsTogether([
      `POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nAccept: application/*+xml;version=36.1\r\n` +
        `Authorization: Basic ${basic}\r\nContent-Length: 0\r\n\r\n` +
        'GET /tessera/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n',
      versions,
    ]);
    assert.equal(records, 2, 'each part must be its own TLS record for this test to mean anything');
    assert.deepEqual(await client.answers(3), ['401', '200', '200'], 'the sign-in refused, the document, the versions');

    client.socket.write(versions);
    assert.deepEqual(await client.answers(4), ['401', '200', '200', '200'], 'the request sent after them is read and answered');
    assert.equal(client.socket.destroyed, false, 'the connection is kept');
    client.socket.destroy();
  } finally {
    await node.stop();
  }
});
