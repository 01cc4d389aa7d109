/**
 * The SQLite store's files hold the access tokens' signing key and the portal's secret (the `meta` table): whoever
 * reads them can sign a session for any user. They are this user's alone, as the TLS key is (src/tls.ts): the data
 * directory is created 0700, the database 0600 before SQLite first opens it (its -wal and -shm files take the
 * database's mode), and a store found readable by others is narrowed to its owner when opened.
 * Until 2026-12-05 they were created under the umask (0644 in a 0755 directory, usually): any local account could
 * read the key and forge a System administrator's session.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** A store another account could read or replace: refused at the start, in one line (open-errors.ts). */
export class ExposedStoreError extends Error {
  readonly code = 'EXPOSED_STORE';
}

/**
 * Refuses a store another local account controls. Narrowing the files' modes protects nothing when another account
 * owns them (it can chmod them back) or may write the directory (it can replace them, or plant a file or a link
 * before the first start). The data directory must be this user's and writable by it alone, and so must the database
 * and its -wal and -shm files. Until 2026-12-05 a directory made by another account was used as it was, its file
 * narrowed to 0600 but still that account's. (The directory is followed if it is a link: its target is what holds
 * the files. No POSIX owners on Windows: nothing to check there.)
 */
export function refuseExposedStore(file: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const why = 'which could read or replace the store and the signing key it holds';
  refuseExposedDirectory(dirname(file), why);
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    const f = lstatOrNull(path);
    if (f !== null && f.uid !== uid) {
      throw new ExposedStoreError(`${path} belongs to another account (uid ${f.uid}), ${why}: it must be this user's`);
    }
  }
}

/**
 * Refuses a data directory of another account, or one that other accounts may write (`why` says what they could do
 * with it). Shared by the store and the generated TLS key (src/tls.ts), which live in the same directory.
 */
export function refuseExposedDirectory(dir: string, why: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const d = statSync(dir);
  if (d.uid !== uid) {
    throw new ExposedStoreError(
      `the data directory ${dir} belongs to another account (uid ${d.uid}), ${why}: use a directory of this user's (Tessera creates it 0700)`,
    );
  }
  if ((d.mode & 0o022) !== 0) {
    throw new ExposedStoreError(`the data directory ${dir} is writable by other accounts (mode ${octal(d)}), ${why}: chmod 700 ${dir}`);
  }
}

export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const octal = (s: Stats) => `0${(s.mode & 0o777).toString(8)}`;

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
 * Takes away group and other permissions from the database and its -wal and -shm files (refuseExposedStore has
 * checked that they are this user's). A symbolic link is not followed: its target is not the store's to change.
 * Returns the files narrowed.
 */
export function narrowToOwner(file: string): string[] {
  const narrowed: string[] = [];
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    const f = lstatOrNull(path);
    if (f === null || f.isSymbolicLink()) continue;
    const mode = f.mode & 0o777;
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
