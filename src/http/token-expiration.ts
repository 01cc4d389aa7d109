/**
 * `Tessera-Authentication-Token-Expiration`: when the API token behind a request ends, on every answer to a request
 * authenticated by a session made from an API token that expires (in every area: /api, /cloudapi, /oauth), and on
 * the token exchange's answer itself. GitHub's `GitHub-Authentication-Token-Expiration`, in its format
 * (`2026-12-31 12:00:00 UTC`), so a script or a library that reads GitHub's reads this one the same way and can warn
 * before its token stops. No header for a token that never expires, a password session or a service account.
 *
 * The instant comes from the access token (`tex`, written when the session was minted) and the revocation view (a
 * regenerated token's grace, which brings its end forward): nothing is read from the store on the bearer check.
 */
export const TOKEN_EXPIRATION_HEADER = 'Tessera-Authentication-Token-Expiration';

/** `2026-12-31 12:00:00 UTC`: whole seconds, as GitHub writes it. */
export function tokenExpirationValue(atMs: number): string {
  const iso = new Date(atMs).toISOString(); // 2026-12-31T12:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
