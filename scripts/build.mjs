#!/usr/bin/env node
// `npm run build`: compiles src/ to plain JavaScript in dist/ (tsc -p tsconfig.build.json, ESM, NodeNext, with
// .d.ts files for the package's `exports`) and copies the files tsc does not emit (the portal's static assets).
// dist/ starts empty each time, so a file deleted from src/ cannot survive in the package.
// `--out DIR` builds elsewhere (the benchmarks build the product into .bench-dist-<pid>/ so as not to touch dist/).
import { cpSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
// The build empties the directory first, so only build directories are accepted: dist, dist-* or .bench-dist-*.
if (!/^(dist|dist-[A-Za-z0-9_-]+|\.bench-dist-[A-Za-z0-9_-]+)$/.test(values.out)) {
  console.error(`build: --out must be dist, dist-NAME or .bench-dist-NAME (a directory the build may empty), not "${values.out}"`);
  process.exit(2);
}
const out = new URL(`../${values.out}/`, import.meta.url);
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const outDir = fileURLToPath(out);
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(new URL('../src/http/portal/static', import.meta.url), new URL('http/portal/static', out), { recursive: true });
console.log(`build: ${values.out}/ ready`);
