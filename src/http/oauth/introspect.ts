/**
 * RFC 7662 token introspection: `POST /oauth/tenant/{org}/introspect` (or `/oauth/provider/introspect`) with
 * `token=<API token, access token or legacy session id>`, authenticated by the caller's Bearer (§2.1: the endpoint must not be
 * open). The caller learns about a token only when the policy lets it see that token: its own (and a token session,
 * whatever its scope, the token it was made from), or its org's
 * with "API Tokens: Manage All", or any org's for the provider; a service account's with "Service Accounts: View"
 * in its org. Everything else, unknown, revoked, expired or
 * not visible alike, is `{"active": false}` (§2.2), so the endpoint is no oracle.
 */
import type { Services } from '../context.js';
import type { Principal } from '../../domain/principal.js';
import { TesseraError, tooManyRequests } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import { hashApiToken, isWellFormedApiToken } from '../../domain/api-token-format.js';
import { SYSTEM_ORG_ID, isSystemOrgName } from '../../domain/rights.js';
import { issuerOf } from './issuer.js';

type Introspection = Record<string, string | number | boolean | null>;
const INACTIVE: Introspection = { active: false };
const seconds = (ms: number | null) => (ms === null ? undefined : Math.floor(ms / 1000));

/**
 * What kind of token was introspected. `token_type` is RFC 7662's "type of the token as defined in RFC 6749 §5.1",
 * so an access token is `Bearer`, as Keycloak and Ory Hydra answer; an API token (an OAuth refresh token) has no
 * such type and keeps `refresh_token`. `token_use` names the kind for both, as Hydra does. Until 2026-12-05 an
 * access token's `token_type` was `access_token`, which a resource server checking for `Bearer` refused.
 */
const REFRESH_TOKEN = { token_type: 'refresh_token', token_use: 'refresh_token' } as const;
const ACCESS_TOKEN = { token_type: 'Bearer', token_use: 'access_token' } as const;

/** `scope` of RFC 7662 §2.2 when the API token was narrowed (`read-only` or a role URN); absent when it was not. */
const scopeOf = (scope: string | null | undefined): { scope?: string } => (scope ? { scope } : {});

async function introspectApiToken(services: Services, caller: Principal, base: string, token: string): Promise<Introspection> {
  const hash = hashApiToken(token);
  const row = await services.store.getApiTokenByHash(hash);
  if (!row) return introspectServiceAccountToken(services, caller, base, hash);
  if (row.secret_hash === null || row.revoked_at !== null || services.revocations.isApiTokenRevoked(row.id)) return INACTIVE;
  if (row.expires_at !== null && Number(row.expires_at) <= Date.now()) return INACTIVE;
  // A session made from this very token sees it whatever its scope (domain/policy.ts canTouchApiToken): until
  // 2026-12-06 a read-only token's session was told its own live token was inactive.
  if (!can(caller, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) return INACTIVE;
  const [owner, org] = await Promise.all([services.store.getUser(row.user_id), services.store.getOrg(row.org_id)]);
  // Active means usable now (RFC 7662 §2.2): the exchange refuses a disabled owner's tokens and a disabled org's.
  // Until 2026-12-05 a disabled org's tokens were introspected active.
  if (!owner || owner.is_enabled !== 1 || !org || org.is_enabled !== 1) return INACTIVE;
  return {
    active: true,
    ...REFRESH_TOKEN,
    client_id: row.id,
    sub: `urn:vcloud:user:${row.user_id}`,
    username: owner.name,
    org: org.name,
    iss: issuerOf(base, org),
    iat: seconds(Number(row.minted_at ?? row.created_at))!,
    ...(row.expires_at !== null ? { exp: seconds(Number(row.expires_at))! } : {}),
    ...scopeOf(row.scope),
  };
}

/**
 * Whether `caller` may learn about service account `accountId`'s credentials (its refresh token, its sessions): a
 * service account's own session, about itself; a password session, with "Service Accounts: View" in the account's
 * org. A session made from a user's API token never: it sees the credential it came from and no other, on every
 * surface (docs/security.md). Until 2026-12-05 a token session with that right was told whether a service
 * account's token it held was live, without spending it.
 */
function mayIntrospectServiceAccount(caller: Principal, accountId: string, orgId: string): boolean {
  if (caller.kind === 'service_account') return caller.userId === accountId;
  return caller.kind === 'password' && can(caller, 'serviceAccount.view', { orgId });
}

/** A service account's live (unspent) refresh token, for whoever may see the account's credentials. */
async function introspectServiceAccountToken(services: Services, caller: Principal, base: string, hash: string): Promise<Introspection> {
  const live = await services.serviceAccounts.liveToken(hash);
  if (!live || !mayIntrospectServiceAccount(caller, live.account.id, live.account.org_id)) return INACTIVE;
  const org = await services.store.getOrg(live.account.org_id);
  if (!org || org.is_enabled !== 1) return INACTIVE;
  return {
    active: true,
    ...REFRESH_TOKEN,
    client_id: live.account.id,
    sub: `urn:vcloud:serviceAccount:${live.account.id}`,
    username: live.account.name,
    org: org.name,
    iss: issuerOf(base, org),
    iat: seconds(Number(live.token.created_at))!,
    ...(live.account.authorized_until === null ? {} : { exp: seconds(Number(live.account.authorized_until))! }),
    // Tessera extension: the token is spent on its next use (service accounts rotate).
    rotating: true,
  };
}

async function introspectAccessToken(services: Services, caller: Principal, base: string, token: string): Promise<Introspection> {
  let subject;
  try {
    // A legacy session id (`x-vcloud-authorization`, 32 characters; an access token is always longer) stands for the
    // session's access token, as at the revocation endpoint, which ends it (sessions.endByPossession). Until
    // 2026-12-07 a live one was introspected `{"active": false}`.
    subject = await services.authenticator.authenticate({ kind: token.length === 32 ? 'legacy' : 'access_token', value: token });
  } catch {
    return INACTIVE;
  }
  const serviceAccount = subject.kind === 'service_account';
  // A token session sees the sessions of the token it came from, and no other of its owner's (as on every surface,
  // docs/security.md); until 2026-12-05 it was shown all of them here.
  const ownSession = subject.userId === caller.userId && (caller.kind !== 'api_token' || subject.apiTokenId === caller.apiTokenId);
  const visible = serviceAccount
    ? mayIntrospectServiceAccount(caller, subject.userId, subject.orgId)
    : ownSession ||
      can(caller, 'apiToken.view', { orgId: subject.orgId, ownerId: subject.userId, tokenId: subject.apiTokenId ?? undefined });
  if (!visible) return INACTIVE;
  // The session's scope is its API token's: read from the token's row (introspection is not a hot path).
  const apiToken = subject.apiTokenId ? await services.store.getApiToken(subject.apiTokenId) : undefined;
  return {
    active: true,
    ...ACCESS_TOKEN,
    sub: serviceAccount ? `urn:vcloud:serviceAccount:${subject.userId}` : `urn:vcloud:user:${subject.userId}`,
    username: subject.userName,
    org: subject.orgName,
    session_id: `urn:vcloud:session:${subject.sessionId}`,
    session_kind: subject.kind,
    // The client the session was issued to: its API token, or the service account (whose refresh token introspects
    // with the same client_id). A password session has none, so the member is left out (RFC 7662 §2.2 makes it a
    // string; until 2026-12-05 it was null).
    ...(serviceAccount ? { client_id: subject.userId } : subject.apiTokenId ? { client_id: subject.apiTokenId } : {}),
    iss: issuerOf(base, { name: subject.orgName, id: subject.orgId }),
    iat: subject.issuedAt,
    exp: subject.expiresAt,
    ...scopeOf(apiToken?.scope),
  };
}

/**
 * The answer for `token`, as `caller` may see it at the endpoint of `pathOrg` (undefined: the provider's). `base` is
 * the server's public base URL, from which `iss` is made: the issuer of the token's org, as its RFC 8414 metadata
 * names it.
 */
export async function introspect(
  services: Services,
  caller: Principal,
  ip: string,
  base: string,
  pathOrg: string | undefined,
  token: string | undefined,
): Promise<Introspection> {
  const retryAfter = services.limits.tokenPerIp.hit(ip);
  if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests from this address; retry later');
  // The endpoint answers for the org in its path: a tenant's endpoint is not the provider's, and the System org's is
  // /oauth/provider only, as for every other OAuth endpoint (until 2026-12-05 /oauth/tenant/System/introspect answered).
  const callerOnPath =
    pathOrg === undefined
      ? caller.orgId === SYSTEM_ORG_ID
      : !isSystemOrgName(pathOrg) && pathOrg.toLowerCase() === caller.orgName.toLowerCase();
  if (!callerOnPath) throw new TesseraError('ACCESS_TO_RESOURCE_IS_FORBIDDEN', "Introspect at your own organization's endpoint");
  if (!token) throw new TesseraError('invalid_request', 'token is required');
  return isWellFormedApiToken(token)
    ? introspectApiToken(services, caller, base, token)
    : introspectAccessToken(services, caller, base, token);
}
