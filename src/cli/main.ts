/**
 * The `tessera` process: runs the command line and turns an unexpected error into one line on stderr and exit
 * code 1. bin/tessera.js loads this file, compiled (dist/cli/main.js) or from source through tsx.
 */
import { main } from './index.js';

await main(process.argv).catch((err: unknown) => {
  process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
