/**
 * `npm run bench -- exchange` (issue 16 §1, §2): the refresh-token exchange against the bare-fastify hello-world
 * and the same-shaped floor, interleaved round by round in one run (the machine is shared: interleaving spreads
 * its noise over every case alike), and node-oidc-provider's refresh_token grant as a peer (bench/peer-server.ts).
 * Each figure is the median over rounds; the ratios are what the goals are written against.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, startProcess, type Measured } from './harness.js';
import { tesseraEntry } from './tessera-entry.js';

export const PASSWORD = 'bench-demo-password';
const ROOT = new URL('..', import.meta.url).pathname;

export interface ExchangeFigures {
  hello: Measured;
  floor: Measured;
  /** The floor plus BUSY_MICROS of the handler's own work (baseline-server.ts): the room a ratio goal leaves. */
  floorWithWork: Measured;
  exchange: Measured;
  /** The exchange over hello-world, round by round (each round's own hello-world): how far the runs spread. */
  roundRatios: number[];
  peer: Measured | null;
  /** Exchanges answered per CPU-second of the Tessera server process. */
  exchangesPerCpuSecond: number;
  peerPerCpuSecond: number | null;
  rounds: number;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
/** Work added to the floor for its calibration row: about what the exchange's signature and lookup hash cost. */
export const BUSY_MICROS = 10;

/** Signs alice in, registers a client and mints an API token the way a VCD client does (through `send`: `fetch` unless told). */
export async function mintDemoApiToken(
  base: string,
  org = 'acme',
  user = 'alice',
  password = PASSWORD,
  send: (url: string, init?: RequestInit) => Promise<Response> = fetch,
): Promise<string> {
  const login = await send(`${base}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${user}@${org}:${password}`).toString('base64'),
      Accept: 'application/json;version=37.0',
    },
  });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status}`);
  const session = login.headers.get('x-vmware-vcloud-access-token')!;
  const reg = await send(`${base}/oauth/tenant/${org}/register`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: `bench-${Date.now()}-${Math.random()}` }),
  });
  const clientId = ((await reg.json()) as { client_id: string }).client_id;
  const minted = await send(`${base}/oauth/tenant/${org}/token`, {
    method: 'POST',
    headers: FORM,
    body: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_id=${clientId}&assertion=${session}`,
  });
  return ((await minted.json()) as { refresh_token: string }).refresh_token;
}

/**
 * Extra Node options for every Tessera server a bench starts, from BENCH_SERVER_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=profiles` to profile the servers of any section (bench/profile-summary.ts reads them).
 */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}

/**
 * `tessera serve --http --demo` on a fresh data dir, rate limits out of the way (the bench is one client); with
 * `tls`, over HTTPS with the data directory's self-signed certificate (bench/compare-builds.ts `BENCH_TLS=1`).
 */
export async function startTesseraProcess(
  dataDir: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
  ready: RegExp = /listening on (http:\/\/[^\s]+)/,
  /** The CLI to run: this checkout's build unless told (bench/compare-builds.ts runs other builds). */
  entry: string = tesseraEntry(),
  tls = false,
) {
  return startProcess(
    process.execPath,
    [
      ...nodeArgs,
      ...serverNodeArgs(),
      entry,
      'serve',
      ...(tls ? [] : ['--http']),
      '--port',
      '0',
      '--demo',
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
      ...extraArgs,
    ],
    {
      NODE_ENV: 'production',
      TESSERA_DEMO_PASSWORD: PASSWORD,
      TESSERA_ADMIN_PASSWORD: PASSWORD,
      TESSERA_TOKEN_RATE_LIMIT_PER_IP: '10000000',
      TESSERA_TOKEN_RATE_LIMIT_PER_TOKEN: '10000000',
      ...env,
    },
    ready,
  );
}

export function startBaseline() {
  return startProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/baseline-server.ts'), '0'],
    { NODE_ENV: 'production' },
    /listening (\d+)/,
  );
}

export function startPeer() {
  return startProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/peer-server.ts'), '0'],
    { NODE_ENV: 'production' },
    /peer listening (\d+) (\S+)/,
  );
}

/** The median row of several measurements of one case (by req/s), with requests summed for the record. */
export function medianOf(rows: Measured[]): Measured {
  const sorted = [...rows].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { ...mid, requests: rows.reduce((s, r) => s + r.requests, 0), non2xx: rows.reduce((s, r) => s + r.non2xx, 0) };
}

export async function exchangeBench(opts: {
  durationSeconds: number;
  rounds: number;
  peer: boolean;
  nodeArgs?: string[];
}): Promise<ExchangeFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const baseline = await startBaseline();
  const tessera = await startTesseraProcess(dataDir, [], {}, opts.nodeArgs ?? []);
  const peer = opts.peer ? await startPeer() : null;
  try {
    const base = tessera.match[1]!;
    const apiToken = await mintDemoApiToken(base);
    const body = `grant_type=refresh_token&refresh_token=${apiToken}`;
    const first = await fetch(`${base}/oauth/tenant/acme/token`, { method: 'POST', headers: FORM, body });
    if (first.status !== 200) throw new Error(`exchange failed: ${first.status} ${await first.text()}`);
    const baseUrl = `http://127.0.0.1:${baseline.match[1]}`;
    const rows: Record<'hello' | 'floor' | 'floorWithWork' | 'exchange' | 'peer', Measured[]> = {
      hello: [],
      floor: [],
      floorWithWork: [],
      exchange: [],
      peer: [],
    };
    for (let round = 0; round < opts.rounds; round++) {
      const d = opts.durationSeconds;
      rows.hello.push(await measure('baseline: fastify hello-world', baseline.child.pid!, { url: `${baseUrl}/`, durationSeconds: d }));
      rows.exchange.push(
        await measure('POST /oauth/tenant/acme/token (refresh_token grant)', tessera.child.pid!, {
          url: `${base}/oauth/tenant/acme/token`,
          method: 'POST',
          headers: FORM,
          body,
          durationSeconds: d,
        }),
      );
      rows.floor.push(
        await measure('floor: bare fastify, POST form -> token-sized JSON', baseline.child.pid!, {
          url: `${baseUrl}/floor/token`,
          method: 'POST',
          headers: FORM,
          body: `grant_type=refresh_token&refresh_token=${'a'.repeat(32)}`,
          durationSeconds: d,
        }),
      );
      rows.floorWithWork.push(
        await measure(`floor + ${BUSY_MICROS} µs of handler work`, baseline.child.pid!, {
          url: `${baseUrl}/floor/token?busy_us=${BUSY_MICROS}`,
          method: 'POST',
          headers: FORM,
          body: `grant_type=refresh_token&refresh_token=${'a'.repeat(32)}`,
          durationSeconds: d,
        }),
      );
      if (peer) {
        const [, port, refreshToken] = peer.match;
        rows.peer.push(
          await measure('peer: node-oidc-provider refresh_token grant', peer.child.pid!, {
            url: `http://127.0.0.1:${port}/token`,
            method: 'POST',
            headers: FORM,
            body: `grant_type=refresh_token&client_id=bench-public&refresh_token=${refreshToken}`,
            durationSeconds: d,
          }),
        );
      }
    }
    const exchange = medianOf(rows.exchange);
    const peerRow = peer ? medianOf(rows.peer) : null;
    return {
      hello: medianOf(rows.hello),
      floor: medianOf(rows.floor),
      floorWithWork: medianOf(rows.floorWithWork),
      exchange,
      roundRatios: rows.exchange.map((e, i) => e.requestsPerSecond / rows.hello[i]!.requestsPerSecond),
      peer: peerRow,
      exchangesPerCpuSecond: 1e6 / exchange.cpuMicrosPerRequest,
      peerPerCpuSecond: peerRow ? 1e6 / peerRow.cpuMicrosPerRequest : null,
      rounds: opts.rounds,
    };
  } finally {
    for (const p of [baseline, tessera, peer]) p?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
