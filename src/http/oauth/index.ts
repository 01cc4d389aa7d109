/**
 * `/oauth/tenant/{org}/...` and `/oauth/provider/...`: client registration (creates a named API token) and the
 * token endpoint, dispatched by grant type to one module each. Errors use VCD's JSON envelope with the OAuth
 * error in `minorErrorCode` (vcd-wire §5.3).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import type { OAuthOrgPath } from '../../auth/api-tokens.js';
import { baseUrl, requirePrincipal, sendExactText, sendJson } from '../context.js';
import { TesseraError, tooManyRequests } from '../../domain/errors.js';
import type { GrantHandler } from './grants/types.js';
import type { OAuthClientRegistration, OAuthTokenResponse } from '../../schemas/wire.js';
import { tokenAnswerJson } from './token-answer-json.js';
import { isoInstant, parseInstant } from '../../domain/instant.js';
import { hashApiToken, isWellFormedApiToken } from '../../domain/api-token-format.js';
import { parseJsonBody } from '../json-body.js';
import { withoutByteOrderMark } from '../form-body.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import { introspect } from './introspect.js';
import { PROVIDER_ISSUER_PATH, tenantIssuerPath } from './issuer.js';
import { jwtBearerGrant } from './grants/jwt-bearer.js';
import { deviceCodeGrant } from './grants/device-code.js';
import { revokeWellFormedToken } from './revoke-by-value.js';
import { githubSecretScanningRoutes } from './github-secret-scanning.js';
import { AnyQuery, JsonErrorEnvelope, NoContent } from '../contract/common.js';
import {
  AuthorizationServerMetadata,
  DeviceAuthorizationResponse,
  IntrospectionResponse,
  OAuthErrors,
  OAUTH_FORM_CONTENT_TYPES,
  OAuthParameters,
  type OAuthParameters as OAuthParametersType,
  OrgParams,
  RegisterBody,
  RegisterResponse,
  TenantParams,
  TokenResponse,
} from './schemas.js';

const GRANTS: ReadonlyMap<string, GrantHandler> = new Map(
  [refreshTokenGrant, jwtBearerGrant, deviceCodeGrant].map((g) => [g.grantType, g]),
);

/**
 * Names a grant type only when it looks like one (a lowercase word or URN: `password`, `client_credentials`,
 * `urn:ietf:params:oauth:grant-type:saml2-bearer`). A malformed body can put the secret there
 * (`grant_type=refresh_token;refresh_token=<API token>`, or the token alone), and error messages end up in clients',
 * Terraform's and CI's logs: anything else is answered with the supported names only.
 */
export function unsupportedGrantMessage(grantType: string): string {
  const supported = [...GRANTS.keys()].join(', ');
  return /^(?:[a-z_]{1,40}|urn:[a-z0-9:._-]{1,96})$/.test(grantType)
    ? `Unsupported grant_type "${grantType}"; supported: ${supported}`
    : `Unsupported grant_type; supported: ${supported}`;
}

/**
 * preValidation of the form endpoints: the parameters from the body (a form, text/plain or JSON, or untyped:
 * govcd <= v2.20 sends a raw form without a type) merged with the query string (Broadcom KB 429004 puts
 * them there), body first. The result replaces the body, so the schema (OAuthParameters) validates one object
 * whatever the transport. A repeated key (within one of them, or in both with two values) becomes an array, which
 * the schema refuses for known parameters.
 * Callback style and synchronous: it runs on every exchange, where a promise per hook is measurable.
 */
export function foldOAuthParameters(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  try {
    // Only a body kept as text can be of another type: a form parsed as one (the common case) is an object.
    if (typeof request.body === 'string' && request.body !== '') refuseForeignMediaType(request.headers['content-type']);
    request.body = foldedParameters(request.body, request.query as Record<string, unknown> | undefined);
  } catch (error) {
    return done(error as Error);
  }
  done();
}

/**
 * The types an OAuth body is read as a form under: a form, none (govcd <= v2.20), text/plain (fetch's default) and
 * JSON's names (a hand-written curl labels a form JSON), vcd-wire §1.4. A body of any other type (multipart/form-data,
 * XML) was read as a form too, until 2026-12-07: a client that did send `grant_type` in a multipart body was told it
 * was required, and a proxy reading the body by its type saw other parameters than the server. Now a 415.
 */
function refuseForeignMediaType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (type === '' || type === 'text/plain' || type === 'application/x-www-form-urlencoded' || type === 'application/json') return;
  if (type === 'text/json' || /^application\/[\w.*+-]*\+json$/.test(type)) return;
  throw new TesseraError(
    'UNSUPPORTED_MEDIA_TYPE',
    `A body of type ${type.slice(0, 64)} is not read here: send the parameters as application/x-www-form-urlencoded`,
  );
}

/** Exported for its test. Linear in the parameters' number, however they repeat (see parseFormBody). */
export function foldedParameters(body: unknown, query: Record<string, unknown> | undefined): unknown {
  const formObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  // The common case (a parsed form, nothing in the query string) is already the folded object: the form parser
  // (parseFormBody) parses into a null-prototype object whose keys are all own properties (a parameter named __proto__ included),
  // and it has made a repeated key an array already.
  if (formObject && isEmpty(query)) return body;
  const out = new Map<string, unknown>();
  if (typeof body === 'string') {
    for (const [k, v] of new URLSearchParams(withoutByteOrderMark(body))) {
      const seen = out.get(k);
      if (seen === undefined) out.set(k, v);
      else if (Array.isArray(seen)) seen.push(v);
      else out.set(k, [seen, v]);
    }
  } else if (body !== undefined && body !== null) {
    if (!formObject) throw new TesseraError('invalid_request', 'The parameters must be a form');
    for (const [k, v] of Object.entries(body)) out.set(k, v);
  }
  // A parameter in both the body and the query string with two values is refused (RFC 6749 §3.2: "MUST NOT be
  // included more than once"): it becomes an array, as a repeat within the body does, and the schema refuses it.
  // Taking either copy would let a proxy or a log see one token while the server used the other. The same value
  // twice (a script that pasted the KB's query string onto the blog's body) means one thing, and is kept.
  for (const [k, v] of Object.entries(query ?? {})) {
    const seen = out.get(k);
    if (seen === undefined) out.set(k, v);
    else if (seen !== v) out.set(k, [...(Array.isArray(seen) ? seen : [seen]), ...(Array.isArray(v) ? v : [v])]);
  }
  // fromEntries defines own properties: a parameter named __proto__ stays a parameter.
  return Object.fromEntries(out);
}

function isEmpty(record: Record<string, unknown> | undefined): boolean {
  for (const _ in record) return false;
  return true;
}

/** preValidation of register: a JSON body sent with another Content-Type (text/plain) is still read as JSON. */
async function parseRegisterBody(request: FastifyRequest): Promise<void> {
  if (typeof request.body !== 'string') return;
  request.body = parseJsonBody(request.body, () => new TesseraError('invalid_request', 'The body must be JSON: {"client_name": "..."}'));
}

/** The two names register takes an expiry under: Tessera's `expirationTimeUtc` and its alias `expires_at`. */
const EXPIRY_FIELDS = ['expirationTimeUtc', 'expires_at'] as const;

/**
 * The expiry register was asked for, each field given checked before anything is written: one that is no instant is
 * refused under its own name, and the two names with different instants are refused rather than one silently
 * winning (until 2026-12-07 `expirationTimeUtc` won, and a bad `expires_at` beside it went unread). A service account
 * takes none: its authorization's end is the organization's lifetime policy, set when an administrator grants it,
 * and an expiry the client believed it had set was ignored. Absent, null and "" mean no expiry, as before.
 * Range checks (future, the org's cap) stay the service's.
 */
export function requestedExpiry(
  input: Partial<Record<(typeof EXPIRY_FIELDS)[number], string | null>>,
  serviceAccount: boolean,
): string | undefined {
  const given = EXPIRY_FIELDS.flatMap((field) => {
    const raw = input[field];
    if (raw === undefined || raw === null || raw === '') return [];
    const at = parseInstant(raw);
    if (at === null) {
      throw new TesseraError('invalid_request', `${field} must be an ISO 8601 date-time with a zone, e.g. 2027-01-31T23:59:59Z`);
    }
    return [{ field, raw, at }];
  });
  if (given.length === 0) return undefined;
  if (serviceAccount) {
    throw new TesseraError(
      'invalid_request',
      `A service account takes no ${given[0]!.field}: its authorization ends as the organization's token lifetime policy says`,
    );
  }
  if (given.length === 2 && given[0]!.at !== given[1]!.at) {
    throw new TesseraError('invalid_request', 'expirationTimeUtc and expires_at name two different instants; send one of them');
  }
  return given[0]!.raw;
}

/**
 * The `token` of revoke and introspect, from the body only (RFC 7009 §2.1 and RFC 7662 §2.1 define a form body). A
 * token in the query string is refused: proxies and load balancers log URLs, and a script that sends it there sends
 * every token it revokes or checks into those logs. Broadcom's KB 429004, why the token endpoint reads the query
 * string too, is about the token endpoint only. Until 2026-12-05 both endpoints took `?token=`.
 */
function tokenFromBody(request: { query: unknown; body: OAuthParametersType }): string {
  if ((request.query as Record<string, unknown> | undefined)?.token !== undefined) {
    throw new TesseraError('invalid_request', 'Send token in the request body (a form), not in the URL: URLs are logged');
  }
  const token = request.body.token;
  if (!token) throw new TesseraError('invalid_request', 'token is required');
  return token;
}

function orgPath(request: { params: { org?: string } }): OAuthOrgPath {
  // The router has already percent-decoded the parameter: decoding again would break names containing '%'.
  return request.params.org === undefined ? { kind: 'provider' } : { kind: 'tenant', orgName: request.params.org };
}

/**
 * JSON with exactly `application/json` (a response schema describes it; see schemas.ts), never to be sniffed as a page:
 * the metadata echoes the org's name from the URL. Every success of /oauth and its metadata but the token exchange's
 * (sendExchangeJson); until 2026-12-07 only the errors carried the header.
 */
function sendOAuthJson(reply: FastifyReply, body: unknown) {
  return sendJson(reply.header('X-Content-Type-Options', 'nosniff'), 200, 'application/json', body);
}

/** The token exchange's success: sendOAuthJson without X-Content-Type-Options (see the token route). */
function sendExchangeJson(reply: FastifyReply, answer: OAuthTokenResponse) {
  return sendExactText(reply.code(200), 'application/json', tokenAnswerJson(answer));
}

export const oauthRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const services = app.tessera;
  // Its own plugin: it reads its body as raw bytes (the signature is over them), with its own size limit.
  await plugin.register(githubSecretScanningRoutes);
  /** Each endpoint exists at /oauth/provider/x and /oauth/tenant/{org}/x, with one contract. */
  const paths = (suffix: string) => [`/oauth/provider/${suffix}`, `/oauth/tenant/:org/${suffix}`];
  const formRoute = <R extends Record<number, unknown>>(response: R) => ({
    preValidation: foldOAuthParameters,
    schema: { params: OrgParams, body: OAuthParameters, consumes: OAUTH_FORM_CONTENT_TYPES, response: { ...OAuthErrors, ...response } },
  });

  for (const url of paths('token')) {
    app.post(url, formRoute({ 200: TokenResponse }), async (request, reply) => {
      const retryAfter = services.limits.tokenPerIp.hit(request.ip);
      if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests from this address; retry later');
      const params = request.body;
      const grantType = params.grant_type;
      if (!grantType) throw new TesseraError('invalid_request', 'grant_type is required');
      const grant = GRANTS.get(grantType);
      if (!grant) throw new TesseraError('unsupported_grant_type', unsupportedGrantMessage(grantType));
      const answer = await grant.handler({ services, path: orgPath(request), params, request, reply });
      reply.header('Cache-Control', 'no-store');
      reply.header('Pragma', 'no-cache');
      // No X-Content-Type-Options on this success (its errors carry it, error-handler.ts): it would be one more header
      // set per exchange on the benchmarked hot path (docs/performance.md), and fastify has no precomputed header set
      // that costs nothing per request. The answer is exact `application/json` to a form POST, with no input echoed
      // and nothing a browser navigates to; the decision of 2026-12-07.
      return sendExchangeJson(reply, answer);
    });
  }

  for (const url of paths('register')) {
    app.post(
      url,
      {
        preValidation: parseRegisterBody,
        schema: { params: OrgParams, body: RegisterBody, response: { ...OAuthErrors, 200: RegisterResponse } },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const retryAfter = services.limits.register.hit(principal.userId);
        if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many API-token registrations; retry later');
        const input = request.body;
        // "The presence of the software_id field indicates the intent to create a service account" (VCD 10.4 docs).
        const serviceAccount = input.software_id !== undefined && input.software_id !== null && input.software_id !== '';
        const expiresAt = requestedExpiry(input, serviceAccount);
        if (serviceAccount) {
          const { row, role } = await services.serviceAccounts.create(
            principal,
            orgPath(request),
            {
              name: input.client_name,
              scope: input.scope,
              softwareId: input.software_id,
              softwareVersion: input.software_version,
              clientUri: input.client_uri,
            },
            request.ip,
          );
          return sendOAuthJson(reply, {
            client_name: row.name,
            client_id: row.id,
            grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
            client_uri: row.client_uri ?? '',
            software_id: row.software_id,
            software_version: row.software_version ?? '',
            scope: `urn:vcloud:role:${encodeURIComponent(role.name)}`,
          } satisfies OAuthClientRegistration & Static<typeof RegisterResponse>);
        }
        const row = await services.apiTokens.register(
          principal,
          orgPath(request),
          { name: input.client_name, expiresAt, scope: input.scope },
          request.ip,
        );
        return sendOAuthJson(reply, {
          client_name: row.name,
          client_id: row.id,
          grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token'],
          token_endpoint_auth_method: 'none',
          expirationTimeUtc: isoInstant(row.expires_at),
          ...(row.scope !== null ? { scope: row.scope } : {}),
        } satisfies OAuthClientRegistration & Static<typeof RegisterResponse>);
      },
    );
  }

  // RFC 8628 §3.1 for a service account (vcd-wire §11 step 2). Unlike RFC 8628's public device, the caller must
  // be an administrator who may manage the account (govcd and Terraform's script send their bearer): a device
  // code started by anyone who knows a client_id would let a stranger phish an administrator into granting it.
  for (const url of paths('device_authorization')) {
    app.post(url, formRoute({ 200: DeviceAuthorizationResponse }), async (request, reply) => {
      const principal = requirePrincipal(request);
      const path = orgPath(request);
      const verificationUri = `${baseUrl(request)}${path.kind === 'provider' ? '/provider' : `/tenant/${encodeURIComponent(path.orgName)}`}`;
      const answer = await services.serviceAccounts.authorize(principal, path, request.body.client_id, verificationUri, request.ip);
      reply.header('Cache-Control', 'no-store');
      return sendOAuthJson(reply, answer satisfies Static<typeof DeviceAuthorizationResponse>);
    });
  }

  // RFC 7009: `token=<API token>` revokes the API token (and so every session made from it); `token=<access
  // token>` or `token=<legacy session id>` ends that one session. `token_type_hint` is optional and, as §2.1
  // allows, not needed: the kinds are told apart by their shape. 200 whatever the token was: no oracle.
  for (const url of paths('revoke')) {
    app.post(url, formRoute({ 200: NoContent }), async (request, reply) => {
      const retryAfter = services.limits.revokePerIp.hit(request.ip);
      if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many revocation requests from this address; retry later');
      const token = tokenFromBody(request);
      if (isWellFormedApiToken(token)) await revokeWellFormedToken(services, hashApiToken(token), request.ip);
      else await services.sessions.endByPossession(token, request.ip);
      return reply.code(200).header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff').send(undefined);
    });
  }

  for (const url of paths('introspect')) {
    app.post(url, formRoute({ 200: IntrospectionResponse }), async (request, reply) => {
      const principal = requirePrincipal(request);
      const answer = await introspect(services, principal, request.ip, baseUrl(request), request.params.org, tokenFromBody(request));
      return sendOAuthJson(reply.header('Cache-Control', 'no-store'), answer);
    });
  }

  // RFC 8414 authorization-server metadata, one issuer per org (path-inserted well-known URL).
  const metadata = (issuerPath: string, request: FastifyRequest, reply: FastifyReply) => {
    const issuer = `${baseUrl(request)}${issuerPath}`;
    // Without --public-url the issuer is made from the request's Host (or a trusted proxy's X-Forwarded-Host): a
    // cache in front must not hand one client's answer to another, who asked by another name.
    if (!services.config.publicUrl) reply.header('Cache-Control', 'no-store');
    return sendOAuthJson(reply, {
      issuer,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      revocation_endpoint: `${issuer}/revoke`,
      introspection_endpoint: `${issuer}/introspect`,
      device_authorization_endpoint: `${issuer}/device_authorization`,
      grant_types_supported: [
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      // Tessera extension (RFC 7009 names no metadata for it): which tokens the revocation endpoint ends.
      revocation_token_types_supported: ['refresh_token', 'access_token'],
      // The caller's own access token: RFC 8414 §2 takes a value of the "OAuth Access Token Types" registry here,
      // where RFC 6750 registered "Bearer" (until 2026-12-05 this said "bearer", which no registry holds).
      introspection_endpoint_auth_methods_supported: ['Bearer'],
      response_types_supported: [],
    } satisfies AuthorizationServerMetadata);
  };
  const metadataSchema = { querystring: AnyQuery, response: { 200: AuthorizationServerMetadata } };
  app.get(`/.well-known/oauth-authorization-server${PROVIDER_ISSUER_PATH}`, { schema: metadataSchema }, async (request, reply) =>
    metadata(PROVIDER_ISSUER_PATH, request, reply),
  );
  // Answered alike for every org name, existing or not: sign-in and the exchange are careful not to tell
  // which orgs exist, and this unauthenticated document must not either. A malformed name (empty, too long,
  // control characters) is the schema's 400.
  app.get(
    '/.well-known/oauth-authorization-server/oauth/tenant/:org',
    // 400: an org name the params schema refuses (empty, too long, control characters), in the JSON envelope.
    { schema: { ...metadataSchema, params: TenantParams, response: { ...metadataSchema.response, 400: JsonErrorEnvelope } } },
    async (request, reply) => metadata(tenantIssuerPath(request.params.org), request, reply),
  );
};
