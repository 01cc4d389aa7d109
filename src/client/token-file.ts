/**
 * Service-account token files (govcd's format, `{"token_type":"Service Account","refresh_token":"...",
 * "updated_by":"...","updated_on":"..."}`; a plain `{"refresh_token":"..."}` reads too). A service account's
 * refresh token rotates on every exchange and the old value dies, so the new one is written back atomically: a
 * temporary file in the same directory (mode 0600), fsync, rename over the old file, then fsync of the directory.
 * A crash leaves the old file or the new one, never half of one. Node only: `node:fs/promises` is imported lazily
 * so that the rest of the SDK keeps running where there is no file system.
 */
import { VcdClientError } from './errors.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'Service Account';

export interface ServiceAccountTokenFile {
  token_type?: string;
  refresh_token: string;
  updated_by?: string;
  updated_on?: string;
}

async function fs() {
  return import('node:fs/promises');
}

/**
 * Why a token file could not be read, in words, with the errno code kept for searching (`no such file (ENOENT)`):
 * the bare code alone left a newcomer guessing whether the path, the file or its mode was wrong.
 */
export function tokenFileReadProblem(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a directory, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is not a directory',
  };
  if (code === undefined) return (error as Error).message;
  return words[code] ? `${words[code]} (${code})` : code;
}

/** The refresh token in a token file (JSON with `refresh_token`, or the bare token). */
export async function readTokenFile(path: string): Promise<string> {
  const { readFile } = await fs();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VcdClientError('ERR_VCD_TOKEN_FILE', `Cannot read the token file ${path}: ${tokenFileReadProblem(error)}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new VcdClientError('ERR_VCD_TOKEN_FILE', `${path} looks like JSON but does not parse`);
    }
    const token = (value as { refresh_token?: unknown } | null)?.refresh_token;
    if (typeof token !== 'string' || token.trim() === '') {
      throw new VcdClientError('ERR_VCD_TOKEN_FILE', `${path} has no "refresh_token" string`);
    }
    return token.trim();
  }
  if (trimmed === '' || /\s/.test(trimmed)) {
    throw new VcdClientError('ERR_VCD_TOKEN_FILE', `${path} must hold {"refresh_token": "..."} or one token`);
  }
  return trimmed;
}

function directoryOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

/**
 * Writes `refreshToken` to `path` in govcd's format, atomically, mode 0600. `updatedBy` names the writer
 * (govcd writes its user agent).
 */
export async function writeTokenFile(path: string, refreshToken: string, updatedBy = 'tessera-client'): Promise<void> {
  if (typeof refreshToken !== 'string' || refreshToken.trim() === '') throw new TypeError('refreshToken must be a non-empty string');
  const { open, rename, unlink, realpath } = await fs();
  // Through a symlink, the file it points to is the one replaced: renaming over the link made the link a file of
  // its own, left the spent token in the target, and the next reader of the target ended the whole chain as a
  // reuse (until 2026-12-05). A path that does not exist yet is written as given.
  const target = await realpath(path).catch(() => path);
  const body: ServiceAccountTokenFile = {
    token_type: SERVICE_ACCOUNT_TOKEN_TYPE,
    refresh_token: refreshToken,
    updated_by: updatedBy,
    updated_on: new Date().toISOString(),
  };
  // Beside the file (same directory, so the same file system: rename is atomic there).
  const temp = `${target}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // The rename itself is durable once the directory is synced (not possible everywhere: best effort).
  try {
    const d = await open(directoryOf(target), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Windows and some file systems cannot open or sync a directory.
  }
}
