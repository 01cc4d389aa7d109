/**
 * The `tessera` client commands' exit codes (documented in docs/cli.md), and how errors map to them.
 * Stable: scripts and CI branch on them.
 */
import { VcdClientError, type VcdErrorCode } from '../client/errors.js';

export const EXIT = {
  OK: 0,
  /** `scan`: tokens found. Other commands: the server refused the operation (400, 409, 429, 5xx). */
  FAILED: 1,
  /** Bad flags or arguments, unreadable input files. Nothing was sent. */
  USAGE: 2,
  /** Not signed in, session expired or ended, API token refused or revoked, wrong password or TOTP code. */
  AUTH: 3,
  /** Forbidden, or not found (VCD answers 403 for both). */
  FORBIDDEN: 4,
  /** The server could not be reached (DNS, refused, TLS, timeout) or did not answer like VCD. */
  NETWORK: 5,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as is, with its exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.FAILED) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.USAGE);

const BY_SDK_CODE: Record<VcdErrorCode, ExitCode> = {
  ERR_VCD_BAD_REQUEST: EXIT.FAILED,
  ERR_VCD_INVALID_GRANT: EXIT.AUTH,
  ERR_VCD_UNAUTHORIZED: EXIT.AUTH,
  ERR_VCD_TOTP_REQUIRED: EXIT.AUTH,
  ERR_VCD_TOTP_INVALID: EXIT.AUTH,
  ERR_VCD_FORBIDDEN: EXIT.FORBIDDEN,
  ERR_VCD_NOT_FOUND: EXIT.FORBIDDEN,
  ERR_VCD_AMBIGUOUS_NAME: EXIT.USAGE,
  ERR_VCD_TOKEN_FILE: EXIT.USAGE,
  ERR_VCD_NOT_ACCEPTABLE: EXIT.FAILED,
  ERR_VCD_RATE_LIMITED: EXIT.FAILED,
  ERR_VCD_SERVER: EXIT.FAILED,
  ERR_VCD_HTTP: EXIT.FAILED,
  ERR_VCD_NETWORK: EXIT.NETWORK,
  ERR_VCD_RESPONSE: EXIT.NETWORK,
};

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof VcdClientError) return BY_SDK_CODE[error.code];
  if (error instanceof TypeError) return EXIT.USAGE; // the SDK's input checks
  return EXIT.FAILED;
}
