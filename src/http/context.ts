/**
 * What every handler can rely on: `request.principal` (decided once, in the authenticate hook),
 * `request.vcd` (the negotiated API version and format) and `app.tessera` (the services).
 */
import type { GithubScanningKeys } from '../github-scanning-keys.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/principal.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { AccessTokenService } from '../auth/access-tokens.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { RevocationView } from '../auth/revocation-view.js';
import type { IdentityCache } from '../auth/identity-cache.js';
import type { SessionService } from '../auth/sessions.js';
import type { ApiTokenService } from '../auth/api-tokens.js';
import type { ServiceAccountService } from '../auth/service-accounts.js';
import type { AuditLog } from '../auth/audit.js';
import type { IdentityAdmin } from '../auth/identity-admin.js';
import type { UserService } from '../auth/users.js';
import type { RecoveryCodeService } from '../auth/recovery-codes.js';
import type { TotpEnrolmentService } from '../auth/totp-enrolment.js';
import type { ApiTokenPolicyService } from '../auth/api-token-policy.js';
import type { OrgAdmin } from '../auth/org-admin.js';
import type { OrgMetadataAdmin } from '../auth/org-metadata.js';
import type { TaskService } from '../auth/tasks.js';
import type { AddressRateLimiter, RateLimiter } from '../auth/rate-limiter.js';
import { DEFAULT_API_VERSION } from '../domain/api-versions.js';
import { unauthenticated } from '../domain/errors.js';
import { requestedHost, requestedScheme } from './request-origin.js';

/** This installation's site (VCD multisite): its id appears in session locations. */
export interface Site {
  id: string;
  name: string;
}

export interface Services {
  config: Config;
  store: Store;
  accessTokens: AccessTokenService;
  authenticator: Authenticator;
  revocations: RevocationView;
  identities: IdentityCache;
  sessions: SessionService;
  apiTokens: ApiTokenService;
  /** Service accounts (VCD 10.4): the device flow and rotating refresh tokens. */
  serviceAccounts: ServiceAccountService;
  users: UserService;
  /** Every change to users, groups, roles and rights bundles, with the rules of who may grant what. */
  identityAdmin: IdentityAdmin;
  /** Org lifecycle (create, change, disable, enable, delete): the provider's, with its rules. */
  orgAdmin: OrgAdmin;
  /** An org's metadata through the admin API: the provider's, like the org itself. */
  orgMetadata: OrgMetadataAdmin;
  /** VCD tasks of admin operations (/api/task). */
  tasks: TaskService;
  /** The signed-in user's own TOTP: set-up, confirmation, disabling (the cloudapi and the portal). */
  totpEnrolment: TotpEnrolmentService;
  /** An org's API-token lifetime policy (the cloudapi and the portal). */
  apiTokenPolicy: ApiTokenPolicyService;
  recoveryCodes: RecoveryCodeService;
  audit: AuditLog;
  /** GitHub's secret scanning keys (--github-secret-scanning-keys), or null: the partner endpoint is off. */
  githubScanningKeys: GithubScanningKeys | null;
  /** This installation's site (VCD multisite): its id appears in session locations. */
  site: Site;
  limits: {
    /** Per-address budgets: keyed by the client's address block (an IPv6 /64) and what it tried. */
    signIn: AddressRateLimiter;
    tokenPerIp: AddressRateLimiter;
    revokePerIp: AddressRateLimiter;
    tokenPerToken: RateLimiter<number>;
    register: RateLimiter;
    userCodes: RateLimiter;
    /** The portal's organization chooser: look-ups per address block. */
    orgChooser: AddressRateLimiter;
  };
}

export type ApiArea = 'api' | 'cloudapi' | 'oauth' | 'portal' | 'other';

export interface VcdRequestInfo {
  /** Version named in Accept, or null. */
  version: string | null;
  /** Version to answer with (the requested one, else the default). */
  responseVersion: string;
  json: boolean;
  area: ApiArea;
}

declare module 'fastify' {
  interface FastifyInstance {
    tessera: Services;
  }
  interface FastifyRequest {
    principal: Principal | null;
    vcd: VcdRequestInfo;
  }
}

/** The caller, or the 401 (or fail-closed 503) that explains why there is none. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw request.authError ?? unauthenticated();
  return request.principal;
}

/** `https://host:port` of this server as the client sees it (or the configured public URL). */
export function baseUrl(request: FastifyRequest): string {
  const configured = request.server.tessera.config.publicUrl;
  if (configured) return configured;
  // The onRequest hook has refused a malformed host (400), so this is safe to build URLs from.
  const requested = requestedHost(request);
  const { config } = request.server.tessera;
  const host = requested !== '' ? requested : `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  return `${requestedScheme(request)}://${host}`;
}

/**
 * The path as the router matches it: without the query, duplicate slashes collapsed (the router ignores them) and
 * percent-escapes decoded (the router decodes them). `//api/org` and `/%61pi/org` reach `/api/org`'s handler, so
 * they must get `/api`'s rules too: its error format, its version negotiation, its authentication.
 */
export function canonicalPath(url: string): string {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      // Malformed escapes: the router refuses the request; the raw path still names its area.
    }
  }
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^#]*)/;

/**
 * A request-target in absolute form (`https://host/api/org`) as its authority (without user information) and its
 * origin-form path and query; null for any other target. The router reads the path (app.ts, rewriteUrl), and so
 * does the answer to a request the parser refused (client-errors.ts).
 */
export function splitAbsoluteForm(url: string): { authority: string; path: string } | null {
  const m = ABSOLUTE_FORM.exec(url);
  if (!m) return null;
  const rest = m[2]!;
  return { authority: m[1]!.slice(m[1]!.lastIndexOf('@') + 1), path: rest.startsWith('/') ? rest : `/${rest}` };
}

export function areaOf(rawUrl: string): ApiArea {
  return areaOfPath(canonicalPath(rawUrl));
}

/** The area of a path canonicalPath() has made (the onRequest hook makes it once and reads it twice). */
export function areaOfPath(url: string): ApiArea {
  if (url.startsWith('/api/') || url === '/api') return 'api';
  if (url.startsWith('/cloudapi/')) return 'cloudapi';
  if (url.startsWith('/oauth/')) return 'oauth';
  if (url.startsWith('/tenant') || url.startsWith('/provider') || url.startsWith('/static') || url === '/') return 'portal';
  return 'other';
}

export function defaultVersion(): string {
  return DEFAULT_API_VERSION;
}

/**
 * A text body with exactly `contentType` (VCD's, e.g. `application/json;version=37.0` or a `+json` query type).
 * Through a pass-through serializer: given a string with a JSON type the usual way, fastify rewrites the type
 * (appending `; charset=utf-8`, which is not VCD's), and a serializer is the one path on which it leaves the type as
 * set. Kept a string rather than made a Buffer (the earlier way of keeping the type) because Node then writes the
 * headers and the body as one buffer, where a Buffer body cost a UTF-8 conversion and a second chunk in the
 * socket's writev: 70.7 against 65.7 µs of server CPU per token exchange, the medians of six interleaved rounds
 * (docs/performance.md, §1).
 */
export function sendExactText(reply: FastifyReply, contentType: string, text: string) {
  return reply.header('content-type', contentType).serializer(asIs).send(text);
}

function asIs(payload: string): string {
  return payload;
}

/** `body` as JSON with exactly `contentType` (see sendExactText). */
export function sendExactJson(reply: FastifyReply, contentType: string, body: unknown) {
  return sendExactText(reply, contentType, JSON.stringify(body));
}

/** JSON with VCD's exact content type and a status. */
export function sendJson(reply: FastifyReply, status: number, contentType: string, body: unknown) {
  return sendExactJson(reply.code(status), contentType, body);
}

/** JSON with VCD's versioned content type under /cloudapi. */
export function sendCloudapiJson(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown) {
  return sendJson(reply, status, `application/json;version=${request.vcd.responseVersion}`, body);
}
