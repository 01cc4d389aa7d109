#!/usr/bin/env node
// Entry point of the `tessera` command.
// - Installed from the package (npm install, npx --package): runs the compiled JavaScript in dist/; the tarball
//   carries no src/ and tsx is not installed with it.
// - In a source checkout (src/ next to bin/, and tsx, a devDependency, installed): runs src/ through tsx's loader
//   (Node 20 cannot strip types), so an edit takes effect at once and the tests never run a stale dist/.
//   `npm start` builds and runs dist/ for the fast start; see docs/packaging.md.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function sourceLoader() {
  if (!existsSync(source)) return null;
  try {
    return await import('tsx/esm/api');
  } catch {
    return null; // a checkout installed without devDependencies: use the build
  }
}

const tsx = await sourceLoader();
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('tessera: dist/ is missing; run `npm run build` (or `npm ci` for the TypeScript sources)\n');
  process.exit(1);
}
