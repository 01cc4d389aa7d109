/**
 * `npm run bench -- exchange` and `npm run bench -- query` end to end, small and short (1-s measurements, one
 * round, 2,000 VMs), so that a change which breaks a benchmark fails here rather than in the next full run. Speed is
 * not judged (a shared machine in a test run judges nothing): what is asserted is that each section runs through,
 * every request it times is answered 2xx, and it prints every row and ratio docs/performance.md quotes.
 * The million section has its own test (million-smoke.test.ts). Left to full runs: the revocation section (two
 * nodes under load for at least 30 s: a minute of both cores, beside the suite's other files), the portal section
 * (Chromium) and the hot-path suite (over a minute even small). What they measure is tested in test/cluster,
 * test/e2e and test/portal; the benchmark code itself is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { defaultBackend } from '../helpers/tessera.js';

function runSection(section: string, env: Record<string, string>): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', section], {
    encoding: 'utf8',
    timeout: 300_000,
    cwd: new URL('../..', import.meta.url).pathname,
    // BENCH_SOURCE: the section is under test, not the speed, so src/ through tsx rather than a build first.
    env: { ...process.env, BENCH_SOURCE: '1', BENCH_SECONDS: '1', BENCH_ROUNDS: '1', ...env },
  });
  assert.equal(run.status, 0, `exit ${run.status}:\n${run.stdout}\n${run.stderr}`);
  assert.doesNotMatch(run.stdout, /NON-2XX/, `every timed request is answered 2xx:\n${run.stdout}`);
  return run.stdout;
}

const row = (name: string) => new RegExp(`^${name} +\\d+ req/s +[\\d.]+ µs CPU/req  p99 +\\d+ ms  [\\d.]+x baseline`, 'm');

test('the exchange section runs its baselines, the exchange and the peer, and prints the ratios of §1 and §2', () => {
  const out = runSection('exchange', {});
  for (const name of [
    'baseline: fastify hello-world',
    'floor: bare fastify, POST form -> token-sized JSON',
    'floor \\+ 10 µs of handler work',
    'POST /oauth/tenant/acme/token \\(refresh_token grant\\)',
    'peer: node-oidc-provider refresh_token grant',
  ]) {
    assert.match(out, row(name), `${name}:\n${out}`);
  }
  assert.match(out, /^exchange: \d+\.\d\dx hello-world \(goal >= 0\.45: (ok|MISSED)\), \d+\.\d\dx the same-shaped floor/m);
  assert.match(out, /^calibration: the floor \+ 10 µs of handler work reaches \d+\.\d\dx hello-world/m);
  assert.match(out, /^exchange CPU: [\d.]+ µs\/request = \d+ exchanges per CPU-second/m);
  assert.match(out, /^peer \(node-oidc-provider refresh_token\): Tessera\/peer \d+\.\d\dx req\/s, \d+\.\d\dx per CPU-second/m);
});

test("the query section times every case of §4 cached and uncached on the suite's backend", () => {
  const backend = defaultBackend();
  const out = runSection('query', { BENCH_BACKENDS: backend, BENCH_VMS: '2000' });
  const cases = [
    'all VMs, page 1',
    'status==POWERED_ON, page 1',
    'name prefix db-0\\*, page 1',
    'vdc==<one of 4>, page 1',
    'sortDesc=name, page 1',
    'deep page \\(middle\\), by name',
    'status==POWERED_ON, deep page',
  ];
  for (const name of cases) {
    assert.match(out, row(`${name} \\(cached, ${backend}\\)`), `${name}, cached:\n${out}`);
    assert.match(out, new RegExp(`^${name} \\(no-cache, ${backend}\\) .* uncached costs \\d+\\.\\d\\dx \\(goal < 3: (ok|MISSED)\\)$`, 'm'));
  }
});
