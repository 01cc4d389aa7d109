/**
 * Turns a presented credential into a Principal, once per request. Accepts the access token from
 * `Authorization: Bearer` (any case of the scheme), `X-VMWARE-VCLOUD-ACCESS-TOKEN`, the portal cookie, and the
 * legacy 32-character `x-vcloud-authorization` session id. Every failure is the same 401: no oracle.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { AccessClaims, AccessTokenService } from './access-tokens.js';
import type { RevocationView } from './revocation-view.js';
import type { IdentityCache } from './identity-cache.js';
import type { Principal } from '../domain/principal.js';
import { TesseraError, unauthenticated } from '../domain/errors.js';

export interface PresentedCredential {
  kind: 'access_token' | 'legacy';
  value: string;
}

const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/** Node joins repeated headers except a few; for those (and `authorization`, kept first) take the first. */
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Finds the credential in the request headers; null when none is present. */
export function credentialFromHeaders(headers: Record<string, string | string[] | undefined>): PresentedCredential | null {
  const authorization = first(headers['authorization']);
  if (authorization) {
    const m = BEARER.exec(authorization);
    if (m) return { kind: 'access_token', value: m[1]! };
  }
  const vcdHeader = first(headers['x-vmware-vcloud-access-token']);
  if (vcdHeader) return { kind: 'access_token', value: vcdHeader.trim() };
  const legacy = first(headers['x-vcloud-authorization']);
  if (legacy) return { kind: 'legacy', value: legacy.trim() };
  return null;
}

/**
 * True when every `Authorization` header of the request names the same credential. Node keeps the first and drops
 * the others, while a gateway in front may have authorized or logged the request by another: Tessera would act as
 * a principal the layers before it never saw (until 2026-12-07 the first one counted, whatever the others held).
 * The old CSI driver sends `Bearer T` and `bearer Bearer T`, one credential twice, and is still served: a repeated
 * `bearer` scheme word is read as one, and the scheme's case does not count (RFC 9110 §11.1). Only called when
 * the request repeats the header (request-origin.ts repeatedSingletonHeader).
 */
export function authorizationsAgree(rawHeaders: readonly string[]): boolean {
  let first: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'authorization') continue;
    const credential = credentialOf(rawHeaders[i + 1] ?? '');
    if (first === null) first = credential;
    else if (credential !== first) return false;
  }
  return true;
}

/**
 * False when `Authorization: Bearer` and `X-VMWARE-VCLOUD-ACCESS-TOKEN` carry two different access tokens. govcd
 * sends both, always the same token; of two different ones Tessera would act on the bearer (credentialFromHeaders)
 * while a gateway in front may have authorized by VCD's header, the same confusion as two Authorization headers
 * (until 2026-12-07 the bearer counted, whatever the other held). A legacy `x-vcloud-authorization` id is not
 * compared: it names a session rather than carrying its token, so it differs from that session's bearer by design.
 */
export function accessTokenHeadersAgree(headers: Record<string, string | string[] | undefined>): boolean {
  const vcdHeader = first(headers['x-vmware-vcloud-access-token']);
  if (vcdHeader === undefined) return true;
  const authorization = first(headers['authorization']);
  const bearer = authorization ? BEARER.exec(authorization) : null;
  return bearer === null || bearer[1] === vcdHeader.trim();
}

const REPEATED_BEARER = /^(?:bearer\s+)+(?=\S)/i;

/** An Authorization value as one comparable string: the scheme in lower case, `bearer` named once, then its credentials. */
function credentialOf(value: string): string {
  const trimmed = value.trim();
  const bearer = REPEATED_BEARER.exec(trimmed);
  if (bearer) return `bearer ${trimmed.slice(bearer[0].length)}`;
  const space = trimmed.search(/\s/);
  return space < 0 ? trimmed : `${trimmed.slice(0, space).toLowerCase()} ${trimmed.slice(space).trim()}`;
}

/**
 * Least privilege: a narrowed token's session holds the owner's rights *now* intersected with what the token was
 * given, so it never gains a right the owner gains later, and loses what the owner loses. Memoized per
 * identity (whose rights set is replaced, not mutated, when it changes) so a repeated bearer costs a map lookup.
 */
const narrowedCache = new WeakMap<ReadonlySet<string>, Map<string, ReadonlySet<string>>>();
function narrowed(rights: ReadonlySet<string>, scope: readonly string[]): ReadonlySet<string> {
  let byScope = narrowedCache.get(rights);
  if (!byScope) narrowedCache.set(rights, (byScope = new Map()));
  const key = scope.join('\n');
  let out = byScope.get(key);
  if (!out) {
    out = new Set(scope.filter((r) => rights.has(r)));
    if (byScope.size < 64) byScope.set(key, out);
  }
  return out;
}

export function hashLegacySessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * The access token a legacy id stands for, as `legacy_sessions.access_token` keeps it: AES-256-GCM under a key
 * derived from the id itself (HMAC-SHA-256 with the id as key, unrelated to its SHA-256 that the row is found by),
 * which the store never holds. So the row, a backup, a PostgreSQL statement log (`log_statement = 'all'`, or a slow
 * `INSERT` under `log_min_duration_statement`) or a page of the SQLite file left behind by a deleted row yield no
 * bearer. Until 2026-12-06 the access token was stored as it is, and every `POST /api/sessions` (pyvcloud, vcd-cli,
 * PowerShell's Connect-CIServer, govcd's password sign-in) put a live bearer in those places.
 */
const LEGACY_SEAL_PREFIX = 'v1.';

function legacySealKey(id: string): Buffer {
  return createHmac('sha256', id).update('tessera legacy_sessions.access_token v1').digest();
}

export function sealLegacyAccessToken(id: string, accessToken: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', legacySealKey(id), iv);
  const sealed = Buffer.concat([cipher.update(accessToken, 'utf8'), cipher.final()]);
  return LEGACY_SEAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The access token of a stored row, or null when it does not open with this id. A row written before 2026-12-06 holds the token as it is. */
export function openLegacyAccessToken(id: string, stored: string): string | null {
  if (!stored.startsWith(LEGACY_SEAL_PREFIX)) return stored;
  const raw = Buffer.from(stored.slice(LEGACY_SEAL_PREFIX.length), 'base64url');
  if (raw.length <= 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', legacySealKey(id), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export class Authenticator {
  private readonly store: Store;
  private readonly accessTokens: AccessTokenService;
  private readonly revocations: RevocationView;
  private readonly identities: IdentityCache;
  /** legacy session id hash -> access token, so repeated legacy calls skip the store. */
  private readonly legacyCache = new Map<string, string>();

  constructor(deps: { store: Store; accessTokens: AccessTokenService; revocations: RevocationView; identities: IdentityCache }) {
    this.store = deps.store;
    this.accessTokens = deps.accessTokens;
    this.revocations = deps.revocations;
    this.identities = deps.identities;
  }

  async authenticate(credential: PresentedCredential): Promise<Principal> {
    const accessToken = credential.kind === 'legacy' ? await this.resolveLegacy(credential.value) : credential.value;
    return this.fromAccessToken(accessToken);
  }

  async fromAccessToken(token: string): Promise<Principal> {
    if (token.length <= 32) throw unauthenticated();
    const claims = this.accessTokens.cached(token) ?? (await this.accessTokens.verify(token));
    if (!claims || claims.exp <= Date.now() / 1000) throw unauthenticated();
    return this.principalFor(claims);
  }

  async principalFor(claims: AccessClaims): Promise<Principal> {
    const ready = this.revocations.ready();
    if (ready !== true && !(await ready)) {
      throw new TesseraError('SERVICE_UNAVAILABLE', 'Revocation state is unavailable; refusing to authenticate', {
        headers: { 'Retry-After': '5' },
      });
    }
    if (this.revocations.isRevoked(claims)) throw unauthenticated();
    // A service account's session acts as the account (its role, its org): loaded by a path of its own, so a
    // user id and an account id never stand for each other.
    const identity =
      claims.kind === 'service_account'
        ? (this.identities.peekServiceAccount(claims.sub) ?? (await this.identities.getServiceAccount(claims.sub)))
        : (this.identities.peek(claims.sub) ?? (await this.identities.get(claims.sub)));
    if (!identity || !identity.enabled || identity.orgId !== claims.org) throw unauthenticated();
    return {
      userId: identity.userId,
      userName: identity.userName,
      orgId: identity.orgId,
      orgName: identity.orgName,
      isSystemOrg: identity.isSystemOrg,
      roleId: identity.roleId,
      roleName: identity.roleName,
      rights: claims.scp ? narrowed(identity.rights, claims.scp) : identity.rights,
      sessionId: claims.jti,
      kind: claims.kind,
      apiTokenId: claims.tid,
      issuedAt: claims.iat,
      credentialsReadAtMs: claims.ims,
      expiresAt: claims.exp,
      signedExpiresAt: claims.signedExp,
      apiTokenExpiresAt: claims.tid === null ? null : this.apiTokenEnd(claims.tid, claims.tex ?? null),
    };
  }

  /**
   * When the session's API token stops: its expiry as the session carries it, or a dated revocation the view already
   * holds (a regeneration's grace) when that comes first. From memory only: the bearer check reads no store.
   */
  private apiTokenEnd(tokenId: string, expiresAt: number | null): number | null {
    const stops = this.revocations.apiTokenStopsAt(tokenId);
    if (stops === null) return expiresAt;
    return expiresAt === null ? stops : Math.min(stops, expiresAt);
  }

  private async resolveLegacy(id: string): Promise<string> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw unauthenticated();
    const hash = hashLegacySessionId(id);
    const cached = this.legacyCache.get(hash);
    if (cached) return cached;
    const row = await this.store.db
      .selectFrom('legacy_sessions')
      .select(['access_token', 'expires_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= Date.now()) throw unauthenticated();
    const accessToken = openLegacyAccessToken(id, row.access_token);
    if (accessToken === null) throw unauthenticated();
    if (this.legacyCache.size > 10_000) this.legacyCache.clear();
    this.legacyCache.set(hash, accessToken);
    return accessToken;
  }

  forgetLegacy(id: string): void {
    this.legacyCache.delete(hashLegacySessionId(id));
  }
}
