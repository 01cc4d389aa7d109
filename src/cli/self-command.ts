/**
 * How to spell this very command in a hint: `tessera` when it was run as the installed command, otherwise
 * `node <script>` as it was run (`npm start` runs `node dist/cli/main.js`, a checkout `node bin/tessera.js`), since
 * a checkout has no `tessera` on PATH and a hint the operator cannot paste is no hint.
 */
import { basename, isAbsolute, relative } from 'node:path';

export function selfCommand(script: string | undefined = process.argv[1], cwd: string = process.cwd()): string {
  if (script === undefined || script === '') return 'tessera'; // no script: a bundled or embedded start
  if (basename(script) === 'tessera') return 'tessera';
  const fromHere = relative(cwd, script);
  // A script outside the working directory keeps its absolute path: `../../x` is harder to paste elsewhere.
  return `node ${fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? script : fromHere}`;
}
