/**
 * How a client command finds its server and credentials:
 * - an API token from `--token-file` (the `{"refresh_token": ...}` file govcd and Terraform read, or the bare
 *   token) or `TESSERA_API_TOKEN`, with `--endpoint`/`--org` (or `TESSERA_ENDPOINT`/`TESSERA_ORG`);
 * - else the session saved by `tessera login`.
 */
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { normalizeEndpoint } from '../client/endpoint.js';
import { VcdClient } from '../client/vcd-client.js';
import { SERVICE_ACCOUNT_TOKEN_TYPE, tokenFileReadProblem, writeTokenFile } from '../client/token-file.js';
import { CliError, EXIT, usageError } from './exit-codes.js';
import { loadSession, requireSession, type SavedSession } from './session-file.js';

export interface ConnectionFlags {
  endpoint?: string;
  org?: string;
  insecure?: boolean;
  apiVersion?: string;
  tokenFile?: string;
}

export function addServerOptions(command: Command): Command {
  return command
    .addOption(new Option('--endpoint <url>', 'VCD or Tessera address, e.g. https://vcd.example.com').env('TESSERA_ENDPOINT'))
    .addOption(new Option('--org <name>', 'organization name ("System" for the provider)').env('TESSERA_ORG'))
    .addOption(new Option('--insecure', 'accept a self-signed TLS certificate'))
    .addOption(
      new Option('--api-version <version>', 'VCD API version sent in Accept (default 37.0)')
        .env('TESSERA_API_VERSION')
        .argParser(apiVersionArgument),
    );
}

/**
 * `--api-version` checked where it is read, so its error names the flag (the SDK's own check named its option,
 * `apiVersion`, which a CLI user never typed). A usage error: exit 2.
 */
export function apiVersionArgument(value: string): string {
  if (!/^\d+\.\d+$/.test(value)) {
    throw new InvalidArgumentError(`it must look like 37.0 (GET /api/versions lists the server's), got "${value.slice(0, 40)}"`);
  }
  return value;
}

export function addTokenFileOption(command: Command): Command {
  return command.addOption(
    new Option('--token-file <file>', 'API token file: {"refresh_token": "..."} (govcd/Terraform format) or the bare token'),
  );
}

/** The API token in a file; warns when others can read it, as ssh does for keys. */
export async function readApiTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const hint =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `. tessera token create NAME --out ${path} writes one (after tessera login); a service account's: tessera service-account authorize ACCOUNT --wait --out ${path}`
        : '';
    throw usageError(`Cannot read the token file ${path}: ${tokenFileReadProblem(error)}${hint}`);
  }
  const info = await stat(path);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    process.stderr.write(`tessera: warning: ${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it\n`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw usageError(`${path} looks like JSON but does not parse`);
    }
    const token = (value as { refresh_token?: unknown }).refresh_token;
    if (typeof token !== 'string' || token.trim() === '') throw usageError(`${path} has no "refresh_token" string`);
    return token.trim();
  }
  if (trimmed === '' || /\s/.test(trimmed)) throw usageError(`${path} must hold one API token or {"refresh_token": "..."}`);
  return trimmed;
}

/** The API token from --token-file or TESSERA_API_TOKEN, or null. */
export async function apiTokenFrom(flags: ConnectionFlags): Promise<string | null> {
  if (flags.tokenFile) return readApiTokenFile(flags.tokenFile);
  const fromEnv = process.env.TESSERA_API_TOKEN?.trim();
  return fromEnv ? fromEnv : null;
}

/**
 * A warning on stderr when `what` (a password, an API token) is about to go to a plain-http endpoint off this
 * machine: `serve --http` makes such endpoints legitimate behind a TLS proxy on the same host, but anywhere else the
 * secret crosses the network readable (until 2026-12-05 it was sent without a word). Loopback is not warned about.
 */
export function warnIfCleartext(endpoint: string, what: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return; // the client refuses it with its own message
  }
  if (url.protocol !== 'http:') return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return;
  process.stderr.write(`tessera: warning: ${url.origin} is plain http: ${what} crosses the network unencrypted; use https://\n`);
}

export function apiTokenClient(flags: ConnectionFlags, apiToken: string, session: SavedSession | null): VcdClient {
  const endpoint = flags.endpoint ?? session?.endpoint;
  const org = flags.org ?? session?.org;
  if (!endpoint) throw usageError('--endpoint is required with an API token (or set TESSERA_ENDPOINT)');
  if (!org) throw usageError('--org is required with an API token (or set TESSERA_ORG)');
  warnIfCleartext(endpoint, 'the API token');
  return new VcdClient({
    endpoint,
    org,
    apiToken,
    onApiTokenRotated: (rotated) => persistRotatedToken(flags, rotated),
    apiVersion: flags.apiVersion ?? session?.apiVersion,
    insecure: flags.insecure ?? session?.insecure ?? false,
  });
}

export function sessionClient(session: SavedSession, flags: ConnectionFlags = {}): VcdClient {
  if (flags.endpoint !== undefined || flags.org !== undefined) {
    const sameEndpoint = flags.endpoint === undefined || sameServer(flags.endpoint, session.endpoint);
    const sameOrg = flags.org === undefined || flags.org.toLowerCase() === session.org.toLowerCase();
    if (!sameEndpoint || !sameOrg) {
      throw new CliError(
        `The saved session is for ${session.user}@${session.org} at ${session.endpoint}; sign in there with tessera login, or pass --token-file`,
        EXIT.AUTH,
      );
    }
  }
  return new VcdClient({
    endpoint: session.endpoint,
    org: session.org,
    accessToken: session.accessToken,
    apiVersion: flags.apiVersion ?? session.apiVersion,
    insecure: flags.insecure ?? session.insecure,
  });
}

/** An API-token client if a token was given, else the saved session's. */
export async function clientFor(flags: ConnectionFlags): Promise<VcdClient> {
  const apiToken = await apiTokenFrom(flags);
  if (apiToken && !flags.tokenFile && (!flags.endpoint || !flags.org)) {
    // TESSERA_API_TOKEN exported (as for the README's SDK example) wins over the saved session, as documented; it is
    // not sent to the session's server, which may not be the token's. Say so instead of only asking for --endpoint.
    const session = await loadSession().catch(() => null);
    if (session) {
      throw usageError(
        `TESSERA_API_TOKEN is set, so this command uses that API token and needs --endpoint and --org (or TESSERA_ENDPOINT and ` +
          `TESSERA_ORG). To use the saved session of ${session.user}@${session.org} at ${session.endpoint} instead, unset TESSERA_API_TOKEN.`,
      );
    }
  }
  if (apiToken) return apiTokenClient(flags, apiToken, null);
  return sessionClient(await requireSession(), flags);
}

function sameServer(a: string, b: string): boolean {
  return normalizeEndpoint(a).toLowerCase() === normalizeEndpoint(b).toLowerCase();
}

/**
 * Service-account tokens rotate on every exchange and the old value dies (vcd-wire §5.2): write the new one back
 * to --token-file in the format govcd writes, or say loudly that it is lost.
 */
export async function persistRotatedToken(flags: ConnectionFlags, rotated: string): Promise<void> {
  if (!flags.tokenFile) {
    process.stderr.write(
      'tessera: warning: the server rotated this token (a service account) and the old value is dead; use --token-file so that the new one is saved\n',
    );
    return;
  }
  await saveRotatedToken(flags.tokenFile, rotated);
}

/**
 * Writes the rotated refresh token to `path` (temp file beside it, fsync, rename: never a half-written token,
 * src/client/token-file.ts). The server has already spent the old one, so a failed write must not lose the new one
 * (until 2026-12-06 it failed with a raw `EACCES ... .tmp` and the token was gone): the file's would-be contents go
 * to stdout, and the error says what to do with them.
 */
export async function saveRotatedToken(
  path: string,
  rotated: string,
  write: (path: string, token: string, updatedBy: string) => Promise<void> = writeTokenFile,
  out: Pick<NodeJS.WriteStream, 'write'> = process.stdout,
): Promise<void> {
  try {
    await write(path, rotated, 'tessera');
  } catch (error) {
    const contents = {
      token_type: SERVICE_ACCOUNT_TOKEN_TYPE,
      refresh_token: rotated,
      updated_by: 'tessera',
      updated_on: new Date().toISOString(),
    };
    out.write(`${JSON.stringify(contents, null, 2)}\n`);
    throw new CliError(
      `Could not write the rotated refresh token to ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        `The server has already rotated it: the token in ${path} is spent, and presenting it again ends the account's tokens as a reuse. ` +
        `The new one was printed on stdout as the file's contents: save that in ${path} (mode 0600) before anything else uses the account.`,
      EXIT.FAILED,
    );
  }
}

/**
 * Before a service account's token is sent: the rotated token will be written beside the file (the file a symlink
 * points to), so that directory must be writable, or the rotation would spend the token in the file for nothing.
 */
export async function checkTokenFileWritable(path: string): Promise<void> {
  const target = await realpath(path).catch(() => path); // a missing file: the read says so
  const dir = dirname(target);
  await access(dir, fsConstants.W_OK | fsConstants.X_OK).catch((error: NodeJS.ErrnoException) => {
    throw usageError(
      `${dir} is not writable (${error.code ?? error.message}): the refresh token rotates on every use and the new one is written ` +
        `beside ${path}, so nothing was sent. Make the directory writable, or copy the file to one that is (and use only the copy).`,
    );
  });
}
