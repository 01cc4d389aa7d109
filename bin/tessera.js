#!/usr/bin/env node
// Entry point of the `tessera` command: runs the TypeScript sources through tsx's loader (Node 20 cannot
// strip types itself), so `npx tessera ...` works in a checkout right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
await main(process.argv).catch((err) => {
  process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
