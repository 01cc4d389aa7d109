/**
 * `npm run bench -- million` end to end, small and short: 10,000 tokens instead of a million, one 1-s round, on
 * the suite's backend. Nothing is judged on speed here (a shared machine in a test run judges nothing); what is
 * asserted is that the section runs through and prints every figure the docs quote: both exchange rows with no
 * refused request, the ratio, the RSS, the three listings with the right totals, and the floor they are read
 * against. The full-size section is what docs/performance.md §3 reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { defaultBackend } from '../helpers/tessera.js';

test('the million section runs at 10,000 tokens and prints every figure of §3', () => {
  const backend = defaultBackend();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'million'], {
    encoding: 'utf8',
    timeout: 300_000,
    cwd: new URL('../..', import.meta.url).pathname,
    // BENCH_SOURCE: the section is under test, not the speed, so src/ through tsx rather than a build first.
    env: { ...process.env, BENCH_SOURCE: '1', BENCH_BACKENDS: backend, BENCH_TOKENS: '10000', BENCH_SECONDS: '1', BENCH_ROUNDS: '1' },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, `exit ${run.status}:\n${output}`);
  assert.match(run.stdout, new RegExp(`exchange, random of 1,000 tokens \\(${backend}\\) +\\d+ req/s`));
  assert.match(run.stdout, new RegExp(`exchange, random of 10,000 tokens \\(${backend}\\) +\\d+ req/s`));
  assert.doesNotMatch(run.stdout, /NON-2XX/, 'every exchange of a generated token succeeds');
  assert.match(run.stdout, new RegExp(`${backend}: random exchange at 10,000 tokens = \\d+\\.\\d\\dx the rate at 1,000`));
  assert.match(run.stdout, new RegExp(`${backend}: server RSS \\d+ MB, peak \\d+ MB`));
  assert.match(
    run.stdout,
    new RegExp(`${backend}: list own tokens \\(100\\), page 1, store at rest: median [\\d.]+ ms, p95 [\\d.]+ ms, total 100 `),
  );
  for (const page of ['org page 1 \\(10,000 tokens\\)', 'org page 200']) {
    assert.match(run.stdout, new RegExp(`${backend}: list ${page}, store at rest: median [\\d.]+ ms, p95 [\\d.]+ ms, total 10000 `));
  }
  assert.match(
    run.stdout,
    new RegExp(`${backend}: the floor, GET /cloudapi/1.0.0/sessions/current with the same client, store at rest: median [\\d.]+ ms`),
  );
  assert.match(run.stdout, /the same right after the exchange rounds \(not judged\): median [\d.]+ ms .*; the floor [\d.]+ ms/);
});
