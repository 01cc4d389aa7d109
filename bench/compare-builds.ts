/**
 * `node --import tsx bench/compare-builds.ts BEFORE [AFTER]`: the exchange and a bearer-checked request, in two
 * builds of the product side by side, rounds interleaved (before, after; before, after; ...), each server's CPU per
 * request from /proc. BEFORE and AFTER are git revisions; AFTER defaults to the working tree as it is (uncommitted
 * changes included). How a change to the hot path is judged before it is committed: this machine's speed drifts by
 * tens of percent within an hour (docs/performance.md), so two servers measured minutes apart say little, and two
 * measured in alternate rounds of the same minutes much more.
 *
 * Each revision is exported with `git archive` into a scratch directory beside node_modules (a symlink to this
 * checkout's), built there with its own scripts/build.mjs, and started as `npm run bench -- exchange` starts Tessera.
 * Knobs: BENCH_SECONDS (per round and case, default 4), BENCH_ROUNDS (default 6), BENCH_LOG_LEVEL (the servers'
 * `--log-level`, default silent as in `npm run bench`; `info` is what `tessera serve` runs at by default),
 * BENCH_TLS=1: both builds served over HTTPS, as `tessera serve` serves by default, with the self-signed certificate
 * each makes in its data directory (every other benchmark measures `--http`). The set-up requests trust that
 * certificate alone (bench/tls-fetch.ts); autocannon 9 connects with `rejectUnauthorized: false` whatever it is told,
 * so the load is not verified, which costs the server nothing. Connections are kept alive as over HTTP: each
 * measurement's 32 connections make one TLS handshake each, a few server milliseconds per 4-s measurement, the same
 * for both builds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, type Measured } from './harness.js';
import { mintDemoApiToken, startTesseraProcess } from './exchange.js';
import { fetchTrusting } from './tls-fetch.js';
import { median, summaryLines } from './compare-summary.js';

const ROOT = new URL('..', import.meta.url).pathname;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Exports `revision` (or the working tree, for null) into `dir` and builds it; returns its CLI entry. */
function buildRevision(revision: string | null, dir: string): string {
  if (revision === null) {
    // The working tree as it is: tracked files plus untracked ones not ignored, uncommitted changes included.
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
      .toString()
      .split('\0')
      .filter((f) => f !== '');
    const tar = spawnSync('sh', ['-c', `tar -cf - --null --ignore-failed-read -T - | tar -xf - -C '${dir}'`], {
      cwd: ROOT,
      input: files.join('\0'),
    });
    if (tar.status !== 0) throw new Error(`compare-builds: copying the working tree failed: ${tar.stderr}`);
  } else {
    const archive = spawnSync('sh', ['-c', `git archive '${revision.replace(/'/g, '')}' | tar -xf - -C '${dir}'`], { cwd: ROOT });
    if (archive.status !== 0) throw new Error(`compare-builds: git archive ${revision} failed: ${archive.stderr}`);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--out', 'dist-compare'], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`compare-builds: the build of ${revision ?? 'the working tree'} failed`);
  return join(dir, 'dist-compare/cli/main.js');
}

const TLS = process.env.BENCH_TLS === '1';

/**
 * `tessera serve --http --demo` of one build, as `npm run bench -- exchange` starts Tessera (rate limits out of the
 * way); with BENCH_TLS=1, `tessera serve --demo` over HTTPS.
 */
function startBuild(entry: string, dataDir: string) {
  const logLevel = ['--log-level', process.env.BENCH_LOG_LEVEL ?? 'silent'];
  return startTesseraProcess(dataDir, logLevel, {}, [], /listening on (https?:\/\/[^\s]+)/, entry, TLS);
}

interface BuildUnderTest {
  label: string;
  dir: string;
  server: Awaited<ReturnType<typeof startBuild>>;
  base: string;
  apiToken: string;
  accessToken: string;
  exchange: Measured[];
  bearer: Measured[];
}

async function main() {
  const [before, after = null] = process.argv.slice(2);
  if (!before) {
    console.error('usage: node --import tsx bench/compare-builds.ts BEFORE-REVISION [AFTER-REVISION]');
    process.exit(2);
  }
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-compare-'));
  try {
    const builds = [
      { label: before, dir: join(scratch, 'before') },
      { label: after ?? 'working tree', dir: join(scratch, 'after') },
    ];
    const servers: BuildUnderTest[] = [];
    for (const [i, build] of builds.entries()) {
      execFileSync('mkdir', ['-p', build.dir, `${build.dir}-data`]);
      const entry = buildRevision(i === 0 ? before : after, build.dir);
      const server = await startBuild(entry, `${build.dir}-data`);
      const base = server.match[1]!;
      const send = TLS ? fetchTrusting(readFileSync(join(`${build.dir}-data`, 'tls-cert.pem'), 'utf8')) : fetch;
      const apiToken = await mintDemoApiToken(base, undefined, undefined, undefined, send);
      const exchanged = await send(`${base}/oauth/tenant/acme/token`, {
        method: 'POST',
        headers: FORM,
        body: `grant_type=refresh_token&refresh_token=${apiToken}`,
      });
      if (exchanged.status !== 200) throw new Error(`${build.label}: exchange failed: ${exchanged.status}`);
      const accessToken = ((await exchanged.json()) as { access_token: string }).access_token;
      servers.push({ ...build, server, base, apiToken, accessToken, exchange: [], bearer: [] });
    }
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) {
        const pid = s.server.child.pid!;
        s.exchange.push(
          await measure('exchange', pid, {
            url: `${s.base}/oauth/tenant/acme/token`,
            method: 'POST',
            headers: FORM,
            body: `grant_type=refresh_token&refresh_token=${s.apiToken}`,
            durationSeconds: seconds,
          }),
        );
        s.bearer.push(
          await measure('bearer', pid, {
            url: `${s.base}/cloudapi/1.0.0/sessions/current`,
            headers: { Authorization: `Bearer ${s.accessToken}`, Accept: 'application/json;version=37.0' },
            durationSeconds: seconds,
          }),
        );
      }
      console.log(
        `round ${round + 1}: ` +
          servers
            .map(
              (s) =>
                `${s.label}: exchange ${s.exchange.at(-1)!.cpuMicrosPerRequest.toFixed(1)} µs, bearer ${s.bearer.at(-1)!.cpuMicrosPerRequest.toFixed(1)} µs`,
            )
            .join('; '),
      );
    }
    console.log(
      `\nmedian server CPU per request over ${rounds} interleaved rounds of ${seconds} s over ${TLS ? 'HTTPS' : 'HTTP'} (req/s in brackets):`,
    );
    const summaries = servers.map((s) => ({
      label: s.label,
      exchangeMicros: median(s.exchange.map((m) => m.cpuMicrosPerRequest)),
      exchangePerSecond: median(s.exchange.map((m) => m.requestsPerSecond)),
      bearerMicros: median(s.bearer.map((m) => m.cpuMicrosPerRequest)),
      bearerPerSecond: median(s.bearer.map((m) => m.requestsPerSecond)),
      non2xx: [...s.exchange, ...s.bearer].reduce((n, m) => n + m.non2xx, 0),
    }));
    for (const line of summaryLines(summaries)) console.log(line);
    const load = loadavg().map((l) => l.toFixed(1));
    console.log(`  load average at the end: ${load.join(', ')} (1, 5, 15 min; ${availableParallelism()} cores)`);
    const wins = servers[0]!.exchange.filter((m, i) => servers[1]!.exchange[i]!.cpuMicrosPerRequest < m.cpuMicrosPerRequest).length;
    console.log(`  the second build's exchange cheaper in ${wins} of ${rounds} rounds`);
    for (const s of servers) s.server.child.kill('SIGTERM');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
