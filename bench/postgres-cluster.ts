/**
 * The PostgreSQL cluster a bench may create (and drop) its databases on: the one TESSERA_TEST_DATABASE_URL names,
 * else the throw-away local cluster `scripts/start-postgres.sh` starts, as `npm test` and `npm run soak` do, so
 * every section runs on a fresh machine without setup. Started at most once per process.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let started: string | undefined;

/** The cluster's URL; throws, saying why, when none is named and the local one cannot be started. */
export function benchPostgresCluster(preferred = process.env.TESSERA_TEST_DATABASE_URL): string {
  if (preferred) return preferred;
  if (started) return started;
  const run = spawnSync('bash', [join(ROOT, 'scripts/start-postgres.sh')], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(
      `PostgreSQL could not be started (scripts/start-postgres.sh: ${run.stderr.trim() || `exit ${run.status}`}); ` +
        'set TESSERA_TEST_DATABASE_URL to a cluster where the bench may create databases (or, for `npm run bench`, ' +
        'BENCH_BACKENDS=sqlite to leave PostgreSQL out of the sections that run on both backends)',
    );
  }
  started = run.stdout.trim().split('\n').pop()!;
  console.error(`bench: PostgreSQL at ${started} (scripts/start-postgres.sh)`);
  return started;
}
