/**
 * The declared contract of /oauth and /.well-known/oauth-authorization-server (TypeBox; validated before any
 * handler runs, and the handlers' parameter types come from here). A validation failure is 400 with the OAuth
 * error `invalid_request` in VCD's JSON envelope (src/http/error-handler.ts).
 *
 * How the form endpoints (token, revoke, introspect, device_authorization) are read, and why:
 * - Clients send the parameters as a form with `application/x-www-form-urlencoded`, as a form with no or another
 *   Content-Type (govcd <= v2.20), as JSON, or in the query string (Broadcom KB 429004). `oauthParameters`, a
 *   preValidation hook, folds all of these into one object (body first, then query parameters the body lacks)
 *   before validation, so the schema below is the one contract whatever the transport.
 * - Unknown parameters are allowed and ignored (RFC 6749 §3.1, §3.2: "MUST ignore unrecognized request
 *   parameters"); clients send `client_secret`, `token_type_hint`. `scope` is read by the refresh grant only.
 * - A known parameter given twice is refused (RFC 6749 §3.1: "MUST NOT be included more than once").
 * - Lengths are bounded well above any real value (an API token is 32 characters, an access token under 1 KiB);
 *   formats that say something about existence are NOT checked here: `client_id` keeps one answer for every bad
 *   client (`invalid_client` on device_authorization, `invalid_grant` on the token endpoint), malformed included,
 *   and the services (src/auth) check the UUID shape themselves.
 * Responses are sent as pre-serialized bytes (VCD's exact content type), so the response schemas below describe
 * rather than serialize; test/http/contract/response-schemas.test.ts checks real answers against them.
 */
import { Type, type Static } from 'typebox';
import { MAX_NAME_LENGTH, NullableString } from '../contract/common.js';
import { named } from '../contract/components.js';

const MAX_TOKEN_LENGTH = 8192;

const param = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

export const OAuthParameters = Type.Object(
  {
    grant_type: param(
      MAX_NAME_LENGTH,
      'refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer or urn:ietf:params:oauth:grant-type:device_code',
    ),
    refresh_token: param(MAX_TOKEN_LENGTH, 'the API token (or a service account refresh token)'),
    assertion: param(MAX_TOKEN_LENGTH, 'jwt-bearer: the owner\u2019s current access token'),
    client_id: param(MAX_NAME_LENGTH, 'the client_id that register returned'),
    device_code: param(MAX_NAME_LENGTH, 'device_code grant: the code device_authorization returned'),
    token: param(MAX_TOKEN_LENGTH, 'revoke and introspect: an API token or an access token'),
    token_type_hint: param(MAX_NAME_LENGTH, 'RFC 7009 hint; not needed, the two kinds are told apart by shape'),
    scope: param(
      1024,
      'refresh_token grant (RFC 6749 §6): the token\u2019s own scope or nothing; a token is narrowed when it is created, not here',
    ),
  },
  { additionalProperties: true },
);
export type OAuthParameters = Static<typeof OAuthParameters>;

/** `/oauth/tenant/{org}/...`: the org name as the router decoded it (names may hold any printable character). */
export const TenantParams = Type.Object({
  org: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
});
/** One contract for both paths of an endpoint: `org` is absent on `/oauth/provider/...`. */
export const OrgParams = Type.Object({ org: Type.Optional(TenantParams.properties.org) });

/**
 * `POST .../register`: RFC 7591 client metadata as VCD takes it. `client_name` is required; the rest are optional.
 * With `software_id` it creates a service account (VCD 10.4), otherwise a user API token. Unknown metadata is
 * ignored (RFC 7591 §2: "The authorization server MUST ignore any client metadata ... it does not understand").
 * `expirationTimeUtc` (Tessera; `expires_at` is its alias) must also be in the future, which only the service
 * can tell, so it is checked there.
 */
export const RegisterBody = Type.Object(
  {
    client_name: Type.String({ maxLength: 1024, description: 'the API token\u2019s name (at most 128 characters once trimmed)' }),
    expirationTimeUtc: Type.Optional(NullableString({ maxLength: 64 })),
    expires_at: Type.Optional(NullableString({ maxLength: 64 })),
    scope: Type.Optional(NullableString({ maxLength: 1024 })),
    software_id: Type.Optional(NullableString({ maxLength: 64 })),
    software_version: Type.Optional(NullableString({ maxLength: 1024 })),
    client_uri: Type.Optional(NullableString({ maxLength: 1024 })),
  },
  { additionalProperties: true },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ minLength: 33 }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ minimum: 1 }),
    // The API token on the jwt-bearer grant, a service account's successor; null on a user API token's exchange.
    refresh_token: Type.Union([Type.String(), Type.Null()]),
    // A narrowed API token's scope (`read-only` or a role URN), as introspection names it.
    scope: Type.Optional(Type.String()),
  },
  {
    additionalProperties: false,
    // The OpenAPI document's response headers (the route schemas' `headers`, as the legacy sign-in declares its own).
    headers: {
      'Tessera-Authentication-Token-Expiration': Type.String({
        description:
          'When the API token expires, as GitHub writes it (`2026-12-31 12:00:00 UTC`); only for an API token that ' +
          'expires. Every answer to a session made from such a token carries it too, in every area (docs/security.md).',
      }),
    },
  },
);

export const RegisterResponse = Type.Object(
  {
    client_name: Type.String(),
    client_id: Type.String(),
    grant_types: Type.Array(Type.String()),
    token_endpoint_auth_method: Type.Literal('none'),
    expirationTimeUtc: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    scope: Type.Optional(Type.String()),
    client_uri: Type.Optional(Type.String()),
    software_id: Type.Optional(Type.String()),
    software_version: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DeviceAuthorizationResponse = Type.Object(
  {
    device_code: Type.String(),
    user_code: Type.String(),
    verification_uri: Type.String(),
    expires_in: Type.Integer(),
    interval: Type.Integer(),
  },
  { additionalProperties: false },
);

/** RFC 7662 §2.2; `{"active": false}` for every token the caller may not see. */
export const IntrospectionResponse = Type.Object(
  {
    active: Type.Boolean(),
    token_type: Type.Optional(Type.Union([Type.Literal('refresh_token'), Type.Literal('Bearer')])),
    token_use: Type.Optional(Type.Union([Type.Literal('refresh_token'), Type.Literal('access_token')])),
    iss: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    org: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    iat: Type.Optional(Type.Integer()),
    exp: Type.Optional(Type.Integer()),
    session_id: Type.Optional(Type.String()),
    session_kind: Type.Optional(Type.String()),
    rotating: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** RFC 8414 authorization-server metadata. */
export const AuthorizationServerMetadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    registration_endpoint: Type.String(),
    revocation_endpoint: Type.String(),
    introspection_endpoint: Type.String(),
    device_authorization_endpoint: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_token_types_supported: Type.Array(Type.String()),
    introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type AuthorizationServerMetadata = Static<typeof AuthorizationServerMetadata>;

/**
 * An error under /oauth: VCD's envelope, whose `minorErrorCode` is the OAuth code, plus RFC 6749 §5.2's `error` and
 * `error_description` for standard OAuth libraries (http/oauth-error.ts).
 */
export const OAuthErrorEnvelope = named(
  'OAuthError',
  Type.Object(
    {
      minorErrorCode: Type.String(),
      message: Type.String(),
      stackTrace: Type.Null(),
      error: Type.String({ description: 'The RFC 6749 §5.2 / RFC 8628 §3.5 error code' }),
      error_description: Type.String({ description: 'The message, in the characters RFC 6749 §5.2 allows' }),
    },
    { additionalProperties: false, description: 'Error (see docs/errors.md)' },
  ),
);

/**
 * The error statuses an OAuth route can answer, all in the OAuth envelope: 413 for a body over the limit, 503
 * (`temporarily_unavailable`, with Retry-After) while the node cannot prove its revocation feed live or reach its
 * store (fail closed). Until 2026-12-06 those two were answered but not declared.
 */
export const OAuthErrors = {
  400: OAuthErrorEnvelope,
  401: OAuthErrorEnvelope,
  403: OAuthErrorEnvelope,
  413: OAuthErrorEnvelope,
  429: OAuthErrorEnvelope,
  503: OAuthErrorEnvelope,
};

/**
 * What the form endpoints read (declared for the OpenAPI document; the parsing is `foldOAuthParameters`): a form, as
 * every VCD client and RFC 6749 send it, or a JSON object. The parameters may instead come in the query string
 * (Broadcom KB 429004), which docs/openapi.md says.
 */
export const OAUTH_FORM_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'];
