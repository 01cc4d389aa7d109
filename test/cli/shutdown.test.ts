/**
 * `tessera serve` on SIGTERM: in-flight requests get TESSERA_SHUTDOWN_GRACE_SECONDS; a request still open after
 * that is cut, and the process says so and exits 1 (an orchestrator sees an unclean stop). Without one, exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './run-cli.js';

async function serve(dataDir: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  const child = spawn(process.execPath, [BIN, 'serve', '--http', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...args], {
    env: { ...env, TESSERA_ADMIN_PASSWORD: 'admin-Password-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    child.once('exit', () => reject(new Error(`serve exited: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, exited, output: () => output };
}

test('SIGTERM with a request still open after the grace: the connection is cut, a line says so, exit code 1', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await serve(dataDir, ['--shutdown-grace', '1']);
  // Headers sent, body never completed: an in-flight request that will not finish by itself.
  const socket = net.connect(node.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant',
  );
  socket.on('error', () => {});
  const cut = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  node.child.kill('SIGTERM');
  const code = await node.exited;
  await cut;
  const elapsed = Date.now() - started;
  assert.equal(code, 1, node.output());
  assert.match(node.output(), /Shutdown grace of 1 s ran out: closed 1 connection\(s\) still open; exiting with code 1/);
  assert.match(node.output(), /"msg":"shutdown grace ran out; closing the connections still open"/);
  assert.ok(elapsed >= 900 && elapsed < 8000, `exited after ${elapsed} ms`);
});

test('SIGTERM with nothing in flight exits 0 at once', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await serve(dataDir, []);
  assert.equal((await fetch(`http://127.0.0.1:${node.port}/health/ready`)).status, 200);
  node.child.kill('SIGTERM');
  assert.equal(await node.exited, 0, node.output());
});

test('SIGTERM while a request body is still arriving: the request is answered with Connection: close and the node exits 0 at once', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await serve(dataDir, ['--shutdown-grace', '5']);
  const body = 'grant_type=refresh_token&refresh_token=abcdefgh';
  const socket = net.connect(node.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n` +
      body.slice(0, 10),
  );
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  node.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  socket.write(body.slice(10));
  const code = await node.exited;
  await closed;
  const elapsed = Date.now() - started;
  assert.equal(code, 0, node.output());
  assert.match(answer, /^HTTP\/1\.1 400 /, 'the in-flight request got its answer');
  assert.match(answer, /\r\nConnection: close\r\n/i);
  assert.doesNotMatch(node.output(), /grace ran out/);
  assert.ok(elapsed < 4000, `exited after ${elapsed} ms (grace 5 s)`);
});

test('SIGTERM with --shutdown-drain: the line says so, the node serves through the drain and exits 0 after it, however short the grace', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Until 2026-12-06 the last-resort timer counted the grace alone (0 + 5 s), and a 6-s drain ended in exit 1.
  const node = await serve(dataDir, ['--shutdown-drain', '6', '--shutdown-grace', '0']);
  const started = Date.now();
  node.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await fetch(`http://127.0.0.1:${node.port}/health/ready`)).status, 503, 'readiness fails during the drain');
  assert.equal((await fetch(`http://127.0.0.1:${node.port}/api/versions`)).status, 200, 'requests are still served');
  const code = await node.exited;
  const elapsed = Date.now() - started;
  assert.equal(code, 0, node.output());
  assert.match(
    node.output(),
    /shutting down \(readiness fails and requests are still served for 6 s, then in-flight requests get up to 0 s\)/,
  );
  assert.doesNotMatch(node.output(), /did not finish/);
  assert.ok(elapsed >= 5900 && elapsed < 12_000, `exited after ${elapsed} ms`);
});
