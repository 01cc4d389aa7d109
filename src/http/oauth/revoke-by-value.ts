/**
 * Revocation of an API token or a service account's refresh token by its value, whoever sends it: RFC 7009's
 * endpoint (`POST /oauth/.../revoke`) and GitHub's secret scanning (github-secret-scanning.ts) share this one path.
 * The token's shape (its checksum) is checked once per token: here, or by the RFC 7009 route, which tells an API
 * token from a session's token by it and then revokes by the hash (until 2026-12-07 the checksum was computed three
 * times on that route, and the token hashed twice).
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
  return revokeWellFormedToken(services, hashApiToken(token), ip, note);
}

/** The same for a token whose shape the caller has checked, by its hash (hashApiToken). */
export async function revokeWellFormedToken(
  services: Services,
  tokenHash: string,
  ip: string,
  note: PossessionRevocationNote = HOLDER_REVOCATION,
): Promise<PossessionRevocation> {
  // A service account's refresh token has the same shape: whichever kind it is, it ends.
  const asServiceAccount = await services.serviceAccounts.revokeByPossession(tokenHash, ip, note);
  if (asServiceAccount !== 'unknown') return asServiceAccount;
  return services.apiTokens.revokeByPossession(tokenHash, ip, note);
}
