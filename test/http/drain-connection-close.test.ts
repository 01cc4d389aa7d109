/**
 * While a node stops (SIGTERM's shutdown: /health/ready at 503 for the drain, then the listener closes), every answer
 * says `Connection: close`, so clients open their next request elsewhere instead of sending it on a kept-alive
 * connection that is about to be closed (a POST there was reset, and a client cannot safely retry a POST; until
 * 2026-12-05 answers kept the connection alive to the end). That includes a request already in flight when the
 * shutdown began (until 2026-12-05 it was answered keep-alive and its idle connection held the stop for the whole
 * grace, which then ended in exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { startTessera } from '../helpers/tessera.js';

function get(base: string, path: string, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  const url = new URL(`${base}${path}`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('during the drain, answers close their connection; before it, they keep it alive', async () => {
  const tessera = await startTessera({ config: { shutdownDrainSeconds: 1 } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const before = await get(tessera.baseUrl, '/api/versions', agent);
    assert.equal(before.status, 200);
    assert.equal(before.connection, 'keep-alive');
    const stopping = tessera.server.shutdown();
    const during = await get(tessera.baseUrl, '/api/versions', agent);
    assert.equal(during.status, 200, 'still served during the drain');
    assert.equal(during.connection, 'close');
    const ready = await get(tessera.baseUrl, '/health/ready', agent);
    assert.equal(ready.status, 503);
    await stopping;
  } finally {
    agent.destroy();
    await tessera.stop().catch(() => undefined);
  }
});

for (const https of [false, true]) {
  test(`${https ? 'HTTPS' : 'HTTP'}: a request whose body completes after the shutdown began is answered with Connection: close, and the stop ends at once, not at the grace`, async () => {
    const tessera = await startTessera({ demo: false, https, config: { shutdownGraceSeconds: 5 } });
    try {
      const { port } = new URL(tessera.baseUrl);
      const socket = https
        ? tls.connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false })
        : net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once(https ? 'secureConnect' : 'connect', resolve));
      const body = 'grant_type=refresh_token&refresh_token=abcdefgh';
      socket.write(
        `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n` +
          body.slice(0, 10),
      );
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const stopping = tessera.server.shutdown();
      await new Promise((r) => setTimeout(r, 200));
      socket.write(body.slice(10));
      const result = await stopping;
      const elapsed = Date.now() - started;
      await closed;
      assert.match(answer, /^HTTP\/1\.1 400 /, 'the in-flight request got its answer');
      assert.match(answer, /\r\nConnection: close\r\n/i);
      assert.doesNotMatch(answer, /keep-alive/i);
      assert.equal(result.forced, false);
      assert.ok(elapsed < 2000, `the stop took ${elapsed} ms (grace 5 s)`);
    } finally {
      await tessera.stop().catch(() => undefined);
    }
  });
}

for (const https of [false, true]) {
  test(`${https ? 'HTTPS' : 'HTTP'}: connections that have sent no byte of a request are closed at the stop, not held until their handshake or head timeout`, async () => {
    // Grace 5 s, head timeout 20 s and handshake timeout 10 s (the defaults): until 2026-12-06 the stop waited for
    // those timeouts, and the grace ran out first (forced, exit 1).
    const tessera = await startTessera({ demo: false, https, config: { shutdownGraceSeconds: 5 } });
    try {
      const port = Number(new URL(tessera.baseUrl).port);
      const connected = (s: net.Socket, event = 'connect') => new Promise((resolve) => s.once(event, resolve));
      const sockets: net.Socket[] = [];
      // Connected, silent.
      const silent = net.connect(port, '127.0.0.1');
      await connected(silent);
      sockets.push(silent);
      if (https) {
        // The first bytes of a ClientHello (a TLS record header), and nothing more.
        const halfway = net.connect(port, '127.0.0.1');
        await connected(halfway);
        halfway.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
        // Through the handshake, no request.
        const secured = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
        await connected(secured, 'secureConnect');
        sockets.push(halfway, secured);
      }
      const closed = sockets.map((s) => new Promise((resolve) => (s.on('error', () => {}), s.once('close', resolve))));
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const result = await tessera.server.shutdown();
      const elapsed = Date.now() - started;
      await Promise.all(closed);
      assert.equal(result.forced, false);
      assert.ok(elapsed < 2000, `the stop took ${elapsed} ms (grace 5 s)`);
    } finally {
      await tessera.stop().catch(() => undefined);
    }
  });
}
