/**
 * The RFC 6749 §5.2 fields of an error under /oauth, beside VCD's envelope (`minorErrorCode`, `message`,
 * `stackTrace`), which VCD's clients read. Standard OAuth libraries read `error` only: golang.org/x/oauth2's
 * device flow stopped at the first `authorization_pending`, authlib returned a refused refresh as if it were a
 * token, openid-client and oauth4webapi could name no error at all. Both sets are strings (or null), so govcd up to
 * v2.20, which decodes the body as a map[string]string, still reads it; it only prints the two extra pairs.
 */
import { ERROR_CATALOGUE, type TesseraError } from '../domain/errors.js';

/**
 * The catalogue's own OAuth codes (RFC 6749 §5.2, RFC 6750, RFC 8628 §3.5): its lower-case ones, derived so that a
 * code added there is answered as itself here.
 */
const OAUTH_CODES: ReadonlySet<string> = new Set(
  Object.values(ERROR_CATALOGUE)
    .map((entry) => entry.minor as string)
    .filter((minor) => minor === minor.toLowerCase()),
);

/** Whether the error carries an OAuth code of its own (`invalid_client`, `invalid_grant`, ...), not one derived from its status. */
export function hasOwnOAuthCode(error: Pick<TesseraError, 'minorErrorCode'>): boolean {
  return OAUTH_CODES.has(error.minorErrorCode);
}

/** The OAuth code for an error: its own when it has one, else the closest by status. */
export function oauthErrorCode(error: Pick<TesseraError, 'minorErrorCode' | 'status'>): string {
  if (hasOwnOAuthCode(error)) return error.minorErrorCode;
  // The Bearer-protected endpoints (register, introspect, device_authorization): RFC 6750 §3.1.
  if (error.status === 401) return 'invalid_token';
  if (error.status === 403) return 'access_denied';
  // Rate limits and an unavailable store: retry later, as `Retry-After` says.
  if (error.status === 429 || error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  return 'invalid_request';
}

/**
 * `error_description` as RFC 6749 §5.2 allows it: printable ASCII without `"` and `\`. Tessera's messages are
 * English; a name the client sent inside one may not be.
 */
export function oauthErrorDescription(message: string): string {
  // Typographic quotes too, as the ASCII apostrophe: "organization's", not "organization?s".
  return message
    .replace(/["\u2018\u2019\u201c\u201d]/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** The body of an error under /oauth. */
export function oauthErrorBody(minorErrorCode: string, message: string, error: string) {
  return { minorErrorCode, message, stackTrace: null, error, error_description: oauthErrorDescription(message) };
}
