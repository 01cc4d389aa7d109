#!/usr/bin/env node
// Runs node:test over test/**/*.test.ts (or the folders/files given) through the tsx loader.
// Node 20's --test does not find .ts files by itself, and npm's sh has no `**`, hence this script.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
const walk = (p) => {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) if (e !== 'node_modules' && !e.startsWith('.')) walk(join(p, e));
  } else if (p.endsWith('.test.ts')) files.push(p);
};
for (const r of roots.length ? roots : ['test']) walk(r);
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(' ') || 'test');
  process.exit(1);
}
// PostgreSQL: reuse the cluster named by TESSERA_TEST_DATABASE_URL, else start the throw-away local one
// (scripts/start-postgres.sh). Suites that need it fail loudly when neither works.
const env = { ...process.env };
if (!env.TESSERA_TEST_DATABASE_URL) {
  const pg = spawnSync('bash', ['scripts/start-postgres.sh'], { encoding: 'utf8' });
  if (pg.status === 0 && pg.stdout.trim()) {
    env.TESSERA_TEST_DATABASE_URL = pg.stdout.trim().split('\n').pop();
    console.error(`run-tests: PostgreSQL at ${env.TESSERA_TEST_DATABASE_URL}`);
  } else {
    console.error(`run-tests: WARNING could not start PostgreSQL (${(pg.stderr || '').trim()}); PostgreSQL suites will fail`);
  }
}
// Node 20 prints TAP when its output is not a terminal, Node 24 the spec reporter: ask for TAP off a terminal on
// both, so that CI reads the same summary lines (# pass N) whichever Node runs the suite.
// Beside it, test-summary-reporter.mjs lists the failed and skipped tests once more at the end, where a CI log's tail
// shows them.
const summaryReporter = fileURLToPath(new URL('./test-summary-reporter.mjs', import.meta.url));
const reporter = passthrough.some((a) => a.startsWith('--test-reporter'))
  ? []
  : [
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      '--test-reporter-destination=stdout',
      `--test-reporter=${summaryReporter}`,
      '--test-reporter-destination=stdout',
    ];
// --test-force-exit: a file's process ends once its tests have, even if something it started is still running. Without
// it a child process a failed test left behind (2026-12-08: test/store/sqlite-lock.test.ts's lock holder) kept its
// file, and so the whole run, waiting for ever: a CI run's 90 minutes, with no failure printed.
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=600000',
    '--test-force-exit',
    ...reporter,
    ...passthrough,
    ...files,
  ],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
