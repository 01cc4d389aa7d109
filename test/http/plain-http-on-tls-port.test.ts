/**
 * `http://` sent to the HTTPS port (a newcomer's `curl http://127.0.0.1:8443/...`, an endpoint configured with the
 * wrong scheme): a plain 400 that says to use https://, instead of a connection closed without a byte (curl's
 * "Empty reply from server", the SDK's "other side closed"). A failed handshake of any other kind still just ends
 * the connection, and the server goes on serving HTTPS.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { createTransport } from '../../src/client/transport.js';
import { createVcdApiHeaders } from '../../src/client/create-vcd-api-headers.js';
import { VcdApiError } from '../../src/client/errors.js';

let t: TesseraHandle;
let port: number;
before(async () => {
  t = await startTessera({ https: true, demo: true });
  port = Number(new URL(t.baseUrl).port);
});
after(() => t?.stop());

/** Sends `bytes` on a fresh TCP connection and reads until the server closes it. */
function exchangeBytes(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server neither answered nor closed the connection')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(bytes);
  });
}

const tls = createTransport({ insecure: true });
const versionsOverHttps = async () => (await tls({ method: 'GET', url: `${t.baseUrl}/api/versions`, headers: {} })).status;

test('a plain HTTP request gets a 400 saying the port speaks HTTPS, and the connection closes', async () => {
  const answer = await exchangeBytes(`GET /api/versions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const [head, body] = answer.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(head!, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/i);
  assert.match(head!, /\r\nConnection: close/i);
  assert.equal(body, 'This port speaks HTTPS: send the request to https:// at the same host and port, not http://.\n');
  assert.equal(await versionsOverHttps(), 200, 'HTTPS still served');
});

test('a handshake that is neither TLS nor HTTP is just closed, without an HTTP answer', async () => {
  assert.equal(
    await exchangeBytes(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00])).then((a) => a.startsWith('HTTP/')),
    false,
  );
  assert.equal(await exchangeBytes('\u0000\u0001garbage\r\n\r\n').then((a) => a.startsWith('HTTP/')), false);
  assert.equal(await versionsOverHttps(), 200);
});

test('the SDK reports it as what it is, not as a refused API token', async () => {
  const error = await createVcdApiHeaders({ endpoint: `http://127.0.0.1:${port}`, tenant: 'acme', apiToken: 'x'.repeat(32) }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof VcdApiError, String(error));
  assert.equal(error.status, 400);
  assert.match(error.message, /This port speaks HTTPS/);
  // Until 2026-12-05: "The API token was refused by http://... it is unknown, revoked or expired".
  assert.doesNotMatch(error.message, /API token was refused/);
});
