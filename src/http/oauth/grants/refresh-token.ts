/**
 * `grant_type=refresh_token`: trade an API token for an access token (vcd-wire §5). User API tokens are not
 * rotated: `refresh_token` is null in the answer and the same token keeps working until revoked or expired.
 */
import type { GrantHandler } from './types.js';
import { hashApiToken, isWellFormedApiToken } from '../../../domain/api-token-format.js';
import { tooManyRequests } from '../../errors.js';
import { invalidGrant } from '../../../auth/api-tokens.js';

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token'],
  async handler({ services, path, params, request }) {
    const token = params.refresh_token;
    if (typeof token !== 'string' || !isWellFormedApiToken(token)) throw invalidGrant();
    // Per-token limit (the per-IP one ran before): a leaked token hammered from many addresses is still braked.
    const retryAfter = services.limits.tokenPerToken.hit(hashApiToken(token));
    if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests for this API token; retry later');
    const { accessToken, expiresIn } = await services.apiTokens.exchange(path, token, request.ip);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, refresh_token: null };
  },
};
