/**
 * A new 0600 file beside `path`, to be renamed over it once written: a secret (a session's access token, a minted
 * API token) is never half-written where a reader looks, and never lands in a file someone else prepared. The name
 * has a random part and the file is created exclusively ('wx' is O_CREAT|O_EXCL, which also refuses to follow a
 * symlink at the name): a link planted at a predictable name (`session.json.<pid>.tmp`, until 2026-12-07) would
 * otherwise send the token into the file it points to. The SQLite lock's owner note (sqlite-lock.ts) is written the
 * same way (`tessera.db.lock.json.<pid>.tmp`, opened with writeFileSync, until 2026-12-07). Here in src/store, the
 * lowest layer with file I/O, so that the store and the CLI share it.
 */
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface PrivateTempFile {
  handle: FileHandle;
  path: string;
}

/** `.<name>.<12 hex>.tmp` in the directory of `path`; throws the open's error (EEXIST, EACCES ...) as is. */
export async function openPrivateTempBeside(path: string): Promise<PrivateTempFile> {
  const tempPath = tempPathBeside(path);
  return { handle: await open(tempPath, 'wx', 0o600), path: tempPath };
}

/** openPrivateTempBeside for synchronous code (the store's start): the file descriptor, to be closed by the caller. */
export function openPrivateTempBesideSync(path: string): { fd: number; path: string } {
  const tempPath = tempPathBeside(path);
  return { fd: openSync(tempPath, 'wx', 0o600), path: tempPath };
}

const tempPathBeside = (path: string) => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
