/**
 * One error type for all of Tessera, with a stable `code`; each API area renders it in its own format:
 * - `/api/*`       VCD's XML `<Error>` (or its JSON form when the client asked for JSON), vcd-wire §8;
 * - `/cloudapi/*`  `{minorErrorCode, message, stackTrace: null}`, vcd-wire §7;
 * - `/oauth/*`     the same envelope, whose `minorErrorCode` is the OAuth error (`invalid_grant`), §5.3;
 * - portal pages   an HTML page.
 * The catalogue below is the single list of codes (docs/errors.md mirrors it). Messages are safe to show:
 * never a stack trace, a secret or a token.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, minor: 'BAD_REQUEST' },
  UNAUTHORIZED: { status: 401, minor: 'UNAUTHORIZED' },
  ACCESS_TO_RESOURCE_IS_FORBIDDEN: { status: 403, minor: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' },
  RESOURCE_NOT_FOUND: { status: 404, minor: 'RESOURCE_NOT_FOUND' },
  METHOD_NOT_ALLOWED: { status: 405, minor: 'METHOD_NOT_ALLOWED' },
  NOT_ACCEPTABLE: { status: 406, minor: 'NOT_ACCEPTABLE' },
  DUPLICATE_NAME: { status: 400, minor: 'DUPLICATE_NAME' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, minor: 'UNSUPPORTED_MEDIA_TYPE' },
  TOO_MANY_REQUESTS: { status: 429, minor: 'TOO_MANY_REQUESTS' },
  // The org's account lockout (VCD answers a locked account with 401; docs/security.md "Account lockout").
  ACCOUNT_LOCKED: { status: 401, minor: 'ACCOUNT_LOCKED' },
  // Second sign-in factor (Tessera extension; see README "Sign-in with TOTP").
  TOTP_REQUIRED: { status: 401, minor: 'TOTP_REQUIRED' },
  TOTP_INVALID: { status: 401, minor: 'TOTP_INVALID' },
  TOTP_LOCKED: { status: 429, minor: 'TOTP_LOCKED' },
  INTERNAL_SERVER_ERROR: { status: 500, minor: 'INTERNAL_SERVER_ERROR' },
  SERVICE_UNAVAILABLE: { status: 503, minor: 'SERVICE_UNAVAILABLE' },
  // OAuth 2.0 (RFC 6749 §5.2) codes, rendered under /oauth in VCD's envelope.
  invalid_request: { status: 400, minor: 'invalid_request' },
  invalid_grant: { status: 400, minor: 'invalid_grant' },
  invalid_client: { status: 400, minor: 'invalid_client' },
  unsupported_grant_type: { status: 400, minor: 'unsupported_grant_type' },
  invalid_scope: { status: 400, minor: 'invalid_scope' },
  invalid_token: { status: 401, minor: 'invalid_token' },
  // RFC 8628 §3.5: the device-authorization grant while (or after) an administrator decides.
  authorization_pending: { status: 400, minor: 'authorization_pending' },
  slow_down: { status: 400, minor: 'slow_down' },
  expired_token: { status: 400, minor: 'expired_token' },
  access_denied: { status: 400, minor: 'access_denied' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;
  /**
   * Under /oauth: VCD's three fields only, without RFC 6749's `error` and `error_description`
   * (src/http/oauth-error.ts). Set on the one body VCD's contract fixes byte for byte: the refresh grant's refusal.
   */
  readonly vcdBodyOnly: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; status?: number; vcdBodyOnly?: boolean } = {},
  ) {
    super(message);
    this.name = 'TesseraError';
    this.code = code;
    this.status = options.status ?? ERROR_CATALOGUE[code].status;
    this.headers = options.headers ?? {};
    this.vcdBodyOnly = options.vcdBodyOnly ?? false;
  }

  get minorErrorCode(): string {
    return ERROR_CATALOGUE[this.code].minor;
  }
}

export const badRequest = (message: string) => new TesseraError('BAD_REQUEST', message);
/** The one 401 for every failed sign-in: no oracle for unknown org, unknown user, disabled user or bad password. */
export const badCredentials = () => new TesseraError('UNAUTHORIZED', 'Invalid credentials');
/**
 * A sign-in refused because the org's account lockout is in force, whatever the password (checking it would make
 * the lock a password oracle). Says what the user can do: wait, or ask an administrator of the org to unlock.
 */
export const accountLocked = (lockedUntilMs: number, now = Date.now()) => {
  const minutes = Math.max(1, Math.ceil((lockedUntilMs - now) / 60_000));
  return new TesseraError(
    'ACCOUNT_LOCKED',
    `This account is locked after too many failed sign-in attempts. An administrator of its organization can unlock it; ` +
      `otherwise it unlocks in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  );
};
export const unauthenticated = (message = 'Authentication is required: the access token is missing, invalid, expired or revoked') =>
  new TesseraError('UNAUTHORIZED', message);
/** VCD answers 403 both for "not allowed" and "does not exist" (vcd-wire §6, §7). */
export const forbidden = (
  message = 'Either you need some or all of the following rights to perform this operation, or the entity does not exist',
) => new TesseraError('ACCESS_TO_RESOURCE_IS_FORBIDDEN', message);
export const notFound = (message = 'The requested resource was not found') => new TesseraError('RESOURCE_NOT_FOUND', message);
/**
 * An entity read again after a change, which another request may have deleted meanwhile: VCD's 403 for an entity
 * that is not there, never a TypeError's 500 (until 2026-12-06 an org enabled while it was being deleted was one).
 */
export async function stillThere<T>(reread: Promise<T | undefined | null>): Promise<T> {
  const row = await reread;
  if (row === undefined || row === null) throw forbidden();
  return row;
}
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many requests, retry later') =>
  new TesseraError('TOO_MANY_REQUESTS', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
