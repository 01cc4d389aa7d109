/**
 * The SQLite store's files hold the access tokens' signing key and the portal's secret (the `meta` table): whoever
 * reads them can sign a session for any user. They are this user's alone, as the TLS key is (src/tls.ts): the data
 * directory is created 0700, the database 0600 before SQLite first opens it (its -wal and -shm files take the
 * database's mode), and a store found readable by others is narrowed to its owner when opened.
 * Until 2026-12-05 they were created under the umask (0644 in a 0755 directory, usually): any local account could
 * read the key and forge a System administrator's session.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Creates `dir` (and its parents) for this user only; an existing directory is left as it is. */
export function makePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The database file, created empty and 0600 when missing (SQLite reads an empty file as a new database). */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Takes away group and other permissions from the database and its -wal and -shm files, where this user may
 * (another user's file is left alone: opening it reports what is wrong). Returns the files narrowed.
 */
export function narrowToOwner(file: string): string[] {
  const narrowed: string[] = [];
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(path, mode & 0o700);
      narrowed.push(path);
    } catch {
      // Not ours to change.
    }
  }
  return narrowed;
}
