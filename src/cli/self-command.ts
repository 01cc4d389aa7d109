/**
 * How to spell this very command in a hint: `tessera` when it was run as the installed command, otherwise
 * `node <script>` as it can be pasted where it was run, since a checkout has no `tessera` on PATH and a hint the
 * operator cannot paste is no hint. `npm start` runs the build, `node dist/cli/main.js`; its hints name the
 * `bin/tessera.js` beside it, the command the README and docs/cli.md give for a checkout (until 2026-12-07 the banner
 * said `node dist/cli/main.js admin reset-password ...` while the README said `node bin/tessera.js ...`).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';

export function selfCommand(
  script: string | undefined = process.argv[1],
  cwd: string = process.cwd(),
  exists: (path: string) => boolean = existsSync,
): string {
  if (script === undefined || script === '') return 'tessera'; // no script: a bundled or embedded start
  if (basename(script) === 'tessera') return 'tessera';
  const entry = join(dirname(script), '..', '..', 'bin', 'tessera.js');
  const isBuild = basename(script) === 'main.js' && basename(dirname(script)) === 'cli' && basename(dirname(dirname(script))) === 'dist';
  const command = isBuild && exists(entry) ? entry : script;
  const fromHere = relative(cwd, command);
  // A script outside the working directory keeps its absolute path: `../../x` is harder to paste elsewhere.
  return `node ${fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? command : fromHere}`;
}
