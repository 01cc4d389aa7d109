/**
 * Who is calling, decided once per request (DESIGN.md "How a request flows", step 2).
 * Handlers never look at headers or claims themselves: they get a Principal and ask the policy
 * (`domain/policy.ts`) what it may do.
 */
export type SessionKind = 'password' | 'api_token' | 'service_account';

export interface Principal {
  readonly userId: string; // bare UUID
  readonly userName: string;
  readonly orgId: string; // bare UUID
  readonly orgName: string;
  /** True when the user belongs to the System (provider) org. */
  readonly isSystemOrg: boolean;
  readonly roleId: string;
  readonly roleName: string;
  /** Right names (VCD's internal names, e.g. "API Tokens: Manage") of the user's role, effective now. */
  readonly rights: ReadonlySet<string>;
  readonly sessionId: string; // bare UUID; also the access token's `jti`
  readonly kind: SessionKind;
  /** The API token (its client_id, a bare UUID) this session was made from, for `api_token` sessions. */
  readonly apiTokenId: string | null;
  readonly issuedAt: number; // epoch seconds
  /**
   * When the credentials behind this session were read (epoch ms; the access token's `ims`): a user's cut-off at or
   * after it (password change, disable, "end all sessions") ends the session, as RevocationView.isRevoked judges.
   */
  readonly credentialsReadAtMs: number;
  readonly expiresAt: number; // epoch seconds
  /**
   * The access token's signed `exp` (epoch seconds): `expiresAt` or later, when the node that minted it has a longer
   * lifetime than this one's horizon. Other nodes accept the token until then.
   */
  readonly signedExpiresAt: number;
  /**
   * When the API token of an `api_token` session stops (epoch ms): its expiry, or the end of a regeneration's grace
   * when that comes first. Null or absent when it does not expire (and for other sessions).
   */
  readonly apiTokenExpiresAt?: number | null;
}
