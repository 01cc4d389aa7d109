/**
 * Where the client commands write, and the one way they fail: `tessera: <message>` on stderr and an exit
 * code (exit-codes.ts). Actions set `process.exitCode` rather than calling `process.exit`, so pending output
 * is flushed.
 */
import { VcdApiError, VcdNetworkError, type VcdErrorCode } from '../client/errors.js';
import { INSECURE_ADVICE } from '../client/transport.js';
import { CliError, EXIT, exitCodeFor } from './exit-codes.js';

/**
 * What to do next, by error, where a command knows better than the general hint: a refused service-account
 * token needs the device flow again, not `tessera token create`; a refused password needs checking, not the
 * `tessera login` that just failed.
 */
export type ErrorHints = Partial<Record<VcdErrorCode, string>>;

export function printError(error: unknown, hints: ErrorHints = {}): void {
  process.stderr.write(`tessera: ${describeError(error, hints)}\n`);
}

export function describeError(error: unknown, hints: ErrorHints = {}): string {
  if (error instanceof VcdApiError) {
    const hint = hints[error.code] ?? hintFor(error);
    const requestId = error.requestId ? ` [request ${error.requestId}]` : '';
    // VCD's /api messages begin with `[ <request id> ] `: said once, at the end, is enough.
    const message = error.requestId ? error.message.replace(`[ ${error.requestId} ] `, '') : error.message;
    return `${message}${requestId}${hint ? `\n  ${hint}` : ''}`;
  }
  // The SDK's advice names its option and the flag; a CLI user needs only the flag.
  if (error instanceof VcdNetworkError) return error.message.replace(INSECURE_ADVICE, 'pass --insecure');
  if (error instanceof Error) return error.message;
  return String(error);
}

function hintFor(error: VcdApiError): string | null {
  switch (error.code) {
    case 'ERR_VCD_INVALID_GRANT':
      // Said for both kinds: a command given a token file may hold either (until 2026-12-05 a service account's file
      // was sent to `token create` by every command but `service-account token`).
      return (
        'Create a new API token (tessera token create NAME) and replace the old one wherever it is used; ' +
        "for a service account's token, authorize the account again (tessera service-account authorize ACCOUNT --wait)."
      );
    case 'ERR_VCD_UNAUTHORIZED':
      return 'Sign in again: tessera login --endpoint URL --org ORG --user USER';
    case 'ERR_VCD_RATE_LIMITED':
      return error.retryAfterSeconds !== null ? `Retry in ${error.retryAfterSeconds} s.` : null;
    case 'ERR_VCD_NOT_ACCEPTABLE':
      return 'The server does not offer this API version: pass --api-version (see GET /api/versions).';
    default:
      return null;
  }
}

let stdoutGuarded = false;

/**
 * `tessera vms | head`: the reader went away; stop quietly instead of crashing on EPIPE, with the exit code set
 * so far (`scan` sets 1 before printing its first finding).
 */
function exitQuietlyOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK);
    throw error;
  });
}

/** Wraps a commander action: errors become a message (with `hints`) and an exit code instead of a stack trace. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>, hints: ErrorHints = {}): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitQuietlyOnClosedStdout();
    try {
      await run(...args);
    } catch (error) {
      printError(error, hints);
      process.exitCode = exitCodeFor(error);
    }
  };
}

export { CliError, EXIT };
