#!/usr/bin/env node
// Time from process start to the first 200 from /api/versions, for the TypeScript sources run through tsx (what
// bin/tessera.js did before the build) and for the compiled dist/ (what the package runs). Each run restarts on
// an existing data directory (a first start also hashes the generated passwords). Run `npm run build` first.
//   node scripts/measure-start.mjs [runs=7]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 7);
const entries = {
  'source through tsx': ['--import', 'tsx', 'src/cli/main.ts'],
  'dist (compiled)': ['dist/cli/main.js'],
};
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function once(args, dataDir) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...args, 'serve', '--http', '--port', String(port), '--data-dir', dataDir, '--demo', '--log-level', 'warn'],
    {
      stdio: 'ignore',
      env: { ...process.env, TESSERA_ADMIN_PASSWORD: 'admin-Password-1', TESSERA_DEMO_PASSWORD: 'demo-Password-1' },
    },
  );
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/versions`);
      if (res.status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return ms;
}

for (const [name, args] of Object.entries(entries)) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-start-'));
  const first = await once(args, dataDir);
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once(args, dataDir));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(20)} first start ${first.toFixed(0)} ms; restart median ${median.toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, n=${runs}) on node ${process.version}`,
  );
  rmSync(dataDir, { recursive: true, force: true });
}
