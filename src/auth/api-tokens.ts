/**
 * User-generated API tokens, VCD 10.3.1 semantics (vcd-wire §4-6, §12):
 *   register (a named OAuth client, from a password session)
 *   -> mint (one-shot jwt-bearer grant: the token is returned exactly once)
 *   -> exchange (refresh_token grant: a short-lived access token; the API token is not rotated)
 *   -> revoke (the token and every session made from it stop working on the next request).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  LAST_USED_IPS_KEPT,
  NO_INVENTORY_WRITE,
  type Store,
  type ApiTokenRow,
  type ExchangeTokenRow,
  type Executor,
  type Org,
} from '../store/store.js';
import { endsTooSoon, type AccessTokenService } from './access-tokens.js';
import type { Authenticator } from './authenticator.js';
import type { RevocationView } from './revocation-view.js';
import type { Identity, IdentityCache } from './identity-cache.js';
import type { AuditInput, AuditLog } from './audit.js';
import type { TokenUsageRecorder } from './token-usage.js';
import type { Principal } from '../domain/principal.js';
import { lockEnabledOwner, ownerRefusal } from './session-stands.js';
import { TesseraError, badRequest, forbidden, unauthenticated } from '../domain/errors.js';
import { can, effectiveRights, refusal } from '../domain/policy.js';
import { apiTokenStart, generateApiToken, hasApiTokenLength, hashApiToken, isWellFormedApiToken } from '../domain/api-token-format.js';
import { READ_ONLY_RIGHTS, SYSTEM_ORG_ID, isSystemOrgName } from '../domain/rights.js';
import { LATEST_EXPIRY_MS, parseInstant } from '../domain/instant.js';
import { displayNameProblem } from '../domain/user-name.js';

/** Where a token request arrived: `/oauth/provider/...` or `/oauth/tenant/{org}/...`. */
export type OAuthOrgPath = { kind: 'provider' } | { kind: 'tenant'; orgName: string };

export const MAX_TOKEN_NAME_LENGTH = 128;

/** The longest grace a Regenerate may leave the old token: 7 days (the portal offers none, 1 hour, 1 day, 7 days). */
export const MAX_REGENERATE_GRACE_SECONDS = 7 * 86_400;

/** A user API token's exchange; `other` is set instead when the token was another kind's (see exchange). */
/** `scope`: a narrowed token's (`read-only` or a role URN), null for a token with its owner's rights. */
export type ExchangeResult = {
  accessToken: string;
  expiresIn: number;
  tokenId: string;
  scope: string | null;
  /** When the API token expires (epoch ms), null when never: the answer's Tessera-Authentication-Token-Expiration. */
  apiTokenExpiresAt: number | null;
  other?: undefined;
};

/**
 * Minted API-token rows by secret hash, so a script exchanging its token again skips the store. Safe because
 * the fields an exchange reads never change after minting except `revoked_at`, and every revocation, local or
 * from another node, evicts the entry (and is checked in the revocation view as well). Entries also expire
 * after CACHE_TTL_MS as a bound on anything missed.
 */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 20_000;

type DeadTokenReason = 'revoked' | 'expired';

class MintedTokenCache {
  private readonly byHash = new Map<string, { row: ExchangeTokenRow; loadedAt: number }>();
  private readonly hashById = new Map<string, string>();
  /**
   * Tokens refused for good, by secret hash: revoked (a revocation is never undone) or expired (an expiry is only
   * ever brought forward, by a Regenerate's grace). A script retrying a dead token is then refused from memory,
   * not by a read of the store per attempt: at a thousand retries a second that read was most of a node's work.
   * It can only ever refuse, never accept, so it needs no eviction; it is bounded like the live entries.
   */
  private readonly deadByHash = new Map<string, { row: ExchangeTokenRow; reason: DeadTokenReason }>();

  get(hash: string, now: number): ExchangeTokenRow | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (now - entry.loadedAt > CACHE_TTL_MS) {
      this.evictId(entry.row.id);
      return undefined;
    }
    return entry.row;
  }

  put(hash: string, row: ExchangeTokenRow, now: number): void {
    if (this.byHash.size >= CACHE_MAX) {
      this.byHash.clear();
      this.hashById.clear();
    }
    this.byHash.set(hash, { row, loadedAt: now });
    this.hashById.set(row.id, hash);
  }

  dead(hash: string): { row: ExchangeTokenRow; reason: DeadTokenReason } | undefined {
    return this.deadByHash.get(hash);
  }

  putDead(hash: string, row: ExchangeTokenRow, reason: DeadTokenReason): void {
    if (this.deadByHash.size >= CACHE_MAX) this.deadByHash.clear();
    this.deadByHash.set(hash, { row, reason });
    this.evictId(row.id);
  }

  evictId(id: string): void {
    const hash = this.hashById.get(id);
    if (hash === undefined) return;
    this.hashById.delete(id);
    this.byHash.delete(hash);
  }
}

/**
 * How long a registration waits for its one-shot mint. VCD's clients mint right after registering; a row left
 * unminted longer is dropped by housekeeping (auth/housekeeping.ts) and can no longer be minted.
 */
export const REGISTRATION_TTL_MS = 15 * 60_000;
/** How far past an org's lifetime cap a requested expiry is taken as the cap (a client's clock ahead of ours). */
export const CAP_CLOCK_TOLERANCE_MS = 5 * 60_000;

/** What an idle revocation's audit event says in `via` (auth/idle-tokens.ts); the token lists read it back. */
export const IDLE_REVOCATION_VIA = 'unused for longer than the organization allows (API token policy)';

/** The scope that keeps only the rights to read (domain/rights.ts READ_ONLY_RIGHTS). */
export const READ_ONLY_SCOPE = 'read-only';

/** The rights a narrowed token was given (null: the owner's, unnarrowed). A damaged value grants nothing. */
export function scopeRightsOf(row: Pick<ApiTokenRow, 'scope' | 'scope_rights'>): string[] | null {
  if (row.scope === null && row.scope_rights === null) return null;
  try {
    const parsed = JSON.parse(row.scope_rights ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * RFC 6749 §6 lets a refresh grant ask for a scope no wider than the token's. A token's scope is fixed when it is
 * created (docs/service-accounts.md, narrowed tokens): the grant may name the token's own scope, and nothing else.
 * Refused rather than ignored (until 2026-12-05 it was ignored): a client that asked for `read-only` believed it
 * held a read-only session while it held its owner's rights. An empty parameter asks for nothing.
 */
function checkRequestedScope(requested: string, tokenScope: string | null): void {
  const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  if (asked.length === 0 || (asked.length === 1 && asked[0] === tokenScope)) return;
  throw new TesseraError(
    'invalid_scope',
    tokenScope === null
      ? "This API token carries its owner's rights and the token endpoint cannot narrow it: leave scope out, or create a " +
          'token narrowed to "read-only" or a role'
      : `This API token's scope is "${tokenScope}": leave scope out, or send exactly that`,
  );
}

/**
 * The one answer for every bad refresh token: unknown, revoked, expired, other org, malformed (vcd-wire §5.3), a
 * user's or a service account's alike (no oracle). Its body is VCD's byte for byte,
 * `{"minorErrorCode":"invalid_grant","message":"Invalid refresh token","stackTrace":null}`, as VCD's clients and the
 * scripts written against VCD see it, without the RFC 6749 fields the other OAuth errors carry.
 */
export const invalidGrant = () => new TesseraError('invalid_grant', 'Invalid refresh token', { vcdBodyOnly: true });

/**
 * Whether a client_id a refresh names is the client a token was issued to: the id register returned, or its URN
 * (`urn:vcloud:token:…`, `urn:vcloud:serviceAccount:…`, as the entities show it), in any case.
 */
export function sameClientId(clientId: string, id: string, kind: 'token' | 'serviceAccount'): boolean {
  const bare = clientId.toLowerCase().startsWith(`urn:vcloud:${kind.toLowerCase()}:`)
    ? clientId.slice(`urn:vcloud:${kind}:`.length)
    : clientId;
  return bare.toLowerCase() === id.toLowerCase();
}

/** What a revocation by possession found: a live token (revoked now), a revoked one, or none of this installation's. */
export type PossessionRevocation = 'revoked' | 'alreadyRevoked' | 'unknown';

/** Who revoked a token by possession, in its audit event: `via`, and details to add (the leak's URL). */
export interface PossessionRevocationNote {
  via: string;
  details?: Record<string, string>;
}

/** The RFC 7009 endpoint's caller: whoever holds the token. */
export const HOLDER_REVOCATION: PossessionRevocationNote = { via: 'oauth revocation endpoint (token holder)' };

export class ApiTokenService {
  private readonly store: Store;
  private readonly accessTokens: AccessTokenService;
  private readonly authenticator: Authenticator;
  private readonly revocations: RevocationView;
  private readonly identities: IdentityCache;
  private readonly audit: AuditLog;
  private readonly usage: TokenUsageRecorder;
  /** The lifetime limit of an org's new tokens: its policy within the installation's ceiling (api-token-policy.ts). */
  private readonly maxDaysFor: (org: Org | undefined) => number | null;
  private readonly minted = new MintedTokenCache();

  constructor(deps: {
    store: Store;
    accessTokens: AccessTokenService;
    authenticator: Authenticator;
    revocations: RevocationView;
    identities: IdentityCache;
    audit: AuditLog;
    usage: TokenUsageRecorder;
    tokenPolicy?: { maxDaysFor(org: Org | undefined): number | null };
  }) {
    this.store = deps.store;
    this.accessTokens = deps.accessTokens;
    this.authenticator = deps.authenticator;
    this.revocations = deps.revocations;
    this.identities = deps.identities;
    this.audit = deps.audit;
    this.usage = deps.usage;
    this.maxDaysFor = deps.tokenPolicy ? (org) => deps.tokenPolicy!.maxDaysFor(org) : (org) => org?.max_token_lifetime_days ?? null;
    deps.store.bus.subscribe((event) => {
      if (event.kind === 'api_token') this.minted.evictId(event.subject);
    });
  }

  /** True when the org named by the path is the principal's org (System only at /provider). */
  private pathMatchesOrg(path: OAuthOrgPath, org: { id: string; name: string }): boolean {
    if (path.kind === 'provider') return org.id === SYSTEM_ORG_ID;
    return !isSystemOrgName(path.orgName) && path.orgName.toLowerCase() === org.name.toLowerCase();
  }

  /** Step 1: `POST /oauth/.../register {"client_name"}`. Creates the token entity, not yet its secret. */
  async register(
    principal: Principal,
    path: OAuthOrgPath,
    input: { name: unknown; expiresAt?: unknown; scope?: unknown },
    ip: string,
  ): Promise<ApiTokenRow> {
    if (!this.pathMatchesOrg(path, { id: principal.orgId, name: principal.orgName })) throw forbidden();
    if (!can(principal, 'apiToken.create', { orgId: principal.orgId })) throw refusal(principal, 'apiToken.create');
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0) throw new TesseraError('invalid_request', 'client_name is required');
    if (name.length > MAX_TOKEN_NAME_LENGTH)
      throw new TesseraError('invalid_request', `client_name must be at most ${MAX_TOKEN_NAME_LENGTH} characters`);
    const nameProblem = displayNameProblem('client_name', name);
    if (nameProblem) throw new TesseraError('invalid_request', nameProblem);
    const org = await this.store.getOrg(principal.orgId);
    const expiresAt = this.resolveExpiry(input.expiresAt, org!);
    const scope = await this.resolveScope(principal, input.scope);
    // The name's check and the insert are one transaction, and one user's registrations take turns: on PostgreSQL
    // by locking the owner's row, on SQLite by its single writer. Until 2026-12-05 two registrations of one name
    // arriving together both passed the check, and both tokens were minted. The lock also orders a registration
    // against the owner's disable (lockEnabledOwner).
    const row = await this.store.transaction(async (trx) => {
      // Also refuses a right the user's role lost a moment ago on another node (403; session-stands.ts).
      const owner = await lockEnabledOwner(this.store, trx, principal.userId, principal);
      if (owner !== 'ok') throw ownerRefusal(owner);
      // A registration that was never minted (the client died between the two steps) does not hold the name.
      await trx
        .deleteFrom('api_tokens')
        .where('user_id', '=', principal.userId)
        .where('name', '=', name)
        .where('secret_hash', 'is', null)
        .execute();
      // A name differing only in Unicode form or width (`café` precomposed or decomposed, `ｃi` and `ci`) is the same
      // name in the token list: refused too. Case still tells two tokens apart (`ci` and `CI`), as it always has.
      const live = await trx
        .selectFrom('api_tokens')
        .select(['id', 'name'])
        .where('user_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
        .where('secret_hash', 'is not', null)
        .execute();
      const duplicate = live.find((t) => t.name.normalize('NFKC') === name.normalize('NFKC'));
      if (duplicate?.name === name) throw new TesseraError('invalid_request', `You already have an API token named "${name}"`);
      if (duplicate) {
        throw new TesseraError(
          'invalid_request',
          `You already have an API token named "${duplicate.name}", and "${name}" would be read as the same name: they differ only in character width or how accents are encoded (Unicode NFKC)`,
        );
      }
      return this.insertRegistration(trx, principal, name, expiresAt, scope, ip);
    }, NO_INVENTORY_WRITE);
    await this.audit.record({
      type: 'apiToken.registered',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: principal.orgId, name: principal.orgName },
      tokenId: row.id,
      ip,
      details: { name, scope: scope.scope },
    });
    return row;
  }

  /** The token entity of a registration: no secret yet (`mint` gives it one). */
  private insertRegistration(
    trx: Executor,
    principal: Principal,
    name: string,
    expiresAt: number | null,
    scope: { scope: string | null; rights: string[] | null },
    ip: string,
  ): Promise<ApiTokenRow> {
    return this.store.insertApiToken(
      {
        id: randomUUID(),
        org_id: principal.orgId,
        user_id: principal.userId,
        name,
        type: 'REFRESH',
        secret_hash: null,
        token_start: null,
        created_at: Date.now(),
        minted_at: null,
        expires_at: expiresAt,
        revoked_at: null,
        last_used_at: null,
        last_used_ips: '[]',
        created_ip: ip,
        scope: scope.scope,
        scope_rights: scope.rights === null ? null : JSON.stringify(scope.rights),
      },
      trx,
    );
  }

  /**
   * Least privilege: `scope` narrows a token to `read-only` or to a role of the owner's org whose every right the
   * owner holds (the containment rule of identity-admin.ts: nobody hands out what they lack). The rights are fixed
   * now; each session gets the owner's rights at that time intersected with them (auth/authenticator.ts).
   */
  private async resolveScope(principal: Principal, raw: unknown): Promise<{ scope: string | null; rights: string[] | null }> {
    if (raw === undefined || raw === null || raw === '') return { scope: null, rights: null };
    const held = effectiveRights(principal);
    if (raw === READ_ONLY_SCOPE) return { scope: READ_ONLY_SCOPE, rights: READ_ONLY_RIGHTS.filter((r) => held.has(r)) };
    const m = typeof raw === 'string' ? /^urn:vcloud:role:(.+)$/.exec(raw.trim()) : null;
    if (!m)
      throw new TesseraError(
        'invalid_request',
        `scope must be "${READ_ONLY_SCOPE}" or a role of your organization (urn:vcloud:role:<id or name>)`,
      );
    const ref = m[1]!.toLowerCase();
    let role = /^[0-9a-f-]{36}$/.test(ref) ? await this.store.getRole(ref) : undefined;
    if (!role) {
      let name = m[1]!;
      try {
        name = decodeURIComponent(name);
      } catch {
        // not percent-encoded: the name as given
      }
      role = await this.store.getRoleByName(principal.orgId, name);
    }
    if (!role || role.org_id !== principal.orgId) throw new TesseraError('invalid_request', 'scope must name a role of your organization');
    const rights = await this.store.roleRights(role.id);
    const missing = rights.filter((r) => !held.has(r));
    if (missing.length > 0) {
      throw new TesseraError(
        'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
        `A token cannot hold rights its owner lacks: ${missing.slice(0, 10).join(', ')}`,
      );
    }
    return { scope: `urn:vcloud:role:${role.id}`, rights };
  }

  /**
   * Expiry: optional (VCD tokens never expire); an org policy can cap the lifetime. Everything is checked
   * before any write: type, a real instant, in the future, not past the org's cap nor year 9999.
   */
  private resolveExpiry(raw: unknown, org: Org): number | null {
    const maxDays = this.maxDaysFor(org);
    const now = Date.now();
    let expiresAt: number | null = null;
    if (raw !== undefined && raw !== null && raw !== '') {
      const parsed = parseInstant(raw);
      if (parsed === null) {
        throw new TesseraError('invalid_request', 'expirationTimeUtc must be an ISO 8601 date-time with a zone, e.g. 2027-01-31T23:59:59Z');
      }
      if (parsed <= now) throw new TesseraError('invalid_request', 'expirationTimeUtc must be in the future');
      if (parsed > LATEST_EXPIRY_MS) throw new TesseraError('invalid_request', 'expirationTimeUtc must be before the year 10000');
      expiresAt = parsed;
    }
    if (maxDays !== null) {
      const cap = now + maxDays * 86_400_000;
      if (expiresAt === null) return cap;
      // A client computes "now + the cap" with its own clock (the CLI's `--expires 90d`): one a little ahead of the
      // server's asked for a moment past the cap and was refused (until 2026-12-06). Within the tolerance the
      // expiry is the cap; beyond it, a refusal.
      if (expiresAt > cap && expiresAt <= cap + CAP_CLOCK_TOLERANCE_MS) return cap;
      if (expiresAt > cap) {
        throw new TesseraError('invalid_request', `This organization allows API tokens to live at most ${maxDays} days`);
      }
    }
    return expiresAt;
  }

  /**
   * Step 2: the jwt-bearer grant. `assertion` is the caller's current password-session access token; it must
   * belong to the token's owner. Succeeds once per client_id: the secret exists only in this response.
   */
  async mint(path: OAuthOrgPath, clientId: unknown, assertion: unknown, ip: string) {
    if (typeof clientId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(clientId)) {
      throw new TesseraError('invalid_request', 'client_id must be the lowercase UUID returned by /register');
    }
    if (typeof assertion !== 'string' || assertion.length === 0) {
      throw new TesseraError('invalid_request', 'assertion (the current session access token) is required');
    }
    let principal: Principal;
    try {
      principal = await this.authenticator.fromAccessToken(assertion);
    } catch (error) {
      // A node that cannot check the session (store or revocation feed down) says so with its 503, not that the
      // session is bad: a client then retries rather than signing in again.
      if (!(error instanceof TesseraError && error.status === 401)) throw error;
      throw new TesseraError('invalid_grant', 'The assertion is not a valid session');
    }
    const row = await this.store.getApiToken(clientId);
    const refuse = (reason: string) => {
      // Coalesced like the exchange's refusals: a client looping on a spent or foreign client_id is one counted event.
      this.audit.refused({
        type: 'apiToken.refused',
        outcome: 'failure',
        actor: { id: principal.userId, name: principal.userName },
        org: { id: principal.orgId, name: principal.orgName },
        tokenId: clientId,
        ip,
        details: { grant: 'jwt-bearer', reason },
      });
      return new TesseraError('invalid_grant', 'The API token cannot be issued for this client');
    };
    if (!row || row.user_id !== principal.userId) throw refuse('unknown client or not the owner');
    if (Date.now() - Number(row.created_at) > REGISTRATION_TTL_MS) throw refuse('registration expired');
    if (!this.pathMatchesOrg(path, { id: principal.orgId, name: principal.orgName })) throw refuse('wrong org endpoint');
    if (!can(principal, 'apiToken.create', { orgId: row.org_id })) throw refuse('not allowed to create tokens');
    // An expiry that has come (or is about to) between the two steps: no secret for a token that can never be
    // exchanged, and no access token with `expires_in` 0, which golang.org/x/oauth2 reads as "never expires"
    // (until 2026-12-06 both were issued, and audited as created).
    if (endsTooSoon(row.expires_at === null ? null : Number(row.expires_at), Date.now())) throw refuse('expired before it was issued');
    const token = generateApiToken();
    // The token and its audit event commit together (AuditLog.recordIn).
    const minted = await this.store.transaction(async (trx) => {
      const owner = await lockEnabledOwner(this.store, trx, row.user_id, principal);
      if (owner !== 'ok') return owner;
      if (!(await this.store.mintApiToken(row.id, hashApiToken(token), apiTokenStart(token), Date.now(), trx))) return false;
      await this.audit.recordIn(trx, {
        type: 'apiToken.created',
        actor: { id: principal.userId, name: principal.userName },
        org: { id: principal.orgId, name: principal.orgName },
        tokenId: row.id,
        ip,
        details: { name: row.name },
      });
      return true;
    }, NO_INVENTORY_WRITE);
    if (minted !== true) throw refuse(minted === false ? 'token already issued or revoked' : minted);
    const access = await this.accessTokens.mint({
      userId: row.user_id,
      orgId: row.org_id,
      kind: 'api_token',
      apiTokenId: row.id,
      notAfterMs: row.expires_at === null ? null : Number(row.expires_at),
      scopeRights: scopeRightsOf(row),
    });
    return {
      apiToken: token,
      accessToken: access.token,
      expiresIn: access.expiresIn,
      apiTokenExpiresAt: row.expires_at === null ? null : Number(row.expires_at),
    };
  }

  /**
   * Hot path: the refresh_token grant. No synchronous disk write: usage and audit are coalesced off-path.
   * - `beforeLookup` sees the token's hash once it is known to be well formed (the per-token rate limit), so the
   *   hot path hashes once.
   * - `otherKind` is asked only when the hash is no user API token's (a service account's rotating token): the
   *   user-token hot path costs nothing more, and the refresh grant dispatches by what the token is.
   * - A cache miss reads only the columns an exchange needs (`store.exchangeTokenByHash`).
   * - `requestedScope` is the grant's `scope` parameter (RFC 6749 §6), when sent: see `checkRequestedScope`.
   */
  async exchange<T = never>(
    path: OAuthOrgPath,
    refreshToken: unknown,
    ip: string,
    beforeLookup?: (hash: string) => void,
    otherKind?: (hash: string) => Promise<T | null>,
    requestedScope?: string,
    clientId?: string,
  ): Promise<ExchangeResult | ([T] extends [never] ? never : { other: T })> {
    // RFC 6749 §5.2: a required parameter missing is invalid_request; one present but wrong is invalid_grant.
    if (refreshToken === undefined || refreshToken === '') throw new TesseraError('invalid_request', 'refresh_token is required');
    if (typeof refreshToken !== 'string' || !hasApiTokenLength(refreshToken)) throw invalidGrant();
    const now = Date.now();
    const hash = hashApiToken(refreshToken);
    let row = this.minted.get(hash, now);
    const dead = row ? undefined : this.minted.dead(hash);
    // The checksum (a second SHA-256) is what keeps garbage from the limiter and the store. A cache hit needs no
    // check: the cache holds only rows found by this exact hash, for a token that passed it then.
    if (!row && !dead && !isWellFormedApiToken(refreshToken)) throw invalidGrant();
    const ready = this.revocations.ready();
    if (ready !== true && !(await ready)) {
      // This node cannot know whether the token was revoked elsewhere: refuse (fail closed).
      throw new TesseraError('SERVICE_UNAVAILABLE', 'Revocation state is unavailable; retry shortly', { headers: { 'Retry-After': '5' } });
    }
    beforeLookup?.(hash);
    if (dead) throw this.refuseExchange(dead.row, ip, dead.reason);
    if (!row) {
      row = await this.store.exchangeTokenByHash(hash);
      if (!row && otherKind) {
        const other = await otherKind(hash);
        // The conditional return type cannot be narrowed inside a generic body; `other` is exactly `{ other: T }`.
        if (other !== null) return { other } as { other: T } as never;
      }
      if (!row || row.secret_hash === null || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(hash))) {
        throw invalidGrant();
      }
      if (row.revoked_at === null) this.minted.put(hash, row, now);
    }
    if (row.revoked_at !== null || this.revocations.isApiTokenRevoked(row.id)) throw this.refuseDead(hash, row, ip, 'revoked');
    if (endsTooSoon(row.expires_at === null ? null : Number(row.expires_at), now)) throw this.refuseDead(hash, row, ip, 'expired');
    const identity = this.identities.peek(row.user_id) ?? (await this.identities.get(row.user_id));
    if (!identity || !identity.enabled) throw this.refuseExchange(row, ip, 'user disabled or deleted');
    if (!this.pathMatchesOrg(path, { id: identity.orgId, name: identity.orgName }))
      throw this.refuseExchange(row, ip, 'wrong org endpoint');
    // A user API token's client is the token itself (register's client_id is its id).
    if (clientId !== undefined && !sameClientId(clientId, row.id, 'token')) throw this.refuseExchange(row, ip, 'another client_id');
    if (requestedScope !== undefined) checkRequestedScope(requestedScope, row.scope);
    const access = this.accessTokens.mint({
      userId: row.user_id,
      orgId: row.org_id,
      kind: 'api_token',
      apiTokenId: row.id,
      notAfterMs: row.expires_at === null ? null : Number(row.expires_at),
      scopeRights: scopeRightsOf(row),
    });
    const found = row;
    this.usage.record(row.id, ip, () => JSON.parse(found.last_used_ips) as string[], now);
    this.audit.exchanged({
      tokenId: row.id,
      actor: { id: identity.userId, name: identity.userName },
      org: { id: identity.orgId, name: identity.orgName },
      ip,
    });
    // The session never outlives the API token: `exp` (and so expires_in) stops at the token's expiry.
    return {
      accessToken: access.token,
      expiresIn: access.expiresIn,
      tokenId: row.id,
      scope: row.scope,
      apiTokenExpiresAt: row.expires_at === null ? null : Number(row.expires_at),
    };
  }

  /** A refusal that will hold for ever: remembered (`MintedTokenCache.putDead`), then refused as any other. */
  private refuseDead(hash: string, found: ExchangeTokenRow, ip: string, reason: DeadTokenReason): TesseraError {
    this.minted.putDead(hash, found, reason);
    return this.refuseExchange(found, ip, reason);
  }

  /**
   * A refused exchange of a known token: the invalid_grant to throw, with its audit event written off the request
   * path and attributed to the token's owner and org (an event without an org is visible to the provider only,
   * so the org's administrators would never see refusals of their own tokens). A method, not a closure per call.
   */
  private refuseExchange(found: ExchangeTokenRow, ip: string, reason: string): TesseraError {
    const refusal = (owner: Identity | null, orgName: string) => ({
      type: 'apiToken.refused' as const,
      outcome: 'failure' as const,
      actor: owner ? { id: owner.userId, name: owner.userName } : null,
      org: { id: found.org_id, name: orgName },
      tokenId: found.id,
      ip,
      details: { grant: 'refresh_token', reason },
    });
    // Coalesced per token and reason: a script retrying a dead token must not grow the store without bound. Counted
    // before the answer when the owner is in memory (a retrying script's case); else once the owner is read, and
    // AuditLog.stop() waits for that read, so no refusal answered before a shutdown goes uncounted.
    const cached = this.identities.peek(found.user_id);
    if (cached) this.audit.refused(refusal(cached, cached.orgName));
    else {
      this.audit.refusedOnceDescribed(
        (async () => {
          const owner = await this.identities.get(found.user_id).catch(() => null);
          const orgName = owner?.orgName ?? (await this.store.getOrg(found.org_id).catch(() => undefined))?.name ?? '';
          return refusal(owner ?? null, orgName);
        })(),
      );
    }
    return invalidGrant();
  }

  /** Loads a token the principal may see; missing and not visible are the same 403 (vcd-wire §6). */
  async getVisible(principal: Principal, tokenId: string): Promise<ApiTokenRow> {
    const row = /^[0-9a-f-]{36}$/.test(tokenId) ? await this.store.getApiToken(tokenId) : undefined;
    if (!row || row.revoked_at !== null || (row.secret_hash === null && row.user_id !== principal.userId)) throw forbidden();
    if (!can(principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) throw forbidden();
    return row;
  }

  async revoke(principal: Principal, tokenId: string, ip: string): Promise<void> {
    const row = await this.getVisible(principal, tokenId);
    if (!can(principal, 'apiToken.revoke', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) throw forbidden();
    // Everything the event says is read first: the revocation and its event then commit together, and a store that
    // fails after the commit can no longer turn a done revocation into a 503 "retry" whose retry gets 403.
    const [org, owner] = await Promise.all([this.store.getOrg(row.org_id), this.store.getUser(row.user_id)]);
    // Who revoked it is the event's user; `via` says when that was a script holding the token rather than the person
    // (a token session may revoke only the token it came from), and `ownerName` names the owner, as `user` names the
    // actor (until 2026-12-06 a revocation by a token session read like one by its owner, and the owner was an id).
    const revoked = await this.revokeRows([row.id], principal.userId, {
      type: 'apiToken.revoked',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: row.org_id, name: org?.name ?? '' },
      tokenId: row.id,
      ip,
      details: {
        name: row.name,
        owner: row.user_id,
        ...(owner ? { ownerName: owner.name } : {}),
        ...(principal.kind === 'api_token' ? { via: 'a session made from the token itself' } : {}),
      },
    });
    if (revoked === 0) throw forbidden();
  }

  /**
   * Revokes several tokens at once (the portal's bulk revoke): each one as `revoke` does it (the same policy check, the
   * same revocation record and bus message, so every node refuses it from the next request; the same
   * `apiToken.revoked` event, whose details carry `bulk`: the batch's id), then one `apiToken.bulkRevoked` summary
   * event per org touched with the count and `description` (what was selected). All-or-nothing on reach: one token the
   * principal may not revoke (another org's, a crafted id) refuses the whole request, before anything is revoked.
   * Tokens revoked already are skipped. Only a person's session may (a token session revokes only its own token).
   * `skip`: tokens to leave alone after all (a use this node has not written yet). Returns how many were revoked.
   */
  async revokeMany(
    principal: Principal,
    tokenIds: readonly string[],
    ip: string,
    description: Record<string, string | number | boolean | null>,
    skip: (row: ApiTokenRow) => boolean = () => false,
  ): Promise<{ revoked: number; batch: string }> {
    if (principal.kind !== 'password') throw forbidden();
    const batch = randomUUID();
    const ids = [...new Set(tokenIds)];
    const rows: ApiTokenRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      if (chunk.some((id) => !/^[0-9a-f-]{36}$/.test(id))) throw forbidden();
      const found = await this.store.db.selectFrom('api_tokens').selectAll().where('id', 'in', chunk).execute();
      if (found.length !== chunk.length) throw forbidden();
      for (const row of found) {
        if (row.secret_hash === null) throw forbidden();
        if (!can(principal, 'apiToken.view', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) throw forbidden();
        if (!can(principal, 'apiToken.revoke', { orgId: row.org_id, ownerId: row.user_id, tokenId: row.id })) throw forbidden();
        if (row.revoked_at === null && !skip(row)) rows.push(row);
      }
    }
    const orgs = new Map<string, { id: string; name: string }>();
    const done = new Set<string>();
    const owners = new Map<string, string>();
    for (const row of rows) {
      if (!orgs.has(row.org_id)) orgs.set(row.org_id, { id: row.org_id, name: (await this.store.getOrg(row.org_id))?.name ?? '' });
      if (!owners.has(row.user_id)) owners.set(row.user_id, (await this.store.getUser(row.user_id))?.name ?? '');
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    let revoked = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500).map((r) => r.id);
      revoked += await this.revokeRows(chunk, principal.userId, (id) => {
        const row = byId.get(id)!;
        const org = orgs.get(row.org_id)!;
        done.add(id);
        const ownerName = owners.get(row.user_id) ?? '';
        return {
          type: 'apiToken.revoked',
          actor: { id: principal.userId, name: principal.userName },
          org: { id: org.id, name: org.name },
          tokenId: row.id,
          ip,
          details: { name: row.name, owner: row.user_id, ...(ownerName ? { ownerName } : {}), bulk: batch },
        };
      });
    }
    for (const org of orgs.values()) {
      const count = rows.filter((r) => r.org_id === org.id && done.has(r.id)).length;
      if (count === 0) continue;
      await this.audit.record({
        type: 'apiToken.bulkRevoked',
        actor: { id: principal.userId, name: principal.userName },
        org: { id: org.id, name: org.name },
        ip,
        details: { bulk: batch, count, ...description },
      });
    }
    return { revoked, batch };
  }

  /**
   * RFC 7009 revocation by possession: whoever holds a token may revoke it (GitHub's credential-revocation API
   * works the same way, so a leaked token found anywhere can be killed at once). Never fails: says whether the token
   * was this installation's and live (now revoked), already revoked, or none of ours (the RFC 7009 endpoint tells
   * its caller none of it; GitHub's secret scanning gets it as its feedback label). `note` says who revoked it.
   * By the token's hash (hashApiToken), as ServiceAccountService's: the caller has checked its shape
   * (http/oauth/revoke-by-value.ts), and the hash of anything else matches no row.
   */
  async revokeByPossession(
    tokenHash: string,
    ip: string,
    note: PossessionRevocationNote = HOLDER_REVOCATION,
  ): Promise<PossessionRevocation> {
    const row = await this.store.getApiTokenByHash(tokenHash);
    if (!row) return 'unknown';
    if (row.revoked_at !== null) return 'alreadyRevoked';
    const [org, owner] = await Promise.all([this.store.getOrg(row.org_id), this.store.getUser(row.user_id)]);
    const revoked = await this.revokeRows([row.id], null, {
      type: 'apiToken.revoked',
      actor: null,
      org: { id: row.org_id, name: org?.name ?? '' },
      tokenId: row.id,
      ip,
      details: {
        name: row.name,
        owner: row.user_id,
        ...(owner ? { ownerName: owner.name } : {}),
        ...note.details,
        via: note.via,
      },
    });
    // Nothing revoked: another request revoked it between the read and the write.
    return revoked > 0 ? 'revoked' : 'alreadyRevoked';
  }

  /**
   * Revokes a token its org's idle limit caught (auth/idle-tokens.ts), unless this node saw it used since `cutoff` in
   * a use not yet written (token-usage.ts writes "last used" once a minute). Nobody's act: the event has no actor and
   * says why (`via`, `idleDays`, `lastUsedAt`), which the token lists show to its owner. True when it was revoked.
   */
  async revokeIdle(
    row: { id: string; name: string; user_id: string; last_used_at: number | null },
    org: { id: string; name: string },
    idleDays: number,
    cutoff: number,
  ): Promise<boolean> {
    const pending = this.usage.pending(row.id);
    if (pending && pending.lastUsedAt >= cutoff) return false;
    const owner = await this.store.getUser(row.user_id);
    const revoked = await this.revokeRows([row.id], null, {
      type: 'apiToken.revoked',
      actor: null,
      org,
      tokenId: row.id,
      ip: null,
      details: {
        name: row.name,
        owner: row.user_id,
        ...(owner ? { ownerName: owner.name } : {}),
        via: IDLE_REVOCATION_VIA,
        idleDays,
        lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
      },
    });
    return revoked > 0;
  }

  /** Revokes every live token of a user (disable, delete, "revoke all" on password change); `by` did it. */
  async revokeAllOf(userId: string, by: string | null = null): Promise<number> {
    return this.revokeRows(await this.store.liveApiTokenIdsOfUser(userId), by);
  }

  /**
   * Regenerate (GitHub's "Regenerate token"): a new secret under the same name, scope and expiry rule, returned
   * once, in place of `tokenId`. Only the owner may (policy `apiToken.regenerate`: the new secret goes to whoever
   * asks). The old token stops at once (`graceSeconds` 0) or when its grace ends.
   *
   * Expiry rule (decision, docs/portal.md "Token care"): a token that never expired still never expires (unless
   * the org's policy now caps lifetimes); one that had a lifetime gets the same lifetime again, from now, within
   * the org's cap. Regenerating is what one does when a token is about to expire or leaked, so keeping its old
   * fixed date would hand back a token as close to its end as the one replaced.
   *
   * `requestedExpiry` (GitHub's Regenerate asks for a new expiration): absent (undefined), the rule above; `null` or
   * '', no expiry; an ISO 8601 instant, that expiry. Null and an instant follow the rules of a new token (in the
   * future, before the year 10000, within the org's cap and the installation's ceiling; no expiry becomes the cap),
   * checked before anything changes.
   *
   * The grace uses the revocation machinery, not a timer: the old row's expiry is brought forward to the end of
   * the grace (exchanges stop then, and the sessions minted in the grace end then too), and a revocation event
   * dated at that instant is recorded now, so every node's revocation view ends the old token's earlier sessions
   * at exactly that time, also after a restart (it is rebuilt from the table).
   */
  async regenerate(
    principal: Principal,
    tokenId: string,
    graceSeconds: number,
    ip: string,
    requestedExpiry?: unknown,
  ): Promise<{ row: ApiTokenRow; apiToken: string; old: ApiTokenRow; oldStopsAt: number | null }> {
    const old = await this.getVisible(principal, tokenId);
    if (!can(principal, 'apiToken.regenerate', { orgId: old.org_id, ownerId: old.user_id }))
      throw refusal(principal, 'apiToken.regenerate');
    if (old.secret_hash === null) throw forbidden();
    const now = Date.now();
    // One successor per token: a token already replaced (in its grace) is not regenerated again (its replacement
    // is, by its own id), and an expired one has nothing left to carry over (create a new token). The owner alone
    // gets this far, so naming the replacement's id tells no one anything new.
    if (old.replaced_by !== null) {
      throw badRequest(`This token was already regenerated; regenerate the token that replaced it: urn:vcloud:token:${old.replaced_by}`);
    }
    if (old.expires_at !== null && Number(old.expires_at) <= now) {
      throw badRequest('This token has expired; create a new one');
    }
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_REGENERATE_GRACE_SECONDS) {
      throw new TesseraError('invalid_request', `The grace period must be between 0 and ${MAX_REGENERATE_GRACE_SECONDS} seconds`);
    }
    const org = await this.store.getOrg(old.org_id);
    let expiresAt: number | null = null;
    if (requestedExpiry !== undefined) {
      expiresAt = this.resolveExpiry(requestedExpiry, org!);
    } else {
      if (old.expires_at !== null) {
        const lifetime = Number(old.expires_at) - Number(old.minted_at ?? old.created_at);
        expiresAt = now + Math.max(lifetime, 60_000);
      }
      const maxDays = this.maxDaysFor(org);
      if (maxDays !== null) {
        const cap = now + maxDays * 86_400_000;
        if (expiresAt === null || expiresAt > cap) expiresAt = cap;
      }
      expiresAt = expiresAt === null ? null : Math.min(expiresAt, LATEST_EXPIRY_MS);
    }
    const token = generateApiToken();
    const graceEndsAt = graceSeconds === 0 ? null : now + graceSeconds * 1000;
    const newId = randomUUID();
    // What the loser of a race is told: the same 400 as a regeneration that came after (until 2026-12-05 a 403,
    // which reads as "no right" or "no such token").
    const raced = () => badRequest('This token was regenerated or revoked by another request at the same time; list your tokens');
    const { row, event } = await this.store.transaction(async (trx) => {
      // The owner first, locked as a registration and a mint lock it: a disable committed meanwhile (on any node,
      // whatever this node's identity cache still says) refuses the regeneration, and one still running waits, so its
      // revocation of the user's tokens sees the successor. Until 2026-12-06 a regeneration beside a disable wrote a
      // live successor the disable never revoked, which worked again once the user was enabled.
      const owner = await lockEnabledOwner(this.store, trx, old.user_id, principal);
      if (owner !== 'ok') throw ownerRefusal(owner);
      // The claim, conditional: of two concurrent regenerations (or a regeneration racing a revocation)
      // exactly one replaces the token; the other changes nothing.
      const claimed = await trx
        .updateTable('api_tokens')
        .set({ replaced_by: newId })
        .where('id', '=', old.id)
        .where('revoked_at', 'is', null)
        .where('replaced_by', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw raced();
      const inserted = await this.store.insertApiToken(
        {
          id: newId,
          org_id: old.org_id,
          user_id: old.user_id,
          name: old.name,
          type: 'REFRESH',
          secret_hash: hashApiToken(token),
          token_start: apiTokenStart(token),
          created_at: now,
          minted_at: now,
          expires_at: expiresAt,
          revoked_at: null,
          last_used_at: null,
          last_used_ips: '[]',
          created_ip: ip,
          scope: old.scope,
          scope_rights: old.scope_rights,
        },
        trx,
      );
      let recorded = null;
      if (graceEndsAt === null) {
        if (!(await this.store.markApiTokenRevoked(old.id, now, trx, principal.userId))) throw raced();
        recorded = await this.store.recordRevocation(
          trx,
          'api_token',
          old.id,
          now,
          await this.accessTokens.recordedRevocationRelevantUntil(now, trx),
        );
      } else {
        const oldExpiry = old.expires_at === null ? Infinity : Number(old.expires_at);
        const updated = await trx
          .updateTable('api_tokens')
          .set({ expires_at: Math.min(oldExpiry, graceEndsAt) })
          .where('id', '=', old.id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw raced();
        // Dated at the end of the grace: the view treats it as revoked from then on (revocation-view.ts). Kept, as every
        // revocation is, for the longest lifetime of this store's nodes (recordedRevocationRelevantUntil): until 2026-12-07 it
        // was kept for this node's own lifetime only, and a node of a longer one, restarted once the row was dropped,
        // accepted the old token's sessions again for the rest of their lifetime.
        recorded = await this.store.recordRevocation(
          trx,
          'api_token',
          old.id,
          graceEndsAt,
          await this.accessTokens.recordedRevocationRelevantUntil(graceEndsAt, trx),
        );
      }
      return { row: inserted, event: recorded };
    }, NO_INVENTORY_WRITE);
    await this.store.bus.committed(event);
    this.minted.evictId(old.id);
    await this.audit.record({
      type: 'apiToken.regenerated',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: principal.orgId, name: principal.orgName },
      tokenId: row.id,
      ip,
      details: { name: row.name, replaces: old.id, graceSeconds: String(graceSeconds) },
    });
    // When the old token stops: at once (null), or when its grace ends, or at its own expiry if that comes first
    // (until 2026-12-05 the answer named the grace's end even when the token expired earlier).
    const oldStopsAt = graceEndsAt === null ? null : Math.min(graceEndsAt, old.expires_at === null ? Infinity : Number(old.expires_at));
    return { row, apiToken: token, old: (await this.store.getApiToken(old.id))!, oldStopsAt };
  }

  /** Marks rows revoked and records one revocation event each, atomically; returns how many changed. */
  /** `audit`: the event of a single revocation, written in its transaction (only when the token was live). */
  /** `audit` as a function: each token's own event (a bulk revoke). */
  private async revokeRows(
    ids: readonly string[],
    by: string | null = null,
    audit?: AuditInput | ((id: string) => AuditInput),
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const now = Date.now();
    const events = await this.store.transaction(async (trx) => {
      // Access tokens made from these API tokens live at most one lifetime (the longest of the store's nodes) from now:
      // read once, when the first token is revoked.
      let relevantUntil: number | null = null;
      // PostgreSQL: every token's row first, in id order, then the revocations (whose count trigger locks the org's
      // counts row). A mint locks its token's row and then that counts row: revoking row by row took a token's row
      // after the counts row, so revoking a user's tokens while one of them was being minted deadlocked, and the
      // administrator's delete or disable of the user failed with a 503 (until 2026-12-05).
      if (this.store.dialect === 'postgres') {
        const sorted = [...ids].sort();
        for (let i = 0; i < sorted.length; i += 5_000) {
          const chunk = sorted.slice(i, i + 5_000);
          await trx.selectFrom('api_tokens').select('id').where('id', 'in', chunk).orderBy('id').forUpdate().execute();
        }
      }
      const out = [];
      for (const id of ids) {
        if (await this.store.markApiTokenRevoked(id, now, trx, by)) {
          relevantUntil ??= await this.accessTokens.recordedRevocationRelevantUntil(now, trx);
          out.push(await this.store.recordRevocation(trx, 'api_token', id, now, relevantUntil));
          if (audit) await this.audit.recordIn(trx, typeof audit === 'function' ? audit(id) : audit);
        }
      }
      return out;
    }, NO_INVENTORY_WRITE);
    await Promise.all(events.map((e) => this.store.bus.committed(e)));
    return events.length;
  }

  /**
   * Usage as this node knows it best: its memory (uses not yet written) merged with the stored row, which holds what
   * other nodes wrote. The later use wins the time; the addresses of both are kept, the later's first. Until
   * 2026-12-05 memory replaced the row, so each node of a cluster showed only its own addresses.
   */
  usageOf(row: Pick<ApiTokenRow, 'id' | 'last_used_at' | 'last_used_ips'>): { lastUsedAt: number | null; ips: string[] } {
    const stored = {
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      ips: JSON.parse(row.last_used_ips) as string[],
    };
    const pending = this.usage.pending(row.id);
    if (!pending) return stored;
    const [later, earlier] = stored.lastUsedAt !== null && stored.lastUsedAt > pending.lastUsedAt ? [stored, pending] : [pending, stored];
    const ips = [...new Set([...later.ips, ...earlier.ips])].slice(0, LAST_USED_IPS_KEPT);
    return { lastUsedAt: later.lastUsedAt, ips };
  }
}
