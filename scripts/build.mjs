#!/usr/bin/env node
// `npm run build`: compiles src/ to plain JavaScript in dist/ (tsc -p tsconfig.build.json, ESM, NodeNext, with
// .d.ts files for the package's `exports`) and copies the files tsc does not emit (the portal's static assets).
// dist/ starts empty each time, so a file deleted from src/ cannot survive in the package.
import { cpSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(new URL('../src/http/portal/static', import.meta.url), new URL('../dist/http/portal/static', import.meta.url), {
  recursive: true,
});
console.log('build: dist/ ready');
