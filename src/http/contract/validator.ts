/**
 * The validator of the declared route contracts: ajv 8, compiled once per schema, with one difference from
 * fastify's default (which coerces types everywhere): a JSON body is NOT coerced. `{"maxLifetimeDays": "30"}` is
 * a client's mistake and answers 400, as it did before the schemas; a number sent where a name belongs is not
 * turned into a string behind the client's back. Query strings, path parameters and headers are text on the
 * wire, so there types are coerced (and a scalar may fill a one-element array), as fastify does by default.
 * The API areas set it on their plugins (`plugin.setValidatorCompiler(contractValidatorCompiler)`); the app-wide
 * ajv options may later move here so that every area shares one place.
 */
import { Ajv, type Options } from 'ajv';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

const shared: Options = { useDefaults: true, removeAdditional: true, allErrors: false, strict: false };
const forBody = new Ajv({ ...shared, coerceTypes: false });
const forText = new Ajv({ ...shared, coerceTypes: 'array' });

export const contractValidatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? forBody : forText).compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
