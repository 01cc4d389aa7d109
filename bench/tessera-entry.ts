/**
 * What the benchmarks run as Tessera: the compiled product, as `npm start` and the published package run it
 * (plain JavaScript from tsc), built from the current sources once per bench process, into a directory of its own
 * (`.bench-dist-<pid>/`, removed at exit) so that dist/ and any other bench running beside it are left alone. `BENCH_SOURCE=1` runs src/ through tsx instead (what `bin/tessera.js` does in a
 * checkout), which costs the exchange ~10 % more CPU (tsx's keep-names wrappers and source maps): useful to
 * compare, not what a user runs.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = `.bench-dist-${process.pid}`;
let built: string | null = null;

export function tesseraEntry(): string {
  if (process.env.BENCH_SOURCE === '1') return join(ROOT, 'bin/tessera.js');
  if (built) return built;
  const started = Date.now();
  process.stdout.write(`bench: building the product into ${OUT}/ ... `);
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', OUT], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`bench: the build failed (exit ${result.status}); see above`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.on('exit', () => rmSync(join(ROOT, OUT), { recursive: true, force: true }));
  built = join(ROOT, OUT, 'cli/main.js');
  return built;
}
