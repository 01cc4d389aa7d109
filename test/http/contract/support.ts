/**
 * Checks a real response body against the schema its route declares. Most JSON routes send pre-serialized bytes
 * (VCD's exact content types), so fastify does not serialize through their response schemas: these checks are
 * what keeps the declared contract and the real answers from drifting apart.
 */
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { TSchema } from 'typebox';

const ajv = new Ajv({ strict: false, allErrors: true });

export function assertConforms(schema: TSchema, body: unknown, label: string): void {
  const validate = ajv.compile(schema);
  const ok = validate(body);
  assert.ok(ok, `${label}: the response breaks its declared schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}
