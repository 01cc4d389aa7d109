/**
 * `npm run bench:metrics`: what the Prometheus metrics cost on the token exchange. Two servers, one without and
 * one with --metrics-port, measured in turn (off, on, off, on) so that noise from a shared machine hits both;
 * prints req/s and server CPU per request for each round and the median difference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, startProcess, type Measured } from './harness.js';
import { tesseraEntry } from './tessera-entry.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = new URL('..', import.meta.url).pathname;
const PASSWORD = 'bench-demo-password';

async function startNode(metrics: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-metrics-'));
  const proc = await startProcess(
    process.execPath,
    [tesseraEntry(), 'serve', '--http', '--port', '0', '--demo', '--data-dir', dataDir, '--log-level', 'silent'],
    {
      NODE_ENV: 'production',
      TESSERA_DEMO_PASSWORD: PASSWORD,
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_TOKEN_RATE_LIMIT_PER_IP: '10000000',
      TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN: '10000000',
      ...(metrics ? { TESSERA_METRICS_PORT: '0' } : {}),
    },
    /listening on (http:\/\/[^\s]+)/,
  );
  const base = proc.match[1]!;
  const login = await fetch(`${base}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`alice@acme:${PASSWORD}`).toString('base64'),
      Accept: 'application/json;version=37.0',
    },
  });
  const session = login.headers.get('x-vmware-vcloud-access-token')!;
  const reg = await fetch(`${base}/oauth/tenant/acme/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'bench' }),
  });
  const clientId = ((await reg.json()) as { client_id: string }).client_id;
  const minted = await fetch(`${base}/oauth/tenant/acme/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=${clientId}&assertion=${session}`,
  });
  const apiToken = ((await minted.json()) as { refresh_token: string }).refresh_token;
  return { proc, base, apiToken, dataDir };
}

async function main() {
  const nodes = { off: await startNode(false), on: await startNode(true) };
  const rows: Record<'off' | 'on', Measured[]> = { off: [], on: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['off', 'on'] as const) {
        const node = nodes[kind];
        const m = await measure(`exchange, metrics ${kind}`, node.proc.child.pid!, {
          url: `${node.base}/oauth/tenant/acme/token`,
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${node.apiToken}`,
          durationSeconds: DURATION,
        });
        rows[kind].push(m);
        console.log(
          `${m.name.padEnd(22)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s ${m.cpuMicrosPerRequest.toFixed(1).padStart(7)} µs CPU/req` +
            (m.non2xx ? `  NON-2XX ${m.non2xx}` : ''),
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const off = median(rows.off.map((m) => m.cpuMicrosPerRequest));
    const on = median(rows.on.map((m) => m.cpuMicrosPerRequest));
    console.log(
      `median server CPU per exchange: ${off.toFixed(1)} µs without metrics, ${on.toFixed(1)} µs with (${(on - off).toFixed(1)} µs, ${(((on - off) / off) * 100).toFixed(1)}%)`,
    );
  } finally {
    for (const node of Object.values(nodes)) {
      node.proc.child.kill('SIGTERM');
      rmSync(node.dataDir, { recursive: true, force: true });
    }
  }
}

await main();
