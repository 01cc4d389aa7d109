/**
 * The files `tessera scan` reads: the paths given, directories recursed into (without `.git` and
 * `node_modules`, and without following directory symlinks, so no loops), in a stable order.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

export interface WalkEntry {
  path: string;
  size: number;
  /** A pipe or a device named on the command line (`scan <(cmd)`, a FIFO): read as a stream, its size unknown. */
  stream?: true;
}

export interface WalkOptions {
  /**
   * A directory that cannot be listed, or an entry of one that cannot be examined: named here and the walk goes on
   * (until 2026-12-06 an unreadable subdirectory ended the whole scan, the directories after it never read). Without
   * it, the error is thrown.
   */
  onUnreadable?: (path: string, error: NodeJS.ErrnoException) => void;
  /** For tests: root cannot make a directory unreadable with chmod. */
  readdir?: (path: string) => Promise<string[]>;
}

/**
 * Yields the regular files under `root` (or `root` itself). Throws ENOENT for a missing root. A root that is neither
 * a file nor a directory (a FIFO, `/dev/fd/N` of a process substitution) is yielded as a stream: the user named it,
 * and until 2026-12-05 it was skipped without a word (exit 0). Inside directories only files are read.
 */
export async function* walkFiles(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry, void, undefined> {
  const info = await stat(root);
  if (info.isFile()) {
    yield { path: root, size: info.size };
    return;
  }
  if (!info.isDirectory()) {
    if (info.isFIFO() || info.isCharacterDevice() || info.isSocket()) yield { path: root, size: 0, stream: true };
    return;
  }
  yield* walkDirectory(root, options);
}

async function* walkDirectory(dir: string, options: WalkOptions): AsyncGenerator<WalkEntry, void, undefined> {
  const unreadable = (path: string, error: unknown): void => {
    if (!options.onUnreadable || typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    options.onUnreadable(path, error as NodeJS.ErrnoException);
  };
  let names: string[];
  try {
    names = (await (options.readdir ?? readdir)(dir)).sort();
  } catch (error) {
    unreadable(dir, error);
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let entry;
    try {
      entry = await lstat(path);
    } catch (error) {
      unreadable(path, error);
      continue;
    }
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(name)) yield* walkDirectory(path, options);
    } else if (entry.isFile()) {
      yield { path, size: entry.size };
    } else if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => null);
      if (target?.isFile()) yield { path, size: target.size };
    }
  }
}
