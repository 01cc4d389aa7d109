/**
 * The token endpoint's answer written without JSON.stringify's escape scan of the access token
 * (src/http/oauth/token-answer-json.ts): the same bytes as JSON.stringify for every answer a grant can give, and the
 * fact that makes it safe, that the signer's output never holds a character JSON escapes, whatever the payload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Hs256Signer } from '../../../src/auth/jwt-hs256.js';
import { tokenAnswerJson } from '../../../src/http/oauth/token-answer-json.js';
import type { OAuthTokenResponse } from '../../../src/schemas/wire.js';

const signer = new Hs256Signer(randomBytes(32), randomUUID());
const JWS_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u2028', '\ud800', '</script>'));

test('the signer writes only base64url and dots, whatever the payload holds (nothing for JSON to escape)', () => {
  fc.assert(
    fc.property(fc.dictionary(anyText, fc.jsonValue()), fc.array(anyText, { maxLength: 5 }), (payload, rights) => {
      const token = signer.sign({ ...payload, scp: rights });
      assert.match(token, JWS_TEXT);
      assert.equal(JSON.stringify(token), `"${token}"`);
    }),
    { numRuns: 300 },
  );
});

test('every answer a grant gives is written byte for byte as JSON.stringify writes it', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
      fc.integer({ min: 0, max: 86_400 }),
      fc.option(anyText, { nil: undefined }),
      fc.oneof(fc.constant(null), fc.constant(undefined), anyText),
      (payload, expiresIn, scope, refreshToken) => {
        const answer: OAuthTokenResponse = { access_token: signer.sign(payload), token_type: 'Bearer', expires_in: expiresIn };
        if (refreshToken !== undefined) answer.refresh_token = refreshToken;
        if (scope !== undefined) answer.scope = scope;
        assert.equal(tokenAnswerJson(answer), JSON.stringify(answer));
      },
    ),
    { numRuns: 500 },
  );
  // The shapes the grants return, in their order (refresh-token.ts, jwt-bearer.ts, device-code.ts, service accounts).
  const accessToken = signer.sign({ sub: 'alice' });
  for (const answer of [
    { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: null },
    { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: null, scope: 'read-only' },
    { access_token: accessToken, token_type: 'Bearer', expires_in: 60, refresh_token: 'vcd_x"y' },
    { access_token: accessToken, token_type: 'Bearer', expires_in: 60, refresh_token: undefined },
  ] satisfies OAuthTokenResponse[]) {
    assert.equal(tokenAnswerJson(answer), JSON.stringify(answer));
  }
});
