/**
 * The operator's own certificate (`--tls-cert`, `--tls-key`): served instead of the generated self-signed one,
 * checked to make a pair at start, re-read on SIGHUP without dropping the old pair when the new files are bad, and
 * named in the start banner; the portal's snippets then drop `-k`. Until 2026-12-05 there was no option for it: an
 * operator overwrote the generated files in the data directory, and the banner and snippets still said `-k`.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import selfsigned from 'selfsigned';
import { ConfigError, loadConfig } from '../src/config.js';
import { loadOrCreateCertificate, operatorKeyExposure, SELF_SIGNED_DAYS, servesGeneratedCertificate } from '../src/tls.js';
import { startTessera, type TesseraHandle } from './helpers/tessera.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function pair(name: string): Promise<{ cert: string; key: string; certPath: string; keyPath: string; fingerprint: string }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keySize: 2048,
    days: 90,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  } as never);
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, certPath, keyPath, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** The SHA-256 fingerprint of the certificate a fresh TLS connection to `port` is shown. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()!.fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

describe('an operator certificate on a running server', () => {
  let first: Awaited<ReturnType<typeof pair>>;
  let second: Awaited<ReturnType<typeof pair>>;
  let t: TesseraHandle;
  const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
  const logLines: Array<{ level: number; msg: string }> = [];
  before(async () => {
    [first, second] = await Promise.all([pair('first'), pair('second')]);
    writeFileSync(live.cert, first.cert);
    writeFileSync(live.key, first.key);
    t = await startTessera({
      https: true,
      config: { tlsCert: live.cert, tlsKey: live.key, logLevel: 'info' },
      logDestination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
    });
  });
  after(() => t?.stop());

  test('it is served, and trusted by a client that trusts it (no -k)', async () => {
    const port = Number(new URL(t.baseUrl).port);
    assert.equal(await servedFingerprint(port), first.fingerprint);
    assert.equal(t.server.tls?.generated, false);
    assert.equal(t.server.tls?.certPath, live.cert);
    assert.equal(servesGeneratedCertificate(t.config), false, 'the portal snippets drop -k');
    const verified = await new Promise<boolean>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: first.cert }, () => {
        resolve(socket.authorized);
        socket.end();
      });
      socket.once('error', reject);
    });
    assert.equal(verified, true);
  });

  test('only forward-secret suites: a client offering RSA key exchange alone is refused, before and after a reload', async () => {
    // Until 2026-12-07 Node's defaults were served, AES128-SHA and the other static-RSA suites included: a key that
    // leaked later decrypted a recorded connection that had used one.
    const port = Number(new URL(t.baseUrl).port);
    const handshake = (ciphers: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.2', ciphers }, () => {
          const name = socket.getCipher().name;
          socket.end();
          resolve(name);
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(`refused: ${err.code ?? err.message}`));
      });
    const check = async () => {
      assert.match(await handshake('AES128-SHA:AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384'), /^refused/);
      assert.equal(await handshake('ECDHE-RSA-AES128-GCM-SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256');
    };
    await check();
    writeFileSync(live.cert, second.cert);
    writeFileSync(live.key, second.key);
    t.server.reloadTls!();
    await check();
  });

  test('a client offering ALPN http/1.0 alone (curl --http1.0) is answered, before and after a reload', async () => {
    // Until 2026-12-07 Node's HTTPS server offered http/1.1 alone and refused such a handshake with a fatal
    // no_application_protocol alert (src/tls.ts TLS_ALPN_PROTOCOLS).
    const port = Number(new URL(t.baseUrl).port);
    const exchange = (offer: string[]) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: offer }, () => {
          socket.write('GET /api/versions HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/*+xml;version=36.1\r\n\r\n');
        });
        const received: Buffer[] = [];
        socket.on('data', (data: Buffer) => received.push(data));
        socket.once('end', () => resolve(`${socket.alpnProtocol} ${Buffer.concat(received).toString('latin1').split('\r\n')[0]}`));
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(`refused: ${err.code ?? err.message}`));
      });
    const check = async () => {
      assert.equal(await exchange(['http/1.0']), 'http/1.0 HTTP/1.1 200 OK');
      assert.equal(await exchange(['h2', 'http/1.1']), 'http/1.1 HTTP/1.1 200 OK', 'HTTP/1.1 is still preferred');
    };
    await check();
    t.server.reloadTls!();
    await check();
  });

  test('a reload serves the renewed pair to new connections; a bad pair is refused and the old one kept', async () => {
    const port = Number(new URL(t.baseUrl).port);
    writeFileSync(live.cert, second.cert);
    writeFileSync(live.key, second.key);
    assert.equal(t.server.reloadTls!().certPath, live.cert);
    assert.equal(await servedFingerprint(port), second.fingerprint);
    // A renewal half written (the new certificate, the old key): refused, the pair in service stays.
    writeFileSync(live.cert, first.cert);
    assert.throws(() => t.server.reloadTls!(), /is not the key of the certificate/);
    assert.equal(await servedFingerprint(port), second.fingerprint);
    // Both outcomes are in the JSON log (until 2026-12-06 a refused reload was on stderr only).
    assert.ok(logLines.some((l) => l.msg === 'TLS certificate reloaded'));
    assert.ok(logLines.some((l) => l.level === 40 && l.msg === 'TLS certificate not reloaded; the previous one is still served'));
  });
});

describe('settings', () => {
  test('both files or neither; not with --http; files that exist', () => {
    const problems = (flags: Record<string, string | boolean>) => {
      try {
        loadConfig({ dataDir: dir, ...flags }, {});
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
    };
    assert.deepEqual(problems({ tlsCert: join(dir, 'first.crt') }), [
      '--tls-cert (TESSERA_TLS_CERT) needs --tls-key (TESSERA_TLS_KEY) too',
    ]);
    assert.match(problems({ tlsCert: join(dir, 'first.crt'), tlsKey: join(dir, 'first.key'), http: true })[0]!, /is for HTTPS/);
    assert.deepEqual(problems({ tlsCert: join(dir, 'none.crt'), tlsKey: join(dir, 'first.key') }), [
      `--tls-cert (TESSERA_TLS_CERT): no such file ${join(dir, 'none.crt')}`,
    ]);
    const config = loadConfig({ dataDir: dir }, { TESSERA_TLS_CERT: join(dir, 'first.crt'), TESSERA_TLS_KEY: join(dir, 'first.key') });
    assert.equal(config.tlsCert, join(dir, 'first.crt'));
  });
});

describe('tessera serve', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));

  test('a key that is not the certificate\u2019s: exit 1 with the files named, nothing served', async () => {
    const [a, b] = await Promise.all([pair('serve-a'), pair('serve-b')]);
    const r = spawnSync(
      process.execPath,
      ['bin/tessera.js', 'serve', '--port', '0', '--data-dir', join(dir, 'mismatch'), '--tls-cert', a.certPath, '--tls-key', b.keyPath],
      { env: { ...env, TESSERA_ADMIN_PASSWORD: 'an-admin-password-1' }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`the key ${b.keyPath} is not the key of the certificate ${a.certPath}`));
    assert.doesNotMatch(r.stderr, /listening|at .*\.js:\d+/, 'a message, not a stack');
  });

  test('the banner names the certificate and its end; SIGHUP reloads it', async (t) => {
    const a = await pair('serve-ok');
    assert.equal(operatorKeyExposure(a.keyPath), null, 'a 0600 key is not warned about');
    chmodSync(a.keyPath, 0o640);
    assert.equal(operatorKeyExposure(a.keyPath), null, "a key its group may read (Debian's ssl-cert) is not either");
    // Readable by every account: the banner says so (until 2026-12-07 it did not).
    chmodSync(a.keyPath, 0o644);
    const child = spawn(
      process.execPath,
      ['bin/tessera.js', 'serve', '--port', '0', '--data-dir', join(dir, 'ok'), '--tls-cert', a.certPath, '--tls-key', a.keyPath],
      { env: { ...env, TESSERA_ADMIN_PASSWORD: 'an-admin-password-1', TESSERA_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    t.after(() => child.kill('SIGKILL'));
    let stderr = '';
    child.once('exit', (code, signal) => (stderr += `\n[exited: ${code ?? signal}]`));
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen: ${pattern} in\n${stderr}`)), 30_000);
        const check = () => {
          if (pattern.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          check();
        });
        check();
      });
    await seen(/Portal:/);
    assert.match(
      stderr,
      new RegExp(`TLS: certificate ${a.certPath}, valid until \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(\\d+ days left; SIGHUP reloads it\\)`),
    );
    assert.doesNotMatch(stderr, /self-signed|-k\)/);
    assert.match(
      stderr,
      new RegExp(`warning: the TLS key ${a.keyPath} is readable by every account on this host \\(mode 0644\\): chmod 600`),
    );
    child.kill('SIGHUP');
    await seen(/Received SIGHUP: TLS certificate .* reloaded/);
  });
});

test('the generated self-signed certificate is valid for SELF_SIGNED_DAYS (825), as the docs say', async () => {
  // selfsigned 5 ignores a `days` option: until 2026-12-06 the certificate ran out after 365 days.
  const dir = mkdtempSync(join(tmpdir(), 'tessera-selfsigned-'));
  try {
    const material = await loadOrCreateCertificate(dir, '127.0.0.1');
    const cert = new X509Certificate(material.cert);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.equal(SELF_SIGNED_DAYS, 825);
    assert.ok(Math.abs(days - SELF_SIGNED_DAYS) < 1, `valid for ${days} days`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the generated certificate names --public-url's host, so a client reaching the node by that name verifies it", async () => {
  for (const [publicUrl, name] of [
    ['https://tessera.test:8443', 'DNS:tessera.test'],
    ['https://10.1.2.3', 'IP Address:10.1.2.3'],
    ['https://[fd00::5]:8443', 'IP Address:FD00:0:0:0:0:0:0:5'],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-selfsigned-'));
    try {
      const material = await loadOrCreateCertificate(dir, '0.0.0.0', publicUrl);
      const cert = new X509Certificate(material.cert);
      // Until 2026-12-06 only localhost, the loopback addresses and --host.
      assert.ok(cert.subjectAltName?.split(', ').includes(name), `${publicUrl}: ${cert.subjectAltName}`);
      assert.ok(cert.subjectAltName?.includes('DNS:localhost'), 'localhost stays');
      if (name.startsWith('DNS:')) assert.equal(cert.checkHost('tessera.test'), 'tessera.test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
