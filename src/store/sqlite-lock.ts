/**
 * One server per SQLite file. Two servers on one data directory would each keep their own in-process
 * revocation view, so a token revoked on one would keep working on the other. Several servers are what the
 * PostgreSQL backend is for.
 *
 * The lock is an OS lock, not a pid file: a small SQLite database next to tessera.db held in an open
 * `BEGIN EXCLUSIVE` transaction for the life of the store. SQLite takes it with POSIX advisory locks (LockFileEx
 * on Windows), which the kernel drops when the process dies, `kill -9` included: there is no stale lock to
 * detect, no pid that may have been reused, and no race between two starters both "taking over" one. It also
 * holds across containers sharing the volume, where pids and hostnames differ. tessera.db itself is not locked
 * this way, so read-only tools (sqlite3, backups) still read it while a server runs.
 *
 * The holder also writes who it is (pid, host, start time) to an owner file, only for the error message.
 */
import Database from 'better-sqlite3';
import { refuseExposedStore } from './private-files.js';
import { hostname } from 'node:os';
import { closeSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { openPrivateTempBesideSync } from './private-temp-file.js';

export class DataDirLockedError extends Error {
  readonly owner: LockOwner | null;
  constructor(dbFile: string, owner: LockOwner | null) {
    const who = owner ? `pid ${owner.pid} on host ${owner.host}, started ${owner.startedAt}` : 'another process';
    super(
      `${dbFile} is in use by another Tessera server (${who}). One server per SQLite file: a second one would not ` +
        `see the first one's revocations. Stop that server first, or give this one another --data-dir (a store of ` +
        `its own); to run several servers on one store, use PostgreSQL (--database-url / TESSERA_DATABASE_URL).`,
    );
    this.name = 'DataDirLockedError';
    this.owner = owner;
  }
}

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface DataDirLock {
  release(): void;
}

export const lockFileOf = (dbFile: string) => `${dbFile}.lock`;
export const ownerFileOf = (dbFile: string) => `${dbFile}.lock.json`;

/**
 * Every lock this process holds, until released. better-sqlite3 closes a connection its owner no longer references
 * when the garbage collector finalizes it, and the OS lock goes with it: a caller that dropped the returned handle
 * (a variable dead after the lock was taken, or the test's holder that discards it) lost the lock at the next
 * collection, silently. Found on 2026-12-08, when a Node 24 run's second lock on the same file succeeded.
 */
const held = new Set<Database.Database>();

/** Takes the lock for `dbFile` or throws DataDirLockedError naming the holder. */
export function lockSqliteFile(dbFile: string): DataDirLock {
  // Before the lock file is opened: SQLite follows a link planted at its name and creates the file it points to,
  // so in a directory another account may write, a start that was then refused had already made an empty file
  // wherever that account chose, as this user (/etc/nologin for a root server), until 2026-12-07.
  refuseExposedStore(dbFile);
  const lock = new Database(lockFileOf(dbFile));
  try {
    // No waiting: a held lock means another server, and the answer should be immediate.
    lock.pragma('busy_timeout = 0');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dbFile, readOwner(dbFile));
    throw err;
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const ownerFile = ownerFileOf(dbFile);
  // Written after the lock is held, by rename so a reader never sees half of it; a leftover from a killed
  // holder is simply overwritten. The temporary file is new and never a link followed (private-temp-file.ts):
  // until 2026-12-07 it was `tessera.db.lock.json.<pid>.tmp`, written through whatever link stood at that name.
  try {
    writeOwnerNote(ownerFile, owner);
  } catch (error) {
    lock.exec('ROLLBACK');
    lock.close();
    throw error;
  }
  held.add(lock);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      // The owner file is only a note for the next server's message; the lock itself is the transaction. A data
      // directory gone read-only (EROFS) must not turn a clean stop into a crash with a stack trace.
      try {
        rmSync(ownerFile, { force: true });
      } catch {
        // Left behind: the next holder overwrites it.
      }
      lock.exec('ROLLBACK');
      lock.close();
    },
  };
}

function writeOwnerNote(ownerFile: string, owner: LockOwner): void {
  const temp = openPrivateTempBesideSync(ownerFile);
  try {
    try {
      writeSync(temp.fd, JSON.stringify(owner) + '\n');
    } finally {
      closeSync(temp.fd);
    }
    renameSync(temp.path, ownerFile);
  } catch (error) {
    rmSync(temp.path, { force: true });
    throw error;
  }
}

function readOwner(dbFile: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(ownerFileOf(dbFile), 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return null;
    return { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? 'at an unknown time') };
  } catch {
    return null;
  }
}
