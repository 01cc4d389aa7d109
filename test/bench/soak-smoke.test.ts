/**
 * `npm run soak` end to end, tiny and short: it starts a server, drives the mix with revocations, and writes the
 * CSV, JSON and SVG. The growth and latency checks are not asserted here (ten seconds on a shared machine judge
 * nothing); the hard ones are: no 5xx, no revoked token accepted, refusals coalesced. The checks themselves are
 * tested against made-up runs in soak-checks.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('a 12-second soak runs, writes soak.csv, soak.json and soak.svg, and its hard checks pass', () => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-soak-smoke-'));
  try {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/soak.ts', '--minutes', '0.2', '--interval', '2', '--rate', '15', '--live-tokens', '3', '--out', out],
      // BENCH_SOURCE: the script is under test, not the speed, so src/ through tsx rather than a 30 s build first.
      { encoding: 'utf8', timeout: 180_000, cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, BENCH_SOURCE: '1' } },
    );
    // 1 is a failed check (judged below); anything else is the script itself failing.
    assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr}\n${run.stdout}`);
    const csv = readFileSync(join(out, 'soak.csv'), 'utf8').trim().split('\n');
    assert.match(csv[0]!, /^interval,minutes,req_per_s|^interval,minutes,seconds/);
    assert.ok(csv.length >= 4, `intervals: ${csv.length - 1}`);
    assert.match(readFileSync(join(out, 'soak.svg'), 'utf8'), /<svg[\s\S]*<polyline/);
    const report = JSON.parse(readFileSync(join(out, 'soak.json'), 'utf8')) as {
      verdict: { checks: Array<{ name: string; ok: boolean; detail: string }> };
    };
    const check = (name: string) => report.verdict.checks.find((c) => c.name === name);
    for (const name of ['no 5xx', 'no revoked token accepted', 'no unexpected status', 'refusals coalesced in the audit trail']) {
      assert.equal(check(name)?.ok, true, `${name}: ${check(name)?.detail}\n${run.stdout}`);
    }
    assert.match(check('no revoked token accepted')!.detail, /[1-9]\d* revocations/, 'tokens were revoked during the run');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
