/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4) as govcd's
 * `ServiceAccount.GetInitialApiToken` sends it: `client_id` and `device_code` at the org's token endpoint. Until
 * an administrator decides: authorization_pending, slow_down, expired_token or access_denied (§3.5); once granted,
 * the service account's first refresh token and access token (vcd-wire §11 step 4).
 */
import type { GrantHandler } from './types.js';
import type { OAuthTokenResponse } from '../../../schemas/wire.js';

export const deviceCodeGrant: GrantHandler = {
  grantType: 'urn:ietf:params:oauth:grant-type:device_code',
  parameters: ['client_id', 'device_code'],
  async handler({ services, path, params, request }) {
    const answer = await services.serviceAccounts.deviceCodeGrant(path, params.client_id, params.device_code, request.ip);
    return answer satisfies OAuthTokenResponse;
  },
};
