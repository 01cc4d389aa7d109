/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523) as VCD uses it to mint an API token:
 * `assertion` is the caller's current password-session access token, `client_id` what /register returned.
 * The answer carries the API token in `refresh_token`, exactly once (vcd-wire §4.2).
 */
import type { GrantHandler } from './types.js';
import type { OAuthTokenResponse } from '../../../schemas/wire.js';
import { TOKEN_EXPIRATION_HEADER, tokenExpirationValue } from '../../token-expiration.js';

export const jwtBearerGrant: GrantHandler = {
  grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  parameters: ['assertion', 'client_id'],
  async handler({ services, path, params, request, reply }) {
    const minted = await services.apiTokens.mint(path, params.client_id, params.assertion, request.ip);
    if (minted.apiTokenExpiresAt !== null) reply.header(TOKEN_EXPIRATION_HEADER, tokenExpirationValue(minted.apiTokenExpiresAt));
    return {
      access_token: minted.accessToken,
      token_type: 'Bearer',
      expires_in: minted.expiresIn,
      refresh_token: minted.apiToken,
    } satisfies OAuthTokenResponse;
  },
};
