/**
 * The token endpoint's answer as JSON: the bytes `JSON.stringify` writes for it, without `JSON.stringify`'s scan of
 * the access token for characters to escape. That token is about 600 characters, and the scan was 0.9 of the 1.1 µs
 * the answer's JSON took per exchange in a loop (more under load: docs/performance.md, §1).
 *
 * Safe by construction: every grant's access token is Tessera's own JWS (auth/jwt-hs256.ts), three base64url parts
 * joined by dots, none of which JSON escapes (`test/http/oauth/token-answer-json.test.ts` checks the signer's
 * output for every kind of payload). Every other member goes through `JSON.stringify`, in the object's order;
 * `access_token` is written first, where every grant's answer has it.
 */
import type { OAuthTokenResponse } from '../../schemas/wire.js';

export function tokenAnswerJson(answer: OAuthTokenResponse): string {
  let json = `{"access_token":"${answer.access_token}"`;
  for (const key in answer) {
    if (key === 'access_token') continue;
    const value = answer[key as keyof OAuthTokenResponse];
    if (value !== undefined) json += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return `${json}}`;
}
