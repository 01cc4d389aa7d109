/**
 * Who is signed in to the portal, decided once per request from the cookies (never from an Authorization
 * header: the portal is driven by its cookie alone, and API clients never by the cookie).
 *   - a signed-in session: the session cookie holds a live password-session access token of this portal's org;
 *   - a half-signed-in state: the signed `pending` cookie says the password was right and a verification code
 *     is due. It names the user and expires in minutes; it is not a session and opens no page but the code step.
 */
import type { FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../domain/principal.js';
import { TesseraError, unauthenticated } from '../../domain/errors.js';
import { readCookie } from './cookies.js';
import { DEFAULT_TIME_ZONE, effectiveTimeZone } from '../../domain/time-zone.js';
import { signValue, verifySignedValue } from './crypto/signed-value.js';
import { PROVIDER_PORTAL, sessionBelongsTo, tenantPortal, type PortalOrg } from './portal-org.js';
import type { PortalDeps } from './deps.js';

export interface PendingSignIn {
  readonly userId: string;
  /** Lower-case org name: the code step must happen at the same org's URL. */
  readonly org: string;
  readonly endpoint: 'tenant' | 'provider';
  /** When the password was verified (epoch ms): a password change after it voids this record. */
  readonly firstFactorAt: number;
  readonly expiresAt: number;
  /** Random: what the code form's CSRF token is bound to. */
  readonly nonce: string;
}

export interface PortalRequestState {
  readonly org: PortalOrg;
  readonly principal: Principal | null;
  /** The session cookie's access token, when it is this portal's live session (the mint assertion). */
  readonly accessToken: string | null;
  readonly pending: PendingSignIn | null;
  /**
   * The browser's live portal session when it belongs to another org than this portal's: it opens nothing here,
   * but the sign-in page says who is signed in where, with a link back.
   */
  readonly signedInElsewhere?: { readonly userName: string; readonly orgName: string; readonly basePath: string } | null;
  /**
   * The signed-in user's time zone (User preferences > Time zone; UTC when none is chosen or nobody is signed in):
   * pages show instants and read typed dates in it (respond.ts, views/components.ts).
   */
  readonly timeZone?: string;
  /**
   * The sign-in form was posted from this site with a token its cookie no longer matches (checkCsrf): the handler
   * answers with the form again and checks no credential.
   */
  readonly signInFormExpired?: true;
}

export interface SignedInState extends PortalRequestState {
  readonly principal: Principal;
  readonly accessToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every request under /tenant/{org} and /provider. */
    portal: PortalRequestState | null;
  }
}

export async function resolvePortalState(request: FastifyRequest, org: PortalOrg, deps: PortalDeps): Promise<PortalRequestState> {
  const token = readCookie(request, 'session');
  let principal: Principal | null = null;
  let signedInElsewhere: PortalRequestState['signedInElsewhere'] = null;
  if (token) {
    try {
      const candidate = await deps.services.authenticator.fromAccessToken(token);
      // Only password sessions of this org: an API-token session pasted into the cookie opens nothing.
      if (candidate.kind === 'password' && sessionBelongsTo(candidate, org)) principal = candidate;
      else if (candidate.kind === 'password') {
        const home = candidate.isSystemOrg ? PROVIDER_PORTAL : tenantPortal(candidate.orgName);
        signedInElsewhere = { userName: candidate.userName, orgName: candidate.orgName, basePath: home.basePath };
      }
    } catch (error) {
      // Expired or revoked: simply signed out. Revocation state unknown: fail closed, loudly (503).
      if (error instanceof TesseraError && error.code === 'SERVICE_UNAVAILABLE') throw error;
    }
  }
  // One primary-key read per signed-in page; the zone is the user's own setting, not part of the session.
  const timeZone = principal ? effectiveTimeZone((await deps.services.store.getUser(principal.userId))?.time_zone) : DEFAULT_TIME_ZONE;
  return {
    org,
    principal,
    timeZone,
    accessToken: principal ? token! : null,
    pending: principal ? null : readPendingSignIn(request, org, deps),
    signedInElsewhere,
  };
}

export function newPendingSignIn(input: Omit<PendingSignIn, 'nonce' | 'expiresAt'>, lifetimeSeconds: number): PendingSignIn {
  return { ...input, expiresAt: Date.now() + lifetimeSeconds * 1000, nonce: randomBytes(16).toString('base64url') };
}

export function sealPendingSignIn(deps: PortalDeps, pending: PendingSignIn): string {
  return signValue(deps.keys.pendingSignIn, pending);
}

function readPendingSignIn(request: FastifyRequest, org: PortalOrg, deps: PortalDeps): PendingSignIn | null {
  const value = verifySignedValue(deps.keys.pendingSignIn, readCookie(request, 'pending'));
  if (!isPendingSignIn(value)) return null;
  if (value.expiresAt <= Date.now()) return null;
  if (value.org !== org.orgName.toLowerCase() || value.endpoint !== org.kind) return null;
  return value;
}

function isPendingSignIn(value: unknown): value is PendingSignIn {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.userId === 'string' &&
    typeof v.org === 'string' &&
    (v.endpoint === 'tenant' || v.endpoint === 'provider') &&
    typeof v.firstFactorAt === 'number' &&
    typeof v.expiresAt === 'number' &&
    typeof v.nonce === 'string'
  );
}

/** The signed-in state, or the 401 the portal's error handler turns into a redirect to the sign-in page. */
export function requireSignedIn(request: FastifyRequest): SignedInState {
  const state = request.portal;
  if (!state || !state.principal || !state.accessToken) throw unauthenticated('Sign in to continue');
  return state as SignedInState;
}
