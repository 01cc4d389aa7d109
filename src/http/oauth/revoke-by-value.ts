/**
 * Revocation of an API token or a service account's refresh token by its value, whoever sends it: RFC 7009's
 * endpoint (`POST /oauth/.../revoke`) and GitHub's secret scanning (github-secret-scanning.ts) share this one path.
 * Each caller checks the token's shape (its checksum) once, as it must anyway (the RFC 7009 route to tell an API
 * token from a session's token, GitHub's route to answer a false positive), and revokes by the hash it has (until
 * 2026-12-07 the checksum was computed three times on the RFC 7009 route, and the token hashed twice).
 */
import type { Services } from '../context.js';
import { HOLDER_REVOCATION, type PossessionRevocation, type PossessionRevocationNote } from '../../auth/api-tokens.js';

/** Revokes the token of this hash, whose shape (isWellFormedApiToken) the caller has checked. */
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
