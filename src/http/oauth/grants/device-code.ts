/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4) as govcd's
 * `ServiceAccount.GetInitialApiToken` sends it: `client_id` and `device_code` at the org's token endpoint. Until
 * an administrator decides: authorization_pending, slow_down, expired_token or access_denied (§3.5); once granted,
 * the service account's first refresh token and access token (vcd-wire §11 step 4).
 */
import type { GrantHandler } from './types.js';
import { TesseraError } from '../../../domain/errors.js';
import { basicClientId } from '../basic-client.js';
import type { OAuthTokenResponse } from '../../../schemas/wire.js';

export const deviceCodeGrant: GrantHandler = {
  grantType: 'urn:ietf:params:oauth:grant-type:device_code',
  parameters: ['client_id', 'device_code'],
  async handler({ services, path, params, request }) {
    // The body's client_id, or the one HTTP Basic names (basic-client.ts); both, they must agree.
    const fromHeader = basicClientId(request.headers.authorization);
    if (params.client_id !== undefined && fromHeader !== undefined && params.client_id !== fromHeader) {
      throw new TesseraError('invalid_request', 'client_id in the body and in the Authorization header differ');
    }
    const clientId = params.client_id ?? fromHeader;
    const answer = await services.serviceAccounts.deviceCodeGrant(path, clientId, params.device_code, request.ip);
    return answer satisfies OAuthTokenResponse;
  },
};
