/**
 * `grant_type=refresh_token`: trade an API token for an access token (vcd-wire §5), dispatched by what the
 * token is. User API tokens are not rotated: `refresh_token` is null in the answer (VCD's contract, vcd-wire §5.2)
 * and the same token keeps working until revoked or expired. Some generic OAuth libraries expect a string or no
 * member there (docs/design.md, "Beyond VCD: standard OAuth endpoints", says which and what to do). A service account's token rotates: the answer carries its successor and the
 * presented one is spent (auth/service-accounts.ts).
 */
import type { GrantHandler } from './types.js';
import type { OAuthTokenResponse } from '../../../schemas/wire.js';
import { TesseraError, tooManyRequests } from '../../../domain/errors.js';
import type { Services } from '../../context.js';
import { digestKey } from '../../../auth/rate-limiter.js';
import { TOKEN_EXPIRATION_HEADER, tokenExpirationValue } from '../../token-expiration.js';
import { basicClientId } from '../basic-client.js';

/** Per-token limit (the per-IP one ran before): a leaked token hammered from many addresses is still braked. */
function limitPerToken(services: Services, hash: string): void {
  const retryAfter = services.limits.tokenPerToken.hit(digestKey(hash));
  if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests for this API token; retry later');
}

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token'],
  async handler({ services, path, params, request, reply }) {
    // A client that names itself (the body's client_id, or HTTP Basic as for the device code) must be the one the
    // token was issued to (RFC 6749 §6): a service account's refresh token presented as another client's is
    // refused and spends nothing. Most clients name none, and that is fine: the token alone identifies its client.
    const fromHeader = basicClientId(request.headers.authorization);
    if (params.client_id !== undefined && fromHeader !== undefined && params.client_id !== fromHeader) {
      throw new TesseraError('invalid_request', 'client_id in the body and in the Authorization header differ');
    }
    const clientId = params.client_id || fromHeader || undefined;
    // Anonymous arrows, not named closures: a named one per request costs a keepNames wrapper under tsx.
    const result = await services.apiTokens.exchange(
      path,
      params.refresh_token,
      request.ip,
      (hash) => limitPerToken(services, hash),
      (hash) => services.serviceAccounts.exchange(path, hash, request.ip, params.scope, clientId),
      params.scope,
      clientId,
    );
    if (result.other !== undefined) return result.other satisfies OAuthTokenResponse;
    const { accessToken, expiresIn, scope, apiTokenExpiresAt } = result;
    // When the API token ends, as GitHub says it of an expiring token (http/token-expiration.ts).
    if (apiTokenExpiresAt !== null) reply.header(TOKEN_EXPIRATION_HEADER, tokenExpirationValue(apiTokenExpiresAt));
    // A narrowed token's session says its scope (RFC 6749 §5.1), as introspection does.
    return scope === null
      ? ({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, refresh_token: null } satisfies OAuthTokenResponse)
      : ({
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: expiresIn,
          refresh_token: null,
          scope,
        } satisfies OAuthTokenResponse);
  },
};
