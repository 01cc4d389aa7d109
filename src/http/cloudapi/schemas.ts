/**
 * The declared contract of /cloudapi (TypeBox; validated before any handler runs, the handlers' types come from
 * here). A validation failure is 400 `BAD_REQUEST` in the cloudapi JSON envelope (src/http/error-handler.ts).
 *
 * Leniency decisions for this area (the general ones are in ../contract/common.ts):
 * - Path ids are bounded strings, not pattern-checked: VCD answers 403 for a missing or foreign entity, and the
 *   handlers keep a malformed id (or a URN of another kind) in that same answer, so an id's shape tells a caller
 *   nothing the 403 does not.
 * - A repeated list parameter (`filter`, `sortAsc`, `page`...) counts once, first value first, as VCD's JAX-RS
 *   does: `firstQueryValues` reduces it before validation, so the schema sees one string.
 * - Entity bodies allow fields they do not name: govcd and Terraform PUT the whole entity back (`id`, `href`,
 *   `orgEntityRef`, `locked`...). Fields a handler reads are typed and bounded; `null` means "not given" where
 *   VCD sends null for an unset value.
 * - `PUT .../users/{id}` still refuses a body that names no field it can change (a client mistake, not a no-op):
 *   a rule across fields, kept in the handler.
 * Responses are pre-serialized bytes with VCD's versioned content type (context.ts sendCloudapiJson), so the
 * response schemas here describe; test/http/contract/cloudapi.test.ts checks real answers against them.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from '../../auth/identity-admin.js';
import { NullableInteger, NullableString, MAX_FILTER_LENGTH, PagingQueryProperties } from '../contract/common.js';
import { named } from '../contract/components.js';
import { CLOUDAPI_ERRORS, NamedReference as EntityReference, NO_CONTENT } from './responses.js';

// The same bounds the services enforce (a schema that allowed more would only move the 400 deeper).
const MAX_NAME = MAX_NAME_LENGTH;
const MAX_DESCRIPTION = MAX_DESCRIPTION_LENGTH;
/** The longest API-token lifetime an org policy may set. */
import { MAX_POLICY_DAYS } from '../../auth/api-token-policy.js';
export { MAX_POLICY_DAYS };
const MAX_TEXT = 1024;
/** Passwords: bounded so argon2 never hashes megabytes (256, as before the schemas). */
const MAX_PASSWORD = 256;

/** preValidation: a repeated query parameter counts once, its first value (see the note above). */
export async function firstQueryValues(request: { query: unknown }): Promise<void> {
  const query = request.query as Record<string, unknown> | null;
  if (!query || typeof query !== 'object') return;
  for (const [key, value] of Object.entries(query)) if (Array.isArray(value)) query[key] = value[0];
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256, description: 'URN or bare UUID' }) });

/** List query of every cloudapi list; unknown parameters are ignored, as VCD does. */
export const ListQuery = Type.Object(PagingQueryProperties, { additionalProperties: true });
/** Options of a list route: the first-value rule, then the schema; `page` is the page it answers (responses.ts). */
export const listRoute = <P extends TSchema>(page: P) =>
  ({ preValidation: firstQueryValues, schema: { querystring: ListQuery, response: { 200: page, ...CLOUDAPI_ERRORS } } }) as const;
/** A list under one entity (`/roles/{id}/rights`): its id, then as listRoute. */
export const listByIdRoute = <P extends TSchema>(page: P) =>
  ({
    preValidation: firstQueryValues,
    schema: { params: IdParams, querystring: ListQuery, response: { 200: page, ...CLOUDAPI_ERRORS } },
  }) as const;
/** Options of a GET that takes only an entity id and answers `entity`. */
export const byIdRoute = <E extends TSchema>(entity: E) =>
  ({ schema: { params: IdParams, response: { 200: entity, ...CLOUDAPI_ERRORS } } }) as const;
/** Options of a DELETE (or a bodiless action) that takes only an entity id and answers 204. */
export const deleteByIdRoute = { schema: { params: IdParams, response: { ...NO_CONTENT, ...CLOUDAPI_ERRORS } } } as const;

const optionalText = (maxLength: number) => Type.Optional(NullableString({ maxLength }));
const optionalCount = Type.Optional(NullableInteger({ minimum: 0, maximum: 2_147_483_647 }));
const Ref = Type.Object({ id: Type.String({ maxLength: 256 }), name: Type.Optional(NullableString()) }, { additionalProperties: true });
/** VCD's roleEntityRefs: a user or group has exactly one role. */
const RoleRefs = Type.Optional(Type.Array(Ref, { minItems: 1, maxItems: 1 }));

export const UserBody = Type.Object(
  {
    username: optionalText(MAX_NAME),
    password: optionalText(MAX_PASSWORD),
    currentPassword: optionalText(MAX_PASSWORD),
    fullName: optionalText(256),
    email: optionalText(256),
    enabled: Type.Optional(Type.Boolean()),
    locked: Type.Optional(
      Type.Boolean({
        description: 'false unlocks an account that failed sign-ins locked; true changes nothing (only failed sign-ins lock)',
      }),
    ),
    deployedVmQuota: optionalCount,
    storedVmQuota: optionalCount,
    roleEntityRefs: RoleRefs,
    revokeApiTokens: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export type UserBody = Static<typeof UserBody>;
export const UserUpdateQuery = Type.Object(
  { revokeApiTokens: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: true },
);

export const GroupBody = Type.Object(
  { name: optionalText(MAX_NAME), description: optionalText(MAX_DESCRIPTION), roleEntityRefs: RoleRefs },
  { additionalProperties: true },
);

/** A right by name or by id, as govcd and the UI send them. */
const RightRef = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 256 })), id: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: true },
);
const RightRefs = Type.Optional(Type.Array(RightRef, { maxItems: 2048 }));
export const RoleBody = Type.Object(
  { name: optionalText(MAX_NAME), description: optionalText(MAX_DESCRIPTION), rights: RightRefs, values: RightRefs },
  { additionalProperties: true },
);

export const TokenPolicyBody = Type.Object(
  {
    maxLifetimeDays: NullableInteger({
      minimum: 1,
      maximum: MAX_POLICY_DAYS,
      description: 'days an API token may live, 1 to 3650, or null for no limit',
    }),
    maxIdleDays: Type.Optional(
      NullableInteger({
        minimum: 1,
        maximum: MAX_POLICY_DAYS,
        description: 'days an API token may go unused before it is revoked, 1 to 3650, or null for no limit; left out: unchanged',
      }),
    ),
  },
  { additionalProperties: true },
);
export const TokenPolicy = named(
  'ApiTokenPolicy',
  Type.Object(
    {
      maxLifetimeDays: Type.Union([Type.Integer(), Type.Null()]),
      installationMaxLifetimeDays: Type.Union([Type.Integer(), Type.Null()], {
        description: "the installation's ceiling over every org's limit (TESSERA_MAX_TOKEN_LIFETIME_DAYS), or null for none",
      }),
      maxIdleDays: Type.Union([Type.Integer(), Type.Null()], {
        description: 'API tokens unused for this many days are revoked (within an hour after); null: never',
      }),
      installationMaxIdleDays: Type.Union([Type.Integer(), Type.Null()], {
        description: "the installation's ceiling over every org's idle limit (TESSERA_MAX_TOKEN_IDLE_DAYS), or null for none",
      }),
    },
    { additionalProperties: false },
  ),
  "The org's API-token policy",
);

export const TotpConfirmBody = Type.Object({ code: Type.String({ maxLength: 16 }) }, { additionalProperties: true });
export const TotpDisableBody = Type.Object(
  { password: Type.String({ maxLength: MAX_PASSWORD }), code: Type.String({ maxLength: 16 }) },
  { additionalProperties: true },
);
export const TotpStatus = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
export const TotpEnrolment = Type.Object(
  { secret: Type.String(), otpauthUri: Type.String(), qrCodeSvg: Type.String() },
  { additionalProperties: false },
);

export const ServiceAccountBody = Type.Object(
  {
    role: Type.Optional(
      Type.Union([Type.Object({ id: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: true }), Type.Null()]),
    ),
    uri: optionalText(MAX_TEXT),
    softwareId: optionalText(MAX_TEXT),
    softwareVersion: optionalText(MAX_TEXT),
  },
  { additionalProperties: true },
);
export const DeviceLookupBody = Type.Object({ userCode: Type.String({ maxLength: 64 }) }, { additionalProperties: true });

/** The cloudapi Session (SPEC 37.2), also the answer of sign-in. */
export const SessionEntity = named(
  'Session',
  Type.Object(
    {
      id: Type.String(),
      site: EntityReference,
      user: EntityReference,
      org: EntityReference,
      location: Type.String(),
      roles: Type.Array(Type.String()),
      roleRefs: Type.Array(EntityReference),
      sessionIdleTimeoutMinutes: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

/** Headers that matter on sign-in: the second factor, when the user has one. */
export const SignInHeaders = Type.Object(
  { 'x-tessera-totp': Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: true },
);

/** What any authenticated /cloudapi operation can answer besides its own (responses.ts). */
export const CloudApiErrors = CLOUDAPI_ERRORS;
export { MAX_FILTER_LENGTH };
