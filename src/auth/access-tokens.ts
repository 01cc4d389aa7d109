/**
 * Access tokens (the Bearer a session carries): signed JWTs in the RFC 9068 shape (`typ: at+jwt`), longer
 * than 32 characters because clients tell them from legacy session ids by length (vcd-wire §1.2).
 *
 * HS256 with one key shared by every node through the store: Tessera is the only verifier (clients treat the
 * token as opaque), so an asymmetric signature would cost ~10x the CPU per exchange (token-systems.md B3) for
 * no one's benefit. Verification happens once per token; the verified claims are cached by token string, so a
 * repeated bearer costs a map lookup plus the revocation check. A signature alone is never enough:
 * `RevocationView` is consulted on every request.
 */
import { randomUUID } from 'node:crypto';
import { Hs256Signer } from './jwt-hs256.js';
import { SessionTally } from './session-tally.js';
import type { SessionKind } from '../domain/principal.js';
import type { Executor } from '../store/store.js';

export interface AccessClaims {
  sub: string; // user id
  org: string; // org id
  jti: string; // session id
  kind: SessionKind;
  tid: string | null; // API token id for api_token sessions
  iat: number; // seconds
  /** Issued-at in milliseconds: compared with a user's "sessions not before", which has ms precision. */
  ims: number;
  /** When this node ends the token (seconds): its signed `exp`, or earlier when this node's horizon is shorter. */
  exp: number; // seconds
  /**
   * The `exp` the minting node signed (seconds), which another node of a longer lifetime honours: what a revocation of
   * this one session must be kept until (SessionService.signOut).
   */
  signedExp: number;
  /** A narrowed API token's rights (least privilege): the session holds the owner's rights ∩ these. */
  scp?: readonly string[] | null;
  /**
   * When the API token this session comes from expires (epoch ms), for an `api_token` session of a token that
   * expires; absent otherwise. Carried so that every answer can say it (http/token-expiration.ts) with no lookup.
   */
  tex?: number | null;
}

const ISSUER = 'tessera';
const AUDIENCE = 'tessera-api';
/**
 * Verified tokens remembered, oldest first out. 10,000, not more: an entry (the token text as key, its claims) is
 * about 0.95 KB of heap (measured: 10,000 entries, 9.0-9.3 MB), and a busy exchange endpoint mints a thousand
 * sessions a second, most used once or twice, so the cache is always full. At 50,000 it held about 47 MB, half the
 * live heap of a soaked node, and its churn through the old generation grew V8's committed heap for five minutes
 * (docs/performance-soak.md). A session evicted while still in use costs one verification again (HMAC and
 * JSON.parse, a few microseconds).
 */
export const MAX_CACHED_ACCESS_TOKENS = 10_000;

/** How far in the future a token's `iat` may be and still verify: clock skew between the nodes of a cluster. */
export const ISSUED_AT_SKEW_SECONDS = 60;

/**
 * A credential that ends sooner than this can make no session: `exp` counts whole seconds, so a session minted in
 * its last second would be answered `expires_in: 0`, already dead, and golang.org/x/oauth2 reads 0 as "never
 * expires" and would keep sending it. Such a credential is refused as ended (the exchange's `invalid_grant`).
 */
export const SHORTEST_SESSION_MS = 1000;

/** True when a credential ending at `notAfterMs` (null: never) can no longer make a session of a second. */
export function endsTooSoon(notAfterMs: number | null, now: number): boolean {
  return notAfterMs !== null && notAfterMs - now < SHORTEST_SESSION_MS;
}

export class AccessTokenService {
  private readonly signer: Hs256Signer;
  private readonly ttlSeconds: number;
  /** How long a revocation must be kept for the tokens of any node of this store: at least this node's lifetime. */
  private readonly revocationHorizonSeconds: number;
  /** token string -> verified claims. Insertion-ordered, so the oldest entry is evicted first. */
  private readonly verified = new Map<string, AccessClaims>();
  /** The sessions this node issued and not yet expired, by kind (the metrics' live sessions). */
  readonly sessions = new SessionTally();

  /** Reads the longest lifetime any node of this store has started with (meta), in the given transaction. */
  private readonly longestLifetimeOfStore: ((ex: Executor) => Promise<number | null>) | null;

  /**
   * `otherNodesTtlSeconds`: the lifetime the last node started on this store used (meta `access_token_ttl_seconds`),
   * when known. Revocations recorded here are kept for the longer of the two, so a node configured with a longer
   * lifetime than this one, restarted later, still reads back the revocations of the sessions it made.
   * `longestLifetimeOfStore`: reads the longest lifetime any node of the store has started with, for
   * `recordedRevocationRelevantUntil`.
   */
  constructor(
    signingKey: { kid: string; secret: string },
    ttlSeconds: number,
    otherNodesTtlSeconds: number | null = null,
    longestLifetimeOfStore: ((ex: Executor) => Promise<number | null>) | null = null,
  ) {
    this.signer = new Hs256Signer(Buffer.from(signingKey.secret, 'base64url'), signingKey.kid);
    this.ttlSeconds = ttlSeconds;
    this.revocationHorizonSeconds = Math.max(ttlSeconds, otherNodesTtlSeconds ?? 0);
    this.longestLifetimeOfStore = longestLifetimeOfStore;
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  /**
   * Until when a revocation made at `nowMs` must be remembered: every access token it could affect has expired by
   * then. Each token lives at most one lifetime, as this node counts it (`verify` ends a token minted under a
   * longer lifetime at this one), from an `iat` at most ISSUED_AT_SKEW_SECONDS ahead of this clock.
   */
  revocationRelevantUntil(nowMs: number): number {
    return nowMs + (this.revocationHorizonSeconds + ISSUED_AT_SKEW_SECONDS) * 1000;
  }

  /**
   * Until when a revocation recorded in `ex` (its transaction) and dated `nowMs` is kept in the store: as
   * `revocationRelevantUntil`, and at least the longest lifetime any node of this store has started with, read now.
   * A node only knows at start the lifetime of the node started just before it: one started before a node of a
   * longer lifetime kept its revocations for its own, housekeeping dropped them, and that longer node, restarted,
   * accepted the revoked sessions it had made again until their end (until 2026-12-07). Read at each revocation
   * (they are rare), so a node learns of a longer one started after it without a restart; the exchange and the
   * bearer check do not read it.
   */
  async recordedRevocationRelevantUntil(nowMs: number, ex: Executor): Promise<number> {
    const longest = (await this.longestLifetimeOfStore?.(ex)) ?? 0;
    return Math.max(this.revocationRelevantUntil(nowMs), nowMs + (longest + ISSUED_AT_SKEW_SECONDS) * 1000);
  }

  /**
   * `notAfterMs`: when the credential the session comes from ends (an API token's expiry). The session never
   * outlives it: `exp` is the earlier of one lifetime from now and that instant. Synchronous (signing is): the
   * exchange calls it on every request and an `async` here cost a promise and a microtask each time.
   */
  mint(input: {
    userId: string;
    orgId: string;
    kind: SessionKind;
    apiTokenId: string | null;
    sessionId?: string;
    notAfterMs?: number | null;
    /** The rights a narrowed API token was given; absent or null for a full one. */
    scopeRights?: readonly string[] | null;
    /**
     * When the credentials proving this session were read (a sign-in's password, before argon2): its `ims`, which
     * revocations compare against, so one made between that read and now ends the session. Default: now.
     */
    credentialsReadAt?: number;
  }) {
    const nowMs = Date.now();
    const iat = Math.floor(nowMs / 1000);
    const cap = input.notAfterMs === null || input.notAfterMs === undefined ? Infinity : Math.floor(input.notAfterMs / 1000);
    const tokenExpiresAt = input.kind === 'api_token' && typeof input.notAfterMs === 'number' ? input.notAfterMs : null;
    const exp = Math.min(iat + this.ttlSeconds, cap);
    const claims: AccessClaims = {
      sub: input.userId,
      org: input.orgId,
      jti: input.sessionId ?? randomUUID(),
      kind: input.kind,
      tid: input.apiTokenId,
      iat,
      ims: Math.min(input.credentialsReadAt ?? nowMs, nowMs),
      exp,
      signedExp: exp,
      scp: input.scopeRights ?? null,
      tex: tokenExpiresAt,
    };
    const token = this.signer.sign({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: claims.sub,
      jti: claims.jti,
      iat: claims.iat,
      exp: claims.exp,
      org: claims.org,
      kind: claims.kind,
      tid: claims.tid,
      ims: claims.ims,
      // Carried in the token so the bearer check needs no lookup to narrow the session (auth/authenticator.ts).
      ...(claims.scp ? { scp: claims.scp } : {}),
      ...(tokenExpiresAt !== null ? { tex: tokenExpiresAt } : {}),
    });
    this.sessions.issued(claims.kind, claims.exp);
    // Not remembered here: most minted tokens are used on another node or a while later, and caching every one
    // of them (a busy exchange endpoint mints thousands a second) costs more in GC than a first verify (~5 µs).
    return { token, claims, expiresIn: Math.max(0, claims.exp - iat) };
  }

  /** Verified, unexpired claims of `token`, or null. Cached after the first verification. */
  async verify(token: string, nowSeconds = Date.now() / 1000): Promise<AccessClaims | null> {
    let claims = this.verified.get(token);
    if (claims === undefined) {
      claims = (await this.verifySignature(token)) ?? undefined;
      if (claims === undefined) return null;
      this.remember(token, claims);
    }
    if (claims.exp <= nowSeconds) {
      this.verified.delete(token);
      return null;
    }
    return claims;
  }

  /** Synchronous fast path: the cached claims, if this token was verified before. */
  cached(token: string): AccessClaims | undefined {
    return this.verified.get(token);
  }

  private async verifySignature(token: string): Promise<AccessClaims | null> {
    if (token.length > 4096) return null;
    const payload = this.signer.verify(token);
    if (!payload) return null;
    const { iss, aud, sub, jti, iat, exp, org, kind, tid, ims, scp, tex } = payload;
    if (iss !== ISSUER || aud !== AUDIENCE) return null;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof org !== 'string') return null;
    if (kind !== 'password' && kind !== 'api_token' && kind !== 'service_account') return null;
    if (typeof iat !== 'number' || typeof exp !== 'number' || typeof ims !== 'number') return null;
    // Not valid before it was issued (small allowance for clock skew between nodes).
    if (iat > Date.now() / 1000 + ISSUED_AT_SKEW_SECONDS) return null;
    if (scp !== undefined && !(Array.isArray(scp) && scp.every((r) => typeof r === 'string'))) return null;
    // A token lives until its `exp` or one revocation horizon after its `iat` (this node's lifetime, or the longer one
    // of the node started before it), whichever comes first: one minted under a longer lifetime (before a restart with
    // a shorter one, or by a node configured otherwise) must not outlive the revocations this node remembers
    // (revocationRelevantUntil). Until 2026-12-05 a revoked token's sessions worked again once a restart with a
    // shorter lifetime had let its revocation be dropped.
    const liveUntil = Math.min(exp, iat + this.revocationHorizonSeconds);
    return {
      sub,
      jti,
      org,
      kind,
      tid: typeof tid === 'string' ? tid : null,
      iat,
      exp: liveUntil,
      signedExp: exp,
      ims,
      scp: (scp as string[] | undefined) ?? null,
      tex: typeof tex === 'number' && Number.isFinite(tex) ? tex : null,
    };
  }

  private remember(token: string, claims: AccessClaims): void {
    if (this.verified.size >= MAX_CACHED_ACCESS_TOKENS) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
  }
}
