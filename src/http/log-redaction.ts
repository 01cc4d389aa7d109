/**
 * What the server's logger may print about a request. fastify logs every request's URL, and the token endpoint
 * accepts its parameters in the query string (Broadcom KB 429004), so the URL can carry an API token. A regex over
 * the raw URL missed `refresh%5Ftoken=` (the server decodes parameter names, so that is a working request): here
 * the query string is split the way the server splits it, every parameter name is decoded (leniently, and again
 * in case of double encoding), and the value of any parameter whose name looks secret-bearing is replaced. What
 * cannot be parsed is not logged at all.
 */
import { API_TOKEN_SEARCH_PATTERN, isWellFormedApiToken, wellFormedTokenIn } from '../domain/api-token-format.js';

/** Headers and body fields pino must never print (defence in depth: the req serializer prints no headers). */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-vmware-vcloud-access-token"]',
  'req.headers["x-vcloud-authorization"]',
  'req.headers["x-tessera-totp"]',
  'res.headers["x-vmware-vcloud-access-token"]',
  'res.headers["x-vcloud-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refresh_token',
  '*.access_token',
  '*.assertion',
  '*.client_secret',
  '*.token',
  '*.device_code',
  '*.user_code',
  '*.userCode',
  '*._csrf',
];

/**
 * A parameter name (decoded, lower-cased) that carries a secret: refresh_token, access_token, token, assertion,
 * password, currentPassword, client_secret, code, device_code, the portal's _csrf, and anything alike. Matched
 * by substring so that a near miss (`Refresh_Token`, `api_key`) is redacted too: redacting a harmless value
 * costs nothing, printing a secret cannot be undone.
 */
const SECRET_NAME = /token|passw|pwd|^pass$|secret|assertion|code|csrf|key|auth|otp|session|cookie|jwt|credential|signature|sig$/;

/**
 * Matched as written and with everything but its letters taken out, so that a separator, a digit or a control
 * character inside the name (`pass%00word`, `refresh-token`, `api.key`) hides nothing. Until 2026-12-05
 * `pass%00word=` and `pwd=` were logged with their values.
 */
export function isSecretParameterName(decodedName: string): boolean {
  const lower = decodedName.toLowerCase();
  return SECRET_NAME.test(lower) || SECRET_NAME.test(lower.replace(/[^a-z]/g, ''));
}

/** Percent-decodes what can be decoded and leaves malformed escapes as they are; '+' is a space (forms). */
function lenientDecode(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape; // one byte of a multi-byte character: no name we look for needs it
      }
    });
  }
}

/** Every spelling a name may stand for: as sent, decoded once, and decoded again (double encoding). */
function decodedForms(rawName: string): string[] {
  const forms = [rawName];
  for (let i = 0; i < 3; i++) {
    const next = lenientDecode(forms[forms.length - 1]!);
    if (next === forms[forms.length - 1]) break;
    forms.push(next);
  }
  return forms;
}

const REDACTED = '[redacted]';

/**
 * The URL as it may be logged: the path, and the query string with the value of every secret-bearing parameter
 * replaced. Parameters are split on '&' and at the first '=' (URLSearchParams and fastify's parser both do);
 * names are kept as sent, so the log shows what the client wrote. A fragment is never logged.
 */
export function redactUrl(url: string): string {
  return scrubApiTokensInUrl(redactSecretParameters(url));
}

function redactSecretParameters(url: string): string {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  const fragmentNote = hash === -1 ? '' : `#${REDACTED}`;
  if (question === -1) return withoutFragment + fragmentNote;
  const path = withoutFragment.slice(0, question);
  const query = withoutFragment.slice(question + 1);
  try {
    const parts = query.split('&').map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      // A bare token (`?<token>`) is no parameter name: the shape scrub below replaces it whole. Read as a name, its
      // random letters held `key` or `jwt` in one token of 300, and it was logged as `[redacted]=[redacted]`.
      if (eq === -1 && isWellFormedApiToken(rawName)) return part;
      if (decodedForms(rawName).some(isSecretParameterName)) return `${rawName}=${REDACTED}`;
      return part;
    });
    return `${path}?${parts.join('&')}${fragmentNote}`;
  } catch {
    return `${path}?${REDACTED}`; // cannot happen with the lenient decoder; if it did, the path alone is safe
  }
}

/**
 * API tokens by their shape, wherever they are: a 32-character base62 word (or a legacy `tsr_` token) whose
 * checksum holds, which is what the checksum is for. A token pasted into a path (`/oauth/tenant/acme/token/<it>`),
 * a filter value or a bare query string has no secret-bearing parameter name to be found by.
 */
export function scrubApiTokens(text: string): string {
  return text.replace(API_TOKEN_SEARCH_PATTERN, (candidate) => {
    const found = wellFormedTokenIn(candidate);
    return found ? candidate.slice(0, found.offset) + REDACTED + candidate.slice(found.offset + found.token.length) : candidate;
  });
}

/**
 * Session credentials by their shape in a URL: access tokens (JWTs) and legacy session ids (32 lower-case hex digits,
 * what `x-vcloud-authorization` carries), which a client may paste into a path or a filter as it may an API token.
 * Until 2026-12-05 only API tokens were recognised in URLs, so with `--request-log all` a session id in a path was
 * logged whole. A 32-hex path segment or value in a URL is rarely anything else; a UUID (with dashes) never matches.
 */
/**
 * A JWT (an access token) where a word begins: `eyJ`, its header, a dot, the rest. Only at the start of a run of
 * base64url characters and dots (a JWT's later parts are no JWTs of their own): tried at every `eyJ`, as until 2026-12-05, a URL of `eyJ` repeated 21,000 times cost 1.3 s of
 * backtracking per log line (each start scanned the whole run for a dot), which `--request-log all` made anyone's to
 * spend. A JWT glued to a preceding letter or digit in a URL (`%20eyJ...`) is found in the decoded pass.
 */
const JWT_LIKE = /(?<![0-9A-Za-z_.-])eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]*\.?[0-9A-Za-z_-]*/g;

const SESSION_CREDENTIAL_IN_URL = [
  JWT_LIKE,
  // A word of its own: a path segment or a value (`/api/<id>`, `(name==<id>)`, `/api/session/<id>.xml`, `<id>%20`),
  // not part of a longer name (`vm-<32 hex>`, `x_<32 hex>`, 33 hex digits). Until 2026-12-05 only `/=?&;,` could come
  // before it and `/?&;,#` after, so an id in parentheses, before a dot or before an encoded space was logged whole.
  /(?<![0-9A-Za-z_-])[0-9a-f]{32}(?![0-9A-Za-z_-])/g,
];

function scrubUrlCredentials(text: string): string {
  let out = scrubApiTokens(text);
  for (const pattern of SESSION_CREDENTIAL_IN_URL) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * What is left of an escape whose hex digit was taken into a token's run (`%36Sz…`: `%3`, then `6Sz…`, whose last
 * 32 characters are found as a token) before `[redacted]`. Dropped: it is half of the token's first character.
 */
const ESCAPE_CUT_BY_REDACTION = /%[0-9A-Fa-f]?\[redacted\]/g;

/** Credentials as sent, and credentials a client percent-encoded (a path is logged as sent). */
function scrubApiTokensInUrl(url: string): string {
  const scrubbed = scrubUrlCredentials(url).replace(ESCAPE_CUT_BY_REDACTION, REDACTED);
  if (!url.includes('%')) return scrubbed;
  const decoded = lenientDecode(scrubbed);
  const decodedScrubbed = scrubUrlCredentials(decoded);
  // Only a credential hidden by the encoding changes the decoded form: log that form then, with it gone.
  return decodedScrubbed === decoded ? scrubbed : decodedScrubbed;
}

/** Strings that look like credentials whatever field they are in: API tokens, JWTs, Basic credentials. */
const CREDENTIAL_LIKE = [
  /tsr_[0-9A-Za-z_-]{8,}/g, // the legacy API-token prefix (src/domain/api-token-legacy.ts), even cut short
  JWT_LIKE, // JWTs (access tokens)
  /\b(Basic|Bearer)\s+[0-9A-Za-z+/=._~-]{8,}/gi,
];

export function scrubCredentials(text: string): string {
  let out = scrubApiTokens(text);
  for (const pattern of CREDENTIAL_LIKE) out = out.replace(pattern, REDACTED);
  return out;
}

interface LoggedError {
  type?: string;
  message?: string;
  stack?: string;
  code?: string;
  statusCode?: number;
}

/** pino serializers for the server's logger: fastify's request shape with the URL redacted, and errors. */
export const LOG_SERIALIZERS = {
  req(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
  /**
   * Only the fields that explain a failure, scrubbed: an error's other properties (a driver's `detail`, a
   * parser's input) and even its message may quote request data.
   */
  err(error: unknown): LoggedError {
    if (!(error instanceof Error)) return { message: scrubCredentials(String(error)) };
    const e = error as Error & { code?: unknown; statusCode?: unknown };
    return {
      type: e.name,
      message: scrubCredentials(e.message),
      ...(e.stack ? { stack: scrubCredentials(e.stack) } : {}),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    };
  },
};
