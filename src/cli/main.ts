/**
 * The `tessera` process: runs the command line and turns an unexpected error into one line on stderr and exit
 * code 1. bin/tessera.js loads this file, compiled (dist/cli/main.js) or from source through tsx.
 */
import { main } from './index.js';
import { nativeModuleFailure } from '../store/open-errors.js';

await main(process.argv).catch((err: unknown) => {
  // A command that loads SQLite's driver directly (admin backup) meets a driver built for another Node.js here.
  const said = nativeModuleFailure(err) ?? (err instanceof Error ? err.message : String(err));
  process.stderr.write(`tessera: ${said}\n`);
  process.exit(1);
});
