/**
 * How declared route schemas are enforced (issue 15 §1). Fastify's defaults are replaced on purpose:
 *
 * - **No silent stripping** (`removeAdditional: false`). Fastify's default removes properties a schema does not
 *   name. A schema that refuses extra properties (`additionalProperties: false`) must then refuse them with a 400,
 *   and an open schema (VCD's querystrings: VCD ignores unknown parameters, so clients send some) must leave them
 *   as sent. Either way the handler sees what the client sent or nothing at all.
 * - **Coercion only where the wire has no types**: path parameters, querystrings and headers arrive as strings,
 *   so an `Integer` there is coerced (`coerceTypes: 'array'`, fastify's mode: a repeated parameter is an array, a
 *   single one a scalar). Bodies are never coerced: a JSON body that sends `"5"` for a number is refused, not
 *   guessed at. Form bodies (OAuth) are strings by nature: their schemas declare strings.
 * - **First error only** (`allErrors: false`): collecting every error of a large hostile document costs time the
 *   attacker chooses (ajv's own security notes), and the 400 names the first problem, which is enough to fix it.
 * - **One readable message**: the 400 names the first failing value (`querystring/pageSize must match pattern ...`),
 *   not every branch of a "string or list of strings" union.
 * - `useDefaults: true` as in fastify: a default a schema declares is what the handler gets when the value is absent.
 *
 * Responses: a declared response schema documents the answer (OpenAPI, schemathesis checks the real answers
 * against it); it is never used to serialize. fast-json-stringify, fastify's serializer, drops every property the
 * schema does not name, so a field a client reads could vanish silently because a schema forgot it. Objects are
 * sent with JSON.stringify instead (the hot paths send pre-serialized bytes anyway).
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema, FastifySchemaValidationError } from 'fastify';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

const COMMON: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  // Schemas carry OpenAPI annotations (`example`, `x-...`): not errors.
  strict: false,
};

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes: coerce ? 'array' : false });
  addFormats(ajv);
  return ajv;
}

/** Installs the validator and serializer compilers described above on an app, before any route. */
export function installSchemaCompilers(app: FastifyInstance): void {
  const forBodies = makeAjv(false);
  const forStrings = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? forBodies : forStrings;
    return ajv.compile(schema as FastifySchema & object);
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setSchemaErrorFormatter((errors, dataVar) => new Error(firstErrorMessage(errors, dataVar)));
}

/** `querystring/pageSize must match pattern "..."`: the first error, its path without list indexes. */
export function firstErrorMessage(errors: FastifySchemaValidationError[], dataVar: string): string {
  const first = errors[0];
  if (!first) return `${dataVar} is not valid`;
  const path = first.instancePath.replace(/\/\d+(?=\/|$)/g, '');
  return `${dataVar}${path} ${first.message ?? 'is not valid'}`.slice(0, 300);
}
