/**
 * `--out FILE` of the commands that receive a secret once (`token create|regenerate`, `service-account authorize
 * --wait`): checked before anything is sent, since the secret exists once and must have somewhere to go. Until
 * 2026-12-06 a directory given with --force was found only at the final rename (EISDIR), after the server had minted
 * the token: its only copy sat in a hidden temporary file, and a regenerated token's predecessor was already dead.
 */
import { access, stat } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { dirname } from 'node:path';
import { usageError } from './exit-codes.js';

/** Throws a usage error (exit 2) unless `path` can take the new file: not a directory, new or `force`, in a writable directory. */
export async function checkOutPath(path: string, force: boolean): Promise<void> {
  if (path === '') throw usageError('--out needs a file name');
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null; // the parent's check below says why
    throw usageError(`Cannot use ${path} for --out: ${error.code ?? error.message}`);
  });
  if (info?.isDirectory())
    throw usageError(`${path} is a directory: give --out the path of a file (e.g. ${path.replace(/\/+$/, '')}/token.json)`);
  if (info && !force) throw usageError(`${path} exists: pass --force to replace it`);
  const dir = dirname(path);
  const parent = await stat(dir).catch(() => null);
  const why = !parent ? 'it does not exist' : !parent.isDirectory() ? 'it is a file' : null;
  if (why) throw usageError(`${dir} is not a directory this user can write to (${why}): create it first, ${path} is written there`);
  await access(dir, fsConstants.W_OK | fsConstants.X_OK).catch(() => {
    throw usageError(`${dir} is not a directory this user can write to: ${path} could not be written there`);
  });
}
