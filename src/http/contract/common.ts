/**
 * Schema pieces shared by every API area's route contracts (TypeBox, validated by fastify's ajv before any
 * handler runs; the handlers' types come from the same schemas through @fastify/type-provider-typebox).
 * Dependency-free apart from typebox, so that any area (and the OpenAPI document) can take them.
 *
 * Leniency decisions that apply everywhere (each area's schema file lists its own):
 * - Query strings accept unknown parameters (VCD ignores them; clients add cache-busters and their own flags).
 *   Known ones are typed and bounded; a repeated known parameter is 400.
 * - Numbers in query strings are declared as digit strings with a pattern, not as integers: the pattern holds
 *   whatever ajv's type coercion is set to, and the range checks that need the number stay in the handler.
 * - Path ids take either the URN (`urn:vcloud:user:<uuid>`) or the bare UUID, as VCD does; anything else is
 *   400 before any lookup. Cross-org or missing ids still answer 403, from the handler (vcd-wire §7).
 * - Request bodies of JSON entities accept fields they do not know (govcd PUTs the whole entity back, with
 *   read-only fields such as `id` and `href`), and bound the ones they read.
 */
import { Type, type TSchema } from 'typebox';
import { named } from './components.js';

/** Longest text accepted in an identifier, a name or a query value: far above any real one, far below the body limit. */
export const MAX_NAME_LENGTH = 256;
export const MAX_FILTER_LENGTH = 4096;

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** `urn:vcloud:<kind>:<uuid>` or the bare UUID, for path parameters that name one entity of `kind`. */
export const UrnOrUuid = (kind: string) =>
  Type.String({
    pattern: `^(urn:vcloud:${kind}:)?${UUID}$`,
    maxLength: 128,
    description: `\`urn:vcloud:${kind}:<uuid>\` or the bare UUID`,
  });

/** `{ id }` path parameters of one entity kind. */
export const IdParams = (kind: string) => Type.Object({ id: UrnOrUuid(kind) });

/**
 * `T | null` written as one JSON-Schema type list (`"type": ["string", "null"]`), never as `anyOf`: fastify's ajv
 * coerces types, and inside `anyOf` it would turn `null` into `""` (or `0` into `null`) in the first branch that
 * accepts the coerced value. With a type list a value that already has one of the types is left as it is.
 */
export const NullableString = (options: { maxLength?: number; minLength?: number; description?: string } = {}) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
export const NullableInteger = (options: { minimum?: number; maximum?: number; description?: string } = {}) =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });

/** A URN as it appears in responses. */
export const Urn = (kind: string) => Type.String({ pattern: `^urn:vcloud:${kind}:`, description: `urn:vcloud:${kind}:<id>` });

/** `{name, id}` reference, as in `owner`, `org`, `roleRefs` (vcd-wire §7). */
export const EntityReference = Type.Object({ name: Type.String(), id: Type.String() }, { additionalProperties: true });

/**
 * A decimal number in a query string (see the leniency note above); empty means "not given". Bounded in length only:
 * the list's own parse says what is wrong ("page must be a whole number from 1 to ...", cloudapi/paging.ts), where
 * a pattern here answered `querystring/pageSize must match pattern "^[0-9]{0,10}$"` first (until 2026-12-05).
 */
export const DigitString = (description: string) => Type.String({ maxLength: 10, description });

/**
 * The cloudapi list parameters (vcd-wire §7): FIQL `filter`, `sortAsc`/`sortDesc`, 1-based `page`, `pageSize`.
 * Unknown parameters are allowed (VCD ignores them).
 */
export const PagingQueryProperties = {
  page: Type.Optional(DigitString('1-based page number (default 1)')),
  pageSize: Type.Optional(DigitString('rows per page (default 25, capped by each list)')),
  filter: Type.Optional(Type.String({ maxLength: MAX_FILTER_LENGTH, description: 'FIQL filter, e.g. name==alice' })),
  sortAsc: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  sortDesc: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
};
export const PagingQuery = Type.Object(PagingQueryProperties, { additionalProperties: true });

/** A query string whose parameters are all ignored (VCD ignores unknown parameters): still an object of strings. */
export const AnyQuery = Type.Object({}, { additionalProperties: true });

/** The paged envelope of every cloudapi list (vcd-wire §7). */
export const CloudApiPageOf = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      resultTotal: Type.Integer({ minimum: 0 }),
      pageCount: Type.Integer({ minimum: 0 }),
      page: Type.Integer({ minimum: 1 }),
      pageSize: Type.Integer({ minimum: 0 }),
      associations: Type.Array(Type.Unknown()),
      values: Type.Array(item),
    },
    { additionalProperties: false },
  );

/**
 * VCD's JSON error envelope under /cloudapi and /oauth (vcd-wire §5.3, §7): strings and null only, since govcd up
 * to v2.20 decodes it as a map[string]string. Under /oauth `minorErrorCode` is the RFC 6749 error code.
 */
export const JsonErrorEnvelope = named(
  'JsonError',
  Type.Object(
    {
      minorErrorCode: Type.String(),
      message: Type.String(),
      stackTrace: Type.Null(),
    },
    { additionalProperties: false, description: 'Error (see docs/errors.md)' },
  ),
);

/** The error statuses a cloudapi or OAuth route can answer, all in the JSON envelope. */
export const JsonErrorResponses = {
  400: JsonErrorEnvelope,
  401: JsonErrorEnvelope,
  403: JsonErrorEnvelope,
  429: JsonErrorEnvelope,
};

/**
 * No body (204, and RFC 7009's empty 200). Typed `undefined` so that handlers `send()` nothing, never `null`.
 * `type: 'null'` is how @fastify/swagger learns there is no content (without it the document promised JSON).
 */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content' });
