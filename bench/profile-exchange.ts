/**
 * `node --import tsx bench/profile-exchange.ts [dir] [seconds]`: a Tessera server under `node --cpu-prof`, loaded
 * with the refresh-token exchange alone for `seconds` (default 5), then stopped gracefully so the profile is
 * written to `dir` (default ./profiles). Summarise the load window with
 * `node --import tsx bench/profile-summary.ts <dir>/<largest>.cpuprofile 30 6` (add `modules` to group).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measure } from './harness.js';
import { mintDemoApiToken, startTesseraProcess } from './exchange.js';

const dir = resolve(process.argv[2] ?? 'profiles');
const seconds = Number(process.argv[3] ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-profile-'));
const server = await startTesseraProcess(dataDir, [], {}, ['--cpu-prof', '--cpu-prof-dir', dir]);
try {
  const base = server.match[1]!;
  const token = await mintDemoApiToken(base);
  const m = await measure('exchange under --cpu-prof', server.child.pid!, {
    url: `${base}/oauth/tenant/acme/token`,
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${token}`,
    durationSeconds: seconds,
  });
  console.log(`${m.requestsPerSecond.toFixed(0)} req/s, ${m.cpuMicrosPerRequest.toFixed(1)} µs CPU/request; profile in ${dir}`);
} finally {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGINT'); // graceful: the profile is written on exit
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
