/**
 * The PROXY protocol behind a TCP load balancer in TLS passthrough (src/http/proxy-protocol.ts,
 * TESSERA_PROXY_PROTOCOL_FROM). Before it, every client came from the balancer's address: 30 failed sign-ins from
 * one client through HAProxy `mode tcp` made the right password from another get 429, the per-address connection
 * cap counted all clients as one, and the audit trail named the balancer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { startTessera, DEMO_PASSWORD, type StartOptions, type TesseraHandle } from '../helpers/tessera.js';
import { basic } from '../helpers/api.js';
import { lastSignInAddress } from '../helpers/audit.js';
import { JSON_37 } from '../security/support.js';
import { parseProxyHeader, V1_MAX_BYTES, V2_MAX_BYTES } from '../../src/http/proxy-protocol.js';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header as HAProxy's send-proxy-v2 writes it: PROXY over TCP, or LOCAL; `tlv` bytes appended. */
function v2(source: string | null, destination = '127.0.0.1', sourcePort = 40000, tlv = Buffer.alloc(0)): Buffer {
  if (source === null) {
    const head = Buffer.concat([SIGNATURE, Buffer.from([0x20, 0x00, 0, 0])]);
    head.writeUInt16BE(tlv.length, 14);
    return Buffer.concat([head, tlv]);
  }
  const six = source.includes(':');
  const bytes = (a: string) =>
    six
      ? Buffer.from(
          expand(a)
            .map((g) => g.padStart(4, '0'))
            .join(''),
          'hex',
        )
      : Buffer.from(a.split('.').map(Number));
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sourcePort, 0);
  ports.writeUInt16BE(443, 2);
  const body = Buffer.concat([bytes(source), bytes(six ? '::1' : destination), ports, tlv]);
  const head = Buffer.concat([SIGNATURE, Buffer.from([0x21, six ? 0x21 : 0x11, 0, 0])]);
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}

function expand(address: string): string[] {
  const [left, right] = address.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  return right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
}

const v1 = (source: string, family = source.includes(':') ? 'TCP6' : 'TCP4') =>
  Buffer.from(`PROXY ${family} ${source} ${family === 'TCP6' ? '::1' : '127.0.0.1'} 40000 443\r\n`);

test('the parser reads v1 and v2 headers as HAProxy sends them, and only those', () => {
  assert.deepEqual(parseProxyHeader(v1('203.0.113.7')), {
    state: 'complete',
    version: 1,
    length: v1('203.0.113.7').length,
    source: { address: '203.0.113.7', family: 'IPv4', port: 40000 },
  });
  const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0::7 ::1 1 443\r\n'));
  assert.equal(six.state === 'complete' && six.source?.address, '2001:db8::7', 'written as Node writes a peer');
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff:f...f:ffff 1 2\r\nGET')), {
    state: 'complete',
    version: 1,
    length: 'PROXY UNKNOWN ffff:f...f:ffff 1 2\r\n'.length,
    source: null,
  });
  const four = parseProxyHeader(v2('198.51.100.4'));
  assert.deepEqual(four.state === 'complete' && four.source, { address: '198.51.100.4', family: 'IPv4', port: 40000 });
  const mapped = parseProxyHeader(v2('::ffff:c633:6404'));
  assert.equal(mapped.state === 'complete' && mapped.source?.address, '::ffff:198.51.100.4');
  const withTlv = v2('2001:db8:1:2::9', '', 7, Buffer.from([0x04, 0x00, 0x03, 1, 2, 3]));
  assert.deepEqual(parseProxyHeader(Buffer.concat([withTlv, Buffer.from('rest')])), {
    state: 'complete',
    version: 2,
    length: withTlv.length,
    source: { address: '2001:db8:1:2::9', family: 'IPv6', port: 7 },
  });
  assert.deepEqual(parseProxyHeader(v2(null)), { state: 'complete', version: 2, length: 16, source: null }, 'LOCAL');
  // Incomplete: any prefix of a valid header.
  for (const header of [v1('203.0.113.7'), v2('2001:db8::1')]) {
    for (let n = 1; n < header.length; n++) assert.equal(parseProxyHeader(header.subarray(0, n)).state, 'incomplete', `${n} bytes`);
  }
  const invalid = (b: Buffer | string) => parseProxyHeader(Buffer.isBuffer(b) ? b : Buffer.from(b)).state;
  assert.equal(invalid('GET / HTTP/1.1\r\n'), 'invalid');
  assert.equal(invalid(Buffer.from([0x16, 0x03, 0x01])), 'invalid', 'a TLS ClientHello');
  assert.equal(invalid('PROXY TCP4 203.0.113.7 127.0.0.1 40000\r\n'), 'invalid', 'a field missing');
  assert.equal(invalid('PROXY TCP4 2001:db8::1 127.0.0.1 1 2\r\n'), 'invalid', 'family and address disagree');
  assert.equal(invalid('PROXY TCP4 203.0.113.7 127.0.0.1 65536 2\r\n'), 'invalid', 'a port out of range');
  assert.equal(invalid('PROXY TCP4  203.0.113.7 127.0.0.1 1 2\r\n'), 'invalid', 'two spaces');
  assert.equal(invalid('PROXY TCP4 203.0.113.7 127.0.0.1 1 2\n'), 'invalid', 'a bare LF');
  assert.equal(invalid(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES)}`), 'invalid', 'no CRLF within 107 bytes');
  assert.equal(invalid(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES - 16)}\r\n`), 'complete', '107 bytes with the CRLF');
  assert.equal(invalid(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES - 15)}\r\n`), 'invalid', '108 bytes');
  const v3 = v2('203.0.113.7');
  v3[12] = 0x31;
  assert.equal(invalid(v3), 'invalid', 'version 3');
  const short = v2('203.0.113.7');
  short.writeUInt16BE(11, 14);
  assert.equal(invalid(short), 'invalid', 'a length shorter than its IPv4 addresses');
  const huge = v2('203.0.113.7');
  huge.writeUInt16BE(V2_MAX_BYTES, 14);
  assert.equal(invalid(huge.subarray(0, 16)), 'invalid', 'a length over the bound, refused before it is read');
  const family = v2('203.0.113.7');
  family[13] = 0x41;
  assert.equal(invalid(family), 'invalid', 'an unknown address family');
});

// ---------------------------------------------------------------------------------------------------------------

/** Every client socket of the test running, destroyed before its server stops. */
const sockets = new Set<Socket>();

async function node(
  config: StartOptions['config'],
  https = false,
): Promise<{ handle: TesseraHandle; port: number; stop(): Promise<void> }> {
  const handle = await startTessera({ https, config: { proxyProtocolFrom: '127.0.0.1', ...config } });
  return {
    handle,
    port: Number(new URL(handle.baseUrl).port),
    async stop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await handle.stop();
    },
  };
}

interface Exchange {
  status: number | null;
  received: string;
  ms: number;
}

/**
 * Opens a TCP connection from `localAddress`, writes `first` (the balancer's header) and then `request` in the same
 * write, and resolves with what came back when the server closed the connection.
 */
function exchange(port: number, first: Buffer, request = '', localAddress = '127.0.0.1'): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => socket.write(Buffer.concat([first, Buffer.from(request)])));
    sockets.add(socket);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.once('close', () => {
      const received = Buffer.concat(chunks).toString('latin1');
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.test(received) ? Number(received.slice(9, 12)) : null, received, ms: Date.now() - started });
    });
  });
}

const signIn = (user: string, password: string) =>
  `POST /cloudapi/1.0.0/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${basic(user, 'acme', password)}\r\n` +
  `Accept: ${JSON_37}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;

test('v1 and v2, IPv4 and IPv6, from a named balancer: the audit trail names the client, not the balancer', async (t) => {
  const n = await node({});
  t.after(() => n.stop());
  for (const [header, client] of [
    [v1('203.0.113.7'), '203.0.113.7'],
    [v1('2001:db8:5::7'), '2001:db8:5::7'],
    [v2('198.51.100.4'), '198.51.100.4'],
    [v2('2001:db8:6::9', '', 40000, Buffer.from([0x05, 0x00, 0x02, 0xab, 0xcd])), '2001:db8:6::9'],
  ] as const) {
    const answer = await exchange(n.port, header, signIn('alice', DEMO_PASSWORD));
    assert.equal(answer.status, 200, answer.received.slice(0, 200));
    assert.equal(await lastSignInAddress(n.handle.store), client);
  }
  // The header and the request in separate packets, the header itself split: read as one.
  const split = await new Promise<Exchange>((resolve) => {
    const chunks: Buffer[] = [];
    const header = v2('192.0.2.33');
    const socket = connect({ port: n.port, host: '127.0.0.1' }, async () => {
      socket.write(header.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 50));
      socket.write(header.subarray(5));
      await new Promise((r) => setTimeout(r, 50));
      socket.write(signIn('alice', DEMO_PASSWORD));
    });
    sockets.add(socket);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('close', () => resolve({ status: Number(Buffer.concat(chunks).toString('latin1').slice(9, 12)), received: '', ms: 0 }));
  });
  assert.equal(split.status, 200);
  assert.equal(await lastSignInAddress(n.handle.store), '192.0.2.33');
  // LOCAL (a health check) and UNKNOWN keep the balancer's address.
  assert.equal((await exchange(n.port, v2(null), signIn('alice', DEMO_PASSWORD))).status, 200);
  assert.equal(await lastSignInAddress(n.handle.store), '127.0.0.1');
  assert.equal((await exchange(n.port, Buffer.from('PROXY UNKNOWN\r\n'), signIn('alice', DEMO_PASSWORD))).status, 200);
  assert.equal(await lastSignInAddress(n.handle.store), '127.0.0.1');
});

test("one client's failed sign-ins brake that client, not every client of the balancer", async (t) => {
  const failures = 3;
  const n = await node({ signInFailuresPerAddress: failures });
  t.after(() => n.stop());
  for (let i = 1; i <= failures; i++) {
    assert.equal((await exchange(n.port, v1('203.0.113.66'), signIn(`nobody-${i}`, 'wrong-password'))).status, 401);
  }
  assert.equal((await exchange(n.port, v1('203.0.113.66'), signIn('alice', DEMO_PASSWORD))).status, 429, 'the failing client is braked');
  assert.equal((await exchange(n.port, v2('198.51.100.1'), signIn('alice', DEMO_PASSWORD))).status, 200, 'another client is not');
});

test('the per-address connection cap counts each client behind the balancer, not the balancer', async (t) => {
  const n = await node({ connectionsPerAddress: 2 });
  t.after(() => n.stop());
  const hold = async (header: Buffer) => {
    const socket = connect({ port: n.port, host: '127.0.0.1' });
    sockets.add(socket);
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    socket.write(header);
    return socket;
  };
  const closed = (socket: Socket, ms: number) =>
    Promise.race([new Promise((r) => socket.once('close', () => r('closed'))), new Promise((r) => setTimeout(() => r('open'), ms))]);
  const a1 = await hold(v1('203.0.113.10'));
  const a2 = await hold(v1('203.0.113.10'));
  const a3 = await hold(v1('203.0.113.10'));
  assert.equal(await closed(a3, 500), 'closed', "the client's third connection");
  assert.equal(await closed(a1, 0), 'open');
  assert.equal(await closed(a2, 0), 'open');
  // Two clients already hold two each through the one balancer address: a third client is still served.
  await hold(v1('203.0.113.11'));
  await hold(v1('203.0.113.11'));
  assert.equal((await exchange(n.port, v1('203.0.113.12'), signIn('alice', DEMO_PASSWORD))).status, 200);
});

test('a peer that is not a named balancer is served as before, and its PROXY header is not believed', async (t) => {
  const n = await node({ proxyProtocolFrom: '10.0.0.0/8' });
  t.after(() => n.stop());
  const spoofed = await exchange(n.port, v1('203.0.113.7'), signIn('alice', DEMO_PASSWORD));
  assert.equal(spoofed.status, 400, 'the header reaches HTTP as a bad request line');
  assert.equal(await lastSignInAddress(n.handle.store), null);
  const direct = await exchange(n.port, Buffer.alloc(0), signIn('alice', DEMO_PASSWORD));
  assert.equal(direct.status, 200, 'a direct client needs no header');
  assert.equal(await lastSignInAddress(n.handle.store), '127.0.0.1');
});

test('without the setting nothing is read: a PROXY header is a bad request line', async (t) => {
  const handle = await startTessera();
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await handle.stop();
  });
  const port = Number(new URL(handle.baseUrl).port);
  assert.equal((await exchange(port, v1('203.0.113.7'), signIn('alice', DEMO_PASSWORD))).status, 400);
  assert.equal((await exchange(port, Buffer.alloc(0), signIn('alice', DEMO_PASSWORD))).status, 200);
});

test('from a named balancer, a missing, malformed or oversized header closes the connection without a byte', async (t) => {
  const n = await node({});
  t.after(() => n.stop());
  const oversized = v2('203.0.113.7');
  oversized.writeUInt16BE(V2_MAX_BYTES, 14);
  for (const [what, first] of [
    ['no header', Buffer.alloc(0)],
    ['a v1 line of 108 bytes', Buffer.from(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES - 15)}\r\n`)],
    ['a v1 line without its CRLF', Buffer.from(`PROXY TCP4 203.0.113.7 127.0.0.1 1 2 ${'x'.repeat(200)}`)],
    ['a bad v1 address', Buffer.from('PROXY TCP4 203.0.113.300 127.0.0.1 1 2\r\n')],
    ['a v2 length over the bound', oversized],
  ] as const) {
    const answer = await exchange(n.port, first, signIn('alice', DEMO_PASSWORD));
    assert.equal(answer.received, '', what);
  }
  assert.equal(await lastSignInAddress(n.handle.store), null);
});

test('a balancer connection that sends no header is closed at the head timeout', async (t) => {
  const n = await node({ requestHeadTimeoutSeconds: 1 });
  t.after(() => n.stop());
  const silent = await exchange(n.port, Buffer.alloc(0));
  assert.equal(silent.received, '');
  assert.ok(silent.ms >= 900 && silent.ms < 3000, `closed after ${silent.ms} ms`);
  // Half a header is no better.
  const half = await exchange(n.port, v2('203.0.113.7').subarray(0, 20));
  assert.ok(half.ms >= 900 && half.ms < 3000, `closed after ${half.ms} ms`);
});

test('refusals are counted by reason in the metrics and logged once a minute per balancer', async (t) => {
  const lines: string[] = [];
  const handle = await startTessera({
    config: { proxyProtocolFrom: '127.0.0.1,127.0.0.5', requestHeadTimeoutSeconds: 1, logLevel: 'warn', metricsPort: 0 },
    logDestination: { write: (line) => void lines.push(line) },
  });
  const port = Number(new URL(handle.baseUrl).port);
  t.after(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await handle.stop();
  });
  const oversized = v2('203.0.113.7');
  oversized.writeUInt16BE(V2_MAX_BYTES, 14);
  const bad = Buffer.from('PROXY TCP4 203.0.113.300 127.0.0.1 1 2\r\n');
  // From the first balancer: two malformed, two oversized, one silent; from the second: one malformed.
  for (const first of [bad, Buffer.from('GET / HTTP/1.1\r\n\r\n'), oversized, Buffer.from(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES)}`)]) {
    assert.equal((await exchange(port, first)).received, '');
  }
  assert.equal((await exchange(port, Buffer.alloc(0))).received, '', 'no header within the head timeout');
  assert.equal((await exchange(port, bad, '', '127.0.0.5')).received, '');
  // A header that is accepted (LOCAL, a balancer's health check) is not counted.
  assert.equal((await exchange(port, v2(null), 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status, 200);

  const metrics = await (await fetch(handle.server.metricsUrl!)).text();
  assert.match(metrics, /^# HELP tessera_proxy_protocol_refused_total .*TESSERA_PROXY_PROTOCOL_FROM/m);
  assert.match(metrics, /^tessera_proxy_protocol_refused_total\{reason="malformed"\} 3$/m);
  assert.match(metrics, /^tessera_proxy_protocol_refused_total\{reason="oversized"\} 2$/m);
  assert.match(metrics, /^tessera_proxy_protocol_refused_total\{reason="timeout"\} 1$/m);
  assert.match(metrics, /^tessera_proxy_protocol_refused_total\{reason="unsupported"\} 0$/m);

  const refusals = lines
    .map((l) => JSON.parse(l) as { msg: string; remoteAddress?: string; refused?: number; kind?: string })
    .filter((l) => /TESSERA_PROXY_PROTOCOL_FROM/.test(l.msg));
  // One line per balancer in the minute: the second balancer's refusal is not hidden behind the first's.
  assert.deepEqual(
    refusals.map((l) => [l.remoteAddress, l.refused, l.kind]),
    [
      ['127.0.0.1', 1, 'malformed'],
      ['127.0.0.5', 1, 'malformed'],
    ],
    JSON.stringify(refusals),
  );
  assert.match(refusals[1]!.msg, /^connection from load balancer 127\.0\.0\.5 closed: PROXY v1 header with an address that is not TCP4/);
});

/** A TLS client whose first write (the ClientHello) goes out in one packet with the balancer's header. */
function tlsThroughBalancer(port: number, header: Buffer, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const tcp = connect({ port, host: '127.0.0.1' });
    sockets.add(tcp);
    let first = true;
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        tcp.write(first ? Buffer.concat([header, chunk]) : chunk, callback);
        first = false;
      },
      final(callback) {
        tcp.end(callback);
      },
    });
    tcp.on('data', (c: Buffer) => duplex.push(c));
    tcp.on('end', () => duplex.push(null));
    tcp.on('error', reject);
    const tls = tlsConnect({ socket: duplex, rejectUnauthorized: false, servername: 'localhost' }, () => tls.write(request));
    let text = '';
    tls.on('data', (c: Buffer) => (text += c.toString('latin1')));
    tls.on('error', reject);
    // The answer ends with the connection (Connection: close); the stream made here has nothing to close itself.
    tls.on('end', () => {
      tcp.destroy();
      resolve({ status: Number(text.slice(9, 12)), body: text });
    });
  });
}

test('HTTPS with passthrough: the header is read before TLS and the TLS session sees the client', async (t) => {
  const n = await node({}, true);
  t.after(() => n.stop());
  const answer = await tlsThroughBalancer(n.port, v2('2001:db8:77::1'), signIn('alice', DEMO_PASSWORD));
  assert.equal(answer.status, 200, answer.body.slice(0, 200));
  assert.equal(await lastSignInAddress(n.handle.store), '2001:db8:77::1');
  const one = await tlsThroughBalancer(n.port, v1('203.0.113.40'), signIn('alice', DEMO_PASSWORD));
  assert.equal(one.status, 200);
  assert.equal(await lastSignInAddress(n.handle.store), '203.0.113.40');
});

const HAPROXY = '/usr/sbin/haproxy';

test('HTTPS through a real HAProxy in mode tcp with send-proxy-v2', async (t) => {
  if (!existsSync(HAPROXY)) {
    console.warn(`SKIPPED: ${HAPROXY} is not installed; the PROXY protocol was not tried against a real HAProxy`);
    t.skip(`${HAPROXY} not installed`);
    return;
  }
  const n = await node({}, true);
  t.after(() => n.stop());
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'haproxy.cfg');
  // The balancer reaches the node from 127.0.0.1 (the named balancer); the client comes from 127.0.0.9.
  writeFileSync(
    cfg,
    [
      'global',
      '  log stderr format raw local0 err',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend vcd',
      `  bind 127.0.0.1:${free}`,
      '  default_backend cells',
      'backend cells',
      `  server cell1 127.0.0.1:${n.port} source 127.0.0.1 send-proxy-v2`,
      '',
    ].join('\n'),
  );
  const haproxy: ChildProcess = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  haproxy.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  t.after(() => {
    haproxy.kill();
  });
  // Wait until it listens.
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ port: free, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    assert.ok(i < 50 && haproxy.exitCode === null, `haproxy did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const tcp = connect({ port: free, host: '127.0.0.1', localAddress: '127.0.0.9' });
    sockets.add(tcp);
    const tls = tlsConnect({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' }, () =>
      tls.write(signIn('alice', DEMO_PASSWORD)),
    );
    let text = '';
    tls.on('data', (c: Buffer) => (text += c.toString('latin1')));
    tls.on('error', reject);
    tls.on('close', () => resolve({ status: Number(text.slice(9, 12)), body: text }));
  });
  assert.equal(answer.status, 200, `${answer.body.slice(0, 200)} ${stderr}`);
  assert.equal(await lastSignInAddress(n.handle.store), '127.0.0.9', 'the client, not the balancer (127.0.0.1)');
});

test('a balancer connection still waiting for its header does not hold the shutdown', async () => {
  const n = await node({});
  const silent = connect({ port: n.port, host: '127.0.0.1' });
  silent.on('error', () => {});
  await new Promise((r) => silent.once('connect', r));
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await n.handle.stop();
  const ms = Date.now() - started;
  silent.destroy();
  // Node's close waits for every open connection: this one, not HTTP's yet, would have held it to the head timeout.
  assert.ok(ms < 5000, `stopped after ${ms} ms`);
});
