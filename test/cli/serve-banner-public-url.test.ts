/**
 * `tessera serve --public-url`: the start banner's Portal and API addresses are the public URL's (what users are
 * given), while "listening on" still names the listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './run-cli.js';

test('behind a proxy, the banner gives the public URL for the portal and the API', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-banner-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--http',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      '--trust-proxy',
      '127.0.0.1',
      '--public-url',
      'https://vcd.example.com',
    ],
    { env: { ...env, TESSERA_ADMIN_PASSWORD: 'admin-Password-1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/Portal:.*\n/.test(output)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', () => reject(new Error(`serve exited: ${output}`)));
  });
  assert.match(output, /listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(
    output,
    /Portal: https:\/\/vcd\.example\.com\/provider \(tenants: \/tenant\/ORG\) {3}API: https:\/\/vcd\.example\.com\/api\/versions/,
  );
});
