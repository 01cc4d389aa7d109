/**
 * The signed-in session of `tessera login`: one JSON file, mode 0600 in a 0700 directory, under
 * `$XDG_CONFIG_HOME/tessera` (default `~/.config/tessera`). It holds a bearer access token, so it is written
 * atomically (temp file + rename) with the mode set at creation, never chmod'ed afterwards.
 */
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './exit-codes.js';
import { openPrivateTempBeside } from '../store/private-temp-file.js';

export interface SavedSession {
  endpoint: string;
  org: string;
  user: string;
  apiVersion: string;
  insecure: boolean;
  accessToken: string;
  sessionId: string | null;
  /** ISO date-time of the sign-in. */
  signedInAt: string;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'tessera');
}

export function sessionFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'session.json');
}

export async function saveSession(session: SavedSession, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const path = sessionFilePath(env);
  // A fresh file with a random name, created exclusively (never through a link planted beside the session file).
  const temp = await openPrivateTempBeside(path);
  try {
    try {
      await temp.handle.writeFile(`${JSON.stringify(session, null, 2)}\n`, 'utf8');
      await temp.handle.sync();
    } finally {
      await temp.handle.close();
    }
    await rename(temp.path, path);
  } catch (error) {
    await rm(temp.path, { force: true });
    throw error;
  }
  return path;
}

/** A session file that is there but cannot be used (not JSON, or without endpoint, org or accessToken): `logout` removes it. */
export class DamagedSessionError extends CliError {
  readonly path: string;
  readonly why: string;

  constructor(path: string, why: string) {
    super(`${path} ${why}: run tessera logout, then tessera login`, EXIT.USAGE);
    this.name = 'DamagedSessionError';
    this.path = path;
    this.why = why;
  }
}

/** The saved session, or null when there is none. A damaged file is an error (DamagedSessionError), not a silent sign-out. */
export async function loadSession(env: NodeJS.ProcessEnv = process.env): Promise<SavedSession | null> {
  const path = sessionFilePath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`Cannot read ${path}: ${(error as Error).message}`, EXIT.USAGE);
  }
  let value: Partial<SavedSession>;
  try {
    value = JSON.parse(text) as Partial<SavedSession>;
  } catch {
    throw new DamagedSessionError(path, 'is not valid JSON');
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.endpoint !== 'string' ||
    typeof value.org !== 'string' ||
    typeof value.accessToken !== 'string'
  ) {
    throw new DamagedSessionError(path, 'is missing endpoint, org or accessToken');
  }
  return {
    endpoint: value.endpoint,
    org: value.org,
    user: typeof value.user === 'string' ? value.user : '?',
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '37.0',
    insecure: value.insecure === true,
    accessToken: value.accessToken,
    sessionId: typeof value.sessionId === 'string' ? value.sessionId : null,
    signedInAt: typeof value.signedInAt === 'string' ? value.signedInAt : '',
  };
}

export async function requireSession(env: NodeJS.ProcessEnv = process.env): Promise<SavedSession> {
  const session = await loadSession(env);
  if (!session) throw new CliError('Not signed in: run tessera login --endpoint URL --org ORG --user USER', EXIT.AUTH);
  return session;
}

export async function removeSession(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const path = sessionFilePath(env);
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
