/**
 * `/oauth/tenant/{org}/...` and `/oauth/provider/...`: client registration (creates a named API token) and the
 * token endpoint, dispatched by grant type to one module each. Errors use VCD's JSON envelope with the OAuth
 * error in `minorErrorCode` (vcd-wire §5.3).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthOrgPath } from '../../auth/api-tokens.js';
import { baseUrl, jsonBytes, requirePrincipal } from '../context.js';
import { TesseraError, tooManyRequests } from '../errors.js';
import type { GrantHandler } from './grants/types.js';
import type { OAuthClientRegistration } from '../../schemas/wire.js';
import { isoInstant } from '../../domain/instant.js';
import { isWellFormedApiToken } from '../../domain/api-token-format.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import { introspectHandler } from './introspect.js';
import { jwtBearerGrant } from './grants/jwt-bearer.js';
import { deviceCodeGrant } from './grants/device-code.js';
import { hashApiToken } from '../../domain/api-token-format.js';

const GRANTS: ReadonlyMap<string, GrantHandler> = new Map(
  [refreshTokenGrant, jwtBearerGrant, deviceCodeGrant].map((g) => [g.grantType, g]),
);

/**
 * Token endpoint parameters from the body (a form whatever its Content-Type, or none: govcd <= v2.20 sends a
 * raw form without one) merged with the query string (Broadcom KB 429004 puts them there). Body wins.
 */
export function tokenParameters(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const body = request.body;
  if (typeof body === 'string') takeFirst(out, new URLSearchParams(body));
  else if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (typeof v === 'string' && !(k in out)) out[k] = v;
      else if (Array.isArray(v) && typeof v[0] === 'string' && !(k in out)) out[k] = v[0];
    }
  }
  const query = request.query as Record<string, unknown>;
  for (const [k, v] of Object.entries(query ?? {})) {
    if (k in out) continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

/** Module level, not a closure per request (the exchange runs this on every call). */
function takeFirst(out: Record<string, string>, entries: Iterable<[string, string]>): void {
  for (const [k, v] of entries) if (!(k in out)) out[k] = v;
}

function orgPath(request: FastifyRequest<{ Params: { org?: string } }>): OAuthOrgPath {
  // The router has already percent-decoded the parameter: decoding again would break names containing '%'.
  return request.params.org === undefined ? { kind: 'provider' } : { kind: 'tenant', orgName: request.params.org };
}

export const oauthRoutes: FastifyPluginAsync = async (app) => {
  const services = app.tessera;

  const token = async (request: FastifyRequest<{ Params: { org?: string } }>, reply: FastifyReply) => {
    const retryAfter = services.limits.tokenPerIp.hit(request.ip);
    if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests from this address; retry later');
    const params = tokenParameters(request);
    const grantType = params.grant_type;
    if (!grantType) throw new TesseraError('invalid_request', 'grant_type is required');
    const grant = GRANTS.get(grantType);
    if (!grant) throw new TesseraError('unsupported_grant_type', `Unsupported grant_type "${grantType.slice(0, 100)}"`);
    const body = await grant.handler({ services, path: orgPath(request), params, request });
    reply.header('Cache-Control', 'no-store');
    reply.header('Pragma', 'no-cache');
    return reply.code(200).header('content-type', 'application/json').send(jsonBytes(body));
  };
  app.post('/oauth/provider/token', token);
  app.post('/oauth/tenant/:org/token', token);

  const register = async (request: FastifyRequest<{ Params: { org?: string } }>, reply: FastifyReply) => {
    const principal = requirePrincipal(request);
    const retryAfter = services.limits.register.hit(principal.userId);
    if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many API-token registrations; retry later');
    let body = request.body as unknown;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        throw new TesseraError('invalid_request', 'The body must be JSON: {"client_name": "..."}');
      }
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new TesseraError('invalid_request', 'The body must be JSON: {"client_name": "..."}');
    }
    const input = body as Record<string, unknown>;
    // "The presence of the software_id field indicates the intent to create a service account" (VCD 10.4 docs).
    if (input.software_id !== undefined && input.software_id !== null && input.software_id !== '') {
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
      return reply
        .code(200)
        .header('content-type', 'application/json')
        .send(
          jsonBytes({
            client_name: row.name,
            client_id: row.id,
            grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
            client_uri: row.client_uri ?? '',
            software_id: row.software_id,
            software_version: row.software_version ?? '',
            scope: `urn:vcloud:role:${encodeURIComponent(role.name)}`,
          } satisfies OAuthClientRegistration),
        );
    }
    const row = await services.apiTokens.register(
      principal,
      orgPath(request),
      { name: input.client_name, expiresAt: input.expirationTimeUtc ?? input.expires_at, scope: input.scope },
      request.ip,
    );
    return reply
      .code(200)
      .header('content-type', 'application/json')
      .send(
        jsonBytes({
          client_name: row.name,
          client_id: row.id,
          grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token'],
          token_endpoint_auth_method: 'none',
          expirationTimeUtc: isoInstant(row.expires_at),
          ...(row.scope !== null ? { scope: row.scope } : {}),
        } satisfies OAuthClientRegistration),
      );
  };
  app.post('/oauth/provider/register', register);
  app.post('/oauth/tenant/:org/register', register);

  // RFC 8628 §3.1 for a service account (vcd-wire §11 step 2). Unlike RFC 8628's public device, the caller must
  // be an administrator who may manage the account (govcd and Terraform's script send their bearer): a device
  // code started by anyone who knows a client_id would let a stranger phish an administrator into granting it.
  const deviceAuthorization = async (request: FastifyRequest<{ Params: { org?: string } }>, reply: FastifyReply) => {
    const principal = requirePrincipal(request);
    const params = tokenParameters(request);
    const path = orgPath(request);
    const verificationUri = `${baseUrl(request)}${path.kind === 'provider' ? '/provider' : `/tenant/${encodeURIComponent(path.orgName)}`}`;
    const answer = await services.serviceAccounts.authorize(principal, path, params.client_id, verificationUri, request.ip);
    reply.header('Cache-Control', 'no-store');
    return reply.code(200).header('content-type', 'application/json').send(jsonBytes(answer));
  };
  app.post('/oauth/provider/device_authorization', deviceAuthorization);
  app.post('/oauth/tenant/:org/device_authorization', deviceAuthorization);

  // RFC 7009: `token=<API token>` revokes the API token (and so every session made from it); `token=<access
  // token>` ends that one session. `token_type_hint` is optional and, as §2.1 allows, not needed: the two kinds
  // are told apart by their shape. 200 whatever the token was, so the endpoint is no oracle.
  const revoke = async (request: FastifyRequest<{ Params: { org?: string } }>, reply: FastifyReply) => {
    const retryAfter = services.limits.tokenPerIp.hit(request.ip);
    if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many token requests from this address; retry later');
    const params = tokenParameters(request);
    if (!params.token) throw new TesseraError('invalid_request', 'token is required');
    if (isWellFormedApiToken(params.token)) {
      // A service account's refresh token has the same shape: whichever kind it is, it ends.
      if (!(await services.serviceAccounts.revokeByPossession(hashApiToken(params.token), request.ip))) {
        await services.apiTokens.revokeByPossession(params.token, request.ip);
      }
    } else await services.sessions.endByPossession(params.token, request.ip);
    return reply.code(200).header('Cache-Control', 'no-store').send();
  };
  app.post('/oauth/provider/revoke', revoke);
  app.post('/oauth/tenant/:org/revoke', revoke);

  app.post('/oauth/provider/introspect', introspectHandler(services, tokenParameters));
  app.post('/oauth/tenant/:org/introspect', introspectHandler(services, tokenParameters));

  // RFC 8414 authorization-server metadata, one issuer per org (path-inserted well-known URL).
  const metadata = (issuerPath: string, request: FastifyRequest) => {
    const issuer = `${baseUrl(request)}${issuerPath}`;
    return {
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
      introspection_endpoint_auth_methods_supported: ['bearer'],
      response_types_supported: [],
    };
  };
  app.get('/.well-known/oauth-authorization-server/oauth/provider', async (request, reply) =>
    reply.header('content-type', 'application/json').send(jsonBytes(metadata('/oauth/provider', request))),
  );
  // Answered alike for every org name, existing or not: sign-in and the exchange are careful not to tell
  // which orgs exist, and this unauthenticated document must not either.
  app.get<{ Params: { org: string } }>('/.well-known/oauth-authorization-server/oauth/tenant/:org', async (request, reply) => {
    const name = request.params.org;
    if (name.length === 0 || name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new TesseraError('RESOURCE_NOT_FOUND', 'No such issuer');
    }
    return reply.header('content-type', 'application/json').send(jsonBytes(metadata(`/oauth/tenant/${encodeURIComponent(name)}`, request)));
  });
};
