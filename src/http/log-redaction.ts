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
 * JWTs (access tokens) wherever they are, glued to what comes before them too (`a.eyJ...`, `x-eyJ...`, `zz<jwt>`: until
 * 2026-12-05 only one where a word began was found, so these were logged whole with `--request-log all`). Read in
 * one pass: each run of base64url characters and dots is split at its dots once, and a JWT starts in the first
 * part that holds `eyJ` and at least 8 more characters before the next dot; from there, that part's tail and the
 * next two parts are the token. (A regular expression tried at every `eyJ` scanned the whole run each time: a URL
 * of `eyJ` repeated 21,000 times cost 1.3 s per log line.) A word that merely holds `eyJ` before a dot is
 * redacted too: in a log line, a false alarm costs less than a token.
 */
const BASE64URL_AND_DOTS = /[0-9A-Za-z_.-]{11,}/g;

function scrubJwtsInRun(run: string): string {
  if (!run.includes('eyJ')) return run;
  const parts = run.split('.');
  for (let k = 0; k < parts.length - 1; k++) {
    const at = parts[k]!.indexOf('eyJ');
    if (at === -1 || parts[k]!.length - at - 3 < 8) continue;
    const before = [...parts.slice(0, k), parts[k]!.slice(0, at)].join('.');
    const after = parts.slice(k + 3);
    return before + REDACTED + (after.length > 0 ? `.${after.join('.')}` : '');
  }
  return run;
}

function scrubJwts(text: string): string {
  return text.includes('eyJ') ? text.replace(BASE64URL_AND_DOTS, scrubJwtsInRun) : text;
}

const SESSION_CREDENTIAL_IN_URL = [
  // A word of its own: a path segment or a value (`/api/<id>`, `(name==<id>)`, `/api/session/<id>.xml`, `<id>%20`),
  // not part of a longer name (`vm-<32 hex>`, `x_<32 hex>`, 33 hex digits). Until 2026-12-05 only `/=?&;,` could come
  // before it and `/?&;,#` after, so an id in parentheses, before a dot or before an encoded space was logged whole.
  /(?<![0-9A-Za-z_-])[0-9a-f]{32}(?![0-9A-Za-z_-])/g,
];

function scrubUrlCredentials(text: string): string {
  let out = scrubJwts(scrubApiTokens(text));
  for (const pattern of SESSION_CREDENTIAL_IN_URL) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * What is left of an escape whose hex digit was taken into a token's run (`%36Sz…`: `%3`, then `6Sz…`, whose last
 * 32 characters are found as a token) before `[redacted]`. Dropped: it is half of the token's first character.
 */
const ESCAPE_CUT_BY_REDACTION = /%[0-9A-Fa-f]?\[redacted\]/g;

/**
 * Credentials as sent, and credentials a client percent-encoded, once or up to three times (a path is logged as
 * sent). Until 2026-12-05 a value encoded twice (`%2554%2551...`) was decoded once and logged whole.
 */
function scrubApiTokensInUrl(url: string): string {
  const scrubbed = scrubUrlCredentials(url).replace(ESCAPE_CUT_BY_REDACTION, REDACTED);
  let current = scrubbed;
  for (let pass = 0; pass < 3 && current.includes('%'); pass++) {
    const decoded = lenientDecode(current);
    if (decoded === current) break;
    const decodedScrubbed = scrubUrlCredentials(decoded);
    // Only a credential hidden by the encoding changes the decoded form: log that form then, with it gone.
    if (decodedScrubbed !== decoded) return decodedScrubbed;
    current = decoded;
  }
  return scrubbed;
}

/** Strings that look like credentials whatever field they are in: API tokens, JWTs, Basic credentials. */
const CREDENTIAL_LIKE = [
  /tsr_[0-9A-Za-z_-]{8,}/g, // the legacy API-token prefix (src/domain/api-token-legacy.ts), even cut short
  /\b(Basic|Bearer)\s+[0-9A-Za-z+/=._~-]{8,}/gi,
];

export function scrubCredentials(text: string): string {
  let out = scrubJwts(scrubApiTokens(text));
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
