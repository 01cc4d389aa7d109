/**
 * Revocation of an API token or a service account's refresh token by its value, whoever sends it: RFC 7009's
 * endpoint (`POST /oauth/.../revoke`) and GitHub's secret scanning (github-secret-scanning.ts) share this one path.
 */
import type { Services } from '../context.js';
import { hashApiToken, isWellFormedApiToken } from '../../domain/api-token-format.js';
import { HOLDER_REVOCATION, type PossessionRevocation, type PossessionRevocationNote } from '../../auth/api-tokens.js';

/** `token` must have the shape of an API token (isWellFormedApiToken); anything else is 'unknown'. */
export async function revokeTokenByValue(
  services: Services,
  token: string,
  ip: string,
  note: PossessionRevocationNote = HOLDER_REVOCATION,
): Promise<PossessionRevocation> {
  if (!isWellFormedApiToken(token)) return 'unknown';
  // A service account's refresh token has the same shape: whichever kind it is, it ends.
  const asServiceAccount = await services.serviceAccounts.revokeByPossession(hashApiToken(token), ip, note);
  if (asServiceAccount !== 'unknown') return asServiceAccount;
  return services.apiTokens.revokeByPossession(token, ip, note);
}
