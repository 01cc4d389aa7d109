/**
 * The RFC 6749 fields of an /oauth error (src/http/oauth-error.ts): the catalogue's own OAuth codes answered as
 * themselves, every other error by its status, and error_description in the characters RFC 6749 §5.2 allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, TesseraError, type ErrorCode } from '../../src/domain/errors.js';
import { oauthErrorBody, oauthErrorCode, oauthErrorDescription } from '../../src/http/oauth-error.js';

test('every lower-case catalogue code is its own OAuth error; the others map by status', () => {
  for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
    const error = new TesseraError(code, 'x');
    const want =
      code === code.toLowerCase()
        ? code
        : error.status === 401
          ? 'invalid_token'
          : error.status === 403
            ? 'access_denied'
            : error.status === 429 || error.status === 503
              ? 'temporarily_unavailable'
              : error.status >= 500
                ? 'server_error'
                : 'invalid_request';
    assert.equal(oauthErrorCode(error), want, code);
  }
});

test('error_description keeps to printable ASCII without quote or backslash; the body keeps VCD\u2019s fields', () => {
  assert.equal(oauthErrorDescription('Unsupported grant_type "pässword\\x"'), "Unsupported grant_type 'p?ssword/x'");
  // Typographic quotes become the ASCII apostrophe, not "?" (until 2026-12-05: "organization?s endpoint").
  assert.equal(oauthErrorDescription('at your own organization\u2019s \u201cendpoint\u201d'), "at your own organization's 'endpoint'");
  assert.deepEqual(oauthErrorBody('invalid_request', 'a "b"', 'invalid_request'), {
    minorErrorCode: 'invalid_request',
    message: 'a "b"',
    stackTrace: null,
    error: 'invalid_request',
    error_description: "a 'b'",
  });
});
