/**
 * A new 0600 file beside `path`, to be renamed over it once written: a secret (a session's access token, a minted
 * API token) is never half-written where a reader looks, and never lands in a file someone else prepared. The name
 * has a random part and the file is created exclusively ('wx' is O_CREAT|O_EXCL, which also refuses to follow a
 * symlink at the name): a link planted at a predictable name (`session.json.<pid>.tmp`, until 2026-12-07) would
 * otherwise send the token into the file it points to.
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface PrivateTempFile {
  handle: FileHandle;
  path: string;
}

/** `.<name>.<12 hex>.tmp` in the directory of `path`; throws the open's error (EEXIST, EACCES ...) as is. */
export async function openPrivateTempBeside(path: string): Promise<PrivateTempFile> {
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  return { handle: await open(tempPath, 'wx', 0o600), path: tempPath };
}
