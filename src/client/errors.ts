/**
 * The SDK's errors, in jose's style: one base class with a `code` typed as a union, so that
 * `switch (err.code)` narrows. Input-shape mistakes by the caller throw a plain `TypeError` instead.
 *
 * - `VcdApiError`        the server answered with an error status; carries VCD's `minorErrorCode` and message,
 *                        parsed from the cloudapi/oauth JSON envelope or the `/api` XML `<Error>`.
 * - `VcdNetworkError`    no answer: DNS, connection refused, TLS (self-signed certificate: see `insecure`).
 * - `VcdResponseError`   a 2xx answer whose body is not what the API promises (not a VCD endpoint?).
 */

export type VcdErrorCode =
  /** 400 (any minorErrorCode except the ones below). */
  | 'ERR_VCD_BAD_REQUEST'
  /** The token endpoint refused the API token: unknown, revoked, expired, or from another org. */
  | 'ERR_VCD_INVALID_GRANT'
  /** 401: bad credentials, or the session expired or was revoked. */
  | 'ERR_VCD_UNAUTHORIZED'
  /** 401 with minorErrorCode TOTP_REQUIRED: the sign-in needs a one-time code. */
  | 'ERR_VCD_TOTP_REQUIRED'
  /** 401 with minorErrorCode TOTP_INVALID: the one-time code was wrong or already used. */
  | 'ERR_VCD_TOTP_INVALID'
  /** 403: not allowed, or (VCD's way) the entity does not exist. */
  | 'ERR_VCD_FORBIDDEN'
  | 'ERR_VCD_NOT_FOUND'
  /** 406: the server does not support the requested API version. */
  | 'ERR_VCD_NOT_ACCEPTABLE'
  /** 429: rate limited; `retryAfterSeconds` says when to try again. */
  | 'ERR_VCD_RATE_LIMITED'
  /** 5xx. */
  | 'ERR_VCD_SERVER'
  /** Any other error status. */
  | 'ERR_VCD_HTTP'
  | 'ERR_VCD_NETWORK'
  | 'ERR_VCD_RESPONSE'
  /** A name given where an id is expected matches more than one entity. */
  | 'ERR_VCD_AMBIGUOUS_NAME'
  /** A token file that cannot be read or holds no token. */
  | 'ERR_VCD_TOKEN_FILE';

export class VcdClientError extends Error {
  readonly code: VcdErrorCode;

  constructor(code: VcdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VcdClientError';
    this.code = code;
  }
}

export interface VcdApiErrorDetails {
  status: number;
  /** VCD's `minorErrorCode` (`BAD_REQUEST`, `ACCESS_TO_RESOURCE_IS_FORBIDDEN`, `invalid_grant`, ...), when sent. */
  minorErrorCode: string | null;
  /** VCD's `majorErrorCode` (the status as a number in `/api` errors), when sent. */
  majorErrorCode: number | null;
  /** The server's message, or the HTTP status text when the body carried none. */
  message: string;
  /** `X-VMWARE-VCLOUD-REQUEST-ID` of the failed request, for the server's logs. */
  requestId: string | null;
  method: string;
  /** The request URL without its query string (filters may carry names worth keeping out of logs). */
  url: string;
  /** Seconds from `Retry-After`, on 429 and 503. */
  retryAfterSeconds: number | null;
}

export class VcdApiError extends VcdClientError {
  readonly status: number;
  readonly minorErrorCode: string | null;
  readonly majorErrorCode: number | null;
  /** The server's own message, without the method and URL that `message` adds. */
  readonly serverMessage: string;
  readonly requestId: string | null;
  readonly method: string;
  readonly url: string;
  readonly retryAfterSeconds: number | null;

  constructor(details: VcdApiErrorDetails, description?: string) {
    const code = codeFor(details.status, details.minorErrorCode);
    const minor = details.minorErrorCode ? ` ${details.minorErrorCode}` : '';
    super(code, description ?? `${details.method} ${details.url}: ${details.status}${minor}: ${details.message}`);
    this.name = 'VcdApiError';
    this.status = details.status;
    this.minorErrorCode = details.minorErrorCode;
    this.majorErrorCode = details.majorErrorCode;
    this.serverMessage = details.message;
    this.requestId = details.requestId;
    this.method = details.method;
    this.url = details.url;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

function codeFor(status: number, minor: string | null): VcdErrorCode {
  const m = minor?.toUpperCase() ?? '';
  if (m === 'INVALID_GRANT') return 'ERR_VCD_INVALID_GRANT';
  if (m === 'TOTP_REQUIRED') return 'ERR_VCD_TOTP_REQUIRED';
  if (m === 'TOTP_INVALID') return 'ERR_VCD_TOTP_INVALID';
  if (status === 400) return 'ERR_VCD_BAD_REQUEST';
  if (status === 401) return 'ERR_VCD_UNAUTHORIZED';
  if (status === 403) return 'ERR_VCD_FORBIDDEN';
  if (status === 404) return 'ERR_VCD_NOT_FOUND';
  if (status === 406) return 'ERR_VCD_NOT_ACCEPTABLE';
  if (status === 429) return 'ERR_VCD_RATE_LIMITED';
  if (status >= 500) return 'ERR_VCD_SERVER';
  return 'ERR_VCD_HTTP';
}

export class VcdNetworkError extends VcdClientError {
  readonly url: string;

  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super('ERR_VCD_NETWORK', message, options);
    this.name = 'VcdNetworkError';
    this.url = url;
  }
}

export class VcdResponseError extends VcdClientError {
  readonly status: number;
  readonly url: string;

  constructor(message: string, status: number, url: string) {
    super('ERR_VCD_RESPONSE', message);
    this.name = 'VcdResponseError';
    this.status = status;
    this.url = url;
  }
}

export function isVcdClientError(value: unknown): value is VcdClientError {
  return value instanceof VcdClientError;
}
