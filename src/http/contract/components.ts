/**
 * Named schemas for the OpenAPI document. A route schema stays self-contained (its validators and the contract
 * tests compile it as it is, with no registry of shared `$id`s to keep in step), and a schema that many routes
 * share is marked with its name: `named('CloudApiError', schema)`. When the document is built, openapi.ts
 * (`shareComponents`) lists each named schema once under `components.schemas` and replaces every copy with a
 * `$ref`, so the document is not hundreds of copies of the same error envelope.
 */
import type { TSchema } from 'typebox';

/** The extension keyword that carries a schema's component name (removed from the published document). */
export const COMPONENT_KEYWORD = 'x-tessera-component';
/**
 * The same for a whole response (`{description, content}`): @fastify/swagger rebuilds response objects and keeps
 * only their description and content, so the name rides on each media-type object of the content.
 */
export const RESPONSE_KEYWORD = 'x-tessera-response';

/** A copy of `schema` marked as the component `name` (the original, maybe shared elsewhere, is not changed). */
export function named<T extends TSchema>(name: string, schema: T, description?: string): T {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not a component name: ${name}`);
  return { ...schema, ...(description === undefined ? {} : { description }), [COMPONENT_KEYWORD]: name };
}

/** A response object (description and content by media type) marked as the response component `name`. */
export function namedResponse<C extends Record<string, { schema: TSchema }>>(name: string, response: { description: string; content: C }) {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not a component name: ${name}`);
  const content = Object.fromEntries(
    Object.entries(response.content).map(([type, media]) => [type, { ...media, [RESPONSE_KEYWORD]: name }]),
  );
  return { description: response.description, content: content as unknown as C };
}
