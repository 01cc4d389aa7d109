/**
 * `npm run bench`: Tessera's hot paths against a bare fastify hello-world started the same way in the same run,
 * on loopback, bounded in time. Prints req/s, server CPU per request, p99 and the ratios to the baseline.
 *
 * Goals (issue 3 and 4): token exchange >= 0.5x baseline; a cached bearer check under 10 µs of CPU; no
 * synchronous disk write on the exchange path (checked: the SQLite WAL does not grow during the exchange run);
 * VM queries >= 0.4x baseline at 1,000 VMs and the 100,000-VM case no worse than 2x the 1,000-VM case.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRow, measure, startProcess, type Measured } from './harness.js';
import { microBenchmarks } from './micro.js';
import { crossNodeRevocationDelay } from './revocation-delay.js';
import { tesseraEntry } from './tessera-entry.js';
import { FIRST_USE_DELAY_MS } from '../src/auth/token-usage.js';
import { EXCHANGE_BATCH_MS } from '../src/auth/audit.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROOT = new URL('..', import.meta.url).pathname;
const PASSWORD = 'bench-demo-password';

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function main() {
  tesseraEntry(); // built before anything is timed
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const baselineProc = await startProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/baseline-server.ts'), '0'],
    { NODE_ENV: 'production' },
    /listening (\d+)/,
  );
  const tessera = await startProcess(
    process.execPath,
    [tesseraEntry(), 'serve', '--http', '--port', '0', '--demo', '--data-dir', dataDir, '--log-level', 'silent'],
    {
      NODE_ENV: 'production',
      TESSERA_DEMO_PASSWORD: PASSWORD,
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_TOKEN_RATE_LIMIT_PER_IP: '10000000',
      TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN: '10000000',
    },
    /listening on (http:\/\/[^\s]+)/,
  );
  const base = tessera.match[1]!;
  const results: Measured[] = [];
  try {
    const baseline = await measure('baseline: fastify hello-world', baselineProc.child.pid!, {
      url: `http://127.0.0.1:${baselineProc.match[1]}/`,
      durationSeconds: DURATION,
    });

    const baselineUrl = `http://127.0.0.1:${baselineProc.match[1]}`;
    const floors = [
      await measure('floor: bare fastify, POST form -> token-sized JSON', baselineProc.child.pid!, {
        url: `${baselineUrl}/floor/token`,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${'a'.repeat(32)}`, // token-sized (32 characters)
        durationSeconds: DURATION,
      }),
      await measure('floor: bare fastify, GET -> 22 KB page', baselineProc.child.pid!, {
        url: `${baselineUrl}/floor/page`,
        durationSeconds: DURATION,
      }),
    ];

    // A session and an API token for alice, made the way a user would.
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
    const minted = await post(
      `${base}/oauth/tenant/acme/token`,
      `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=${clientId}&assertion=${session}`,
    );
    const apiToken = JSON.parse(minted.text).refresh_token as string;
    const exchangeBody = `grant_type=refresh_token&refresh_token=${apiToken}`;
    const first = await post(`${base}/oauth/tenant/acme/token`, exchangeBody);
    const access = JSON.parse(first.text).access_token as string;
    // Let the first exchange's own records land before watching the WAL: its "last used" and its coalesced audit
    // event are each written in a batch up to a second later. After that the steady state writes nothing for a
    // minute (the next "last used" and exchange event of this token), longer than a measurement.
    await new Promise((r) => setTimeout(r, Math.max(FIRST_USE_DELAY_MS, EXCHANGE_BATCH_MS) + 1000));

    const wal = join(dataDir, 'tessera.db-wal');
    const walBefore = existsSync(wal) ? statSync(wal).size : 0;
    results.push(
      await measure('POST /oauth/tenant/acme/token (refresh_token grant)', tessera.child.pid!, {
        url: `${base}/oauth/tenant/acme/token`,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: exchangeBody,
        durationSeconds: DURATION,
      }),
    );
    const walAfter = existsSync(wal) ? statSync(wal).size : 0;

    results.push(
      await measure('GET /cloudapi/1.0.0/sessions/current (bearer)', tessera.child.pid!, {
        url: `${base}/cloudapi/1.0.0/sessions/current`,
        headers: { Authorization: `Bearer ${access}`, Accept: 'application/json;version=37.0' },
        durationSeconds: DURATION,
      }),
    );
    results.push(
      await measure('GET /api/org (bearer, XML)', tessera.child.pid!, {
        url: `${base}/api/org`,
        headers: { Authorization: `Bearer ${access}`, Accept: 'application/*+xml;version=37.0' },
        durationSeconds: DURATION,
      }),
    );

    let queryRows: Measured[] = [];
    try {
      const queryModule = './query.js'; // written by the inventory work; loaded by path so this file builds alone
      const query = (await import(queryModule)) as { queryBenchCases?: (ctx: unknown) => Promise<Measured[]> };
      if (typeof query.queryBenchCases === 'function') {
        queryRows = await query.queryBenchCases({ measure, startProcess, root: ROOT, durationSeconds: DURATION });
      }
    } catch (err) {
      console.error(`query benchmark failed: ${(err as Error).message}`);
      process.exitCode = 1;
    }

    const micro = await microBenchmarks();
    const delay = await crossNodeRevocationDelay();

    console.log(
      `\nTessera benchmark (${DURATION}s per case, loopback, HTTP, Node ${process.version}, ${(await import('node:os')).cpus().length} cores)\n`,
    );
    for (const m of [baseline, ...floors, ...results, ...queryRows]) console.log(formatRow(m, baseline));
    console.log(`\ncached bearer check (in-process): ${micro.cachedBearerMicros.toFixed(2)} µs CPU per request (goal < 10)`);
    console.log(`first verification of an access token (HS256): ${micro.firstVerifyMicros.toFixed(2)} µs CPU`);
    console.log(`SQLite WAL growth during the exchange run: ${walAfter - walBefore} bytes (goal: 0, no write per exchange)`);
    console.log(
      delay
        ? `cross-node revocation delay (2 nodes, PostgreSQL, revoke on A until B answers 401, ${delay.samples.length} rounds, includes the DELETE round trip): p50 ${delay.p50.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms`
        : 'cross-node revocation delay: not measured (PostgreSQL could not be started: scripts/start-postgres.sh)',
    );
    const exchange = results[0]!;
    console.log(
      `exchange ratio: ${(exchange.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x hello-world (goal >= 0.5x); ` +
        `${(exchange.requestsPerSecond / floors[0]!.requestsPerSecond).toFixed(2)}x the bare-fastify floor for the same request and response sizes`,
    );
    if (queryRows.length > 0) {
      const first = queryRows[0]!;
      console.log(
        `query ratio (1k VMs, page 1): ${(first.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x hello-world (goal >= 0.4x); ` +
          `${(first.requestsPerSecond / floors[1]!.requestsPerSecond).toFixed(2)}x the bare-fastify floor for a 22 KB page`,
      );
    }
  } finally {
    baselineProc.child.kill('SIGTERM');
    tessera.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// `npm run bench -- <section>` runs one of issue 16's sections (bench/sections.ts); `hot-paths` runs only the
// suite above; no argument runs the suite, then every section.
const { SECTIONS, runSection } = await import('./sections.js');
const section = process.argv[2];
if (section !== undefined && section !== 'hot-paths' && !(SECTIONS as readonly string[]).includes(section)) {
  console.error(`unknown bench section "${section}"; one of: hot-paths, ${SECTIONS.join(', ')}`);
  process.exit(2);
}
if (section === undefined || section === 'hot-paths') await main();
for (const s of SECTIONS) {
  if (section === s || (section === undefined && s !== 'peer')) await runSection(s); // `exchange` includes the peer
}
