/**
 * A hand-edited address or a hand-made form that its route's schema refuses, said in words on the portal's 400 page:
 * which parameter, part of the address or form field, and what it takes. Until 2026-12-07 the page showed the
 * validator's message, a regex among it (`querystring/status must match pattern "^(FAILED_CREATION|...)?$"`).
 * The API areas keep their messages (error-handler.ts); the words come from the route's own schema, so a new route's
 * parameters are worded without a list to keep (test/portal/invalid-request.test.ts checks every portal route).
 */
import type { FastifySchema, FastifySchemaValidationError } from 'fastify';
import { NulInputError } from '../nul-guard.js';
import { isolateText } from './html.js';
import { MAX_UNUSED_DAYS } from './token-queries.js';
import { UNUSED_DAYS_PATTERN } from './token-filter.js';

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const DIGITS = /^\^\[0-9\]\{1,(\d+)\}\$$/;
/** `^(a|b|c)$` or `^(a|b|c)?$`: a choice of words, written as a pattern (the VM list's status and sort). */
const WORD_CHOICE = /^\^\(([A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)*)\)(\?)?\$$/;

/** Patterns that are no list of words: what they take, in words. */
const PATTERN_WORDS: ReadonlyMap<string, string> = new Map([
  [UUID_PATTERN, 'an id as the portal writes it in its links (a UUID in lower case)'],
  [UNUSED_DAYS_PATTERN, `a number of days from 1 to ${MAX_UNUSED_DAYS}, or nothing`],
]);

type Where = 'querystring' | 'params' | 'body' | 'headers';

interface PropertySchema {
  readonly type?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly PropertySchema[];
  readonly items?: PropertySchema;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
}

/** The request's parts as parsed (request.query, .params, .body, .headers): what was sent, for the wording. */
export type SentParts = Partial<Record<Where, unknown>>;

/**
 * The 400 page's words for a refused request, or null when the error is no validation error. `sent` tells a value
 * given more than once (`?search=a&search=b` is parsed as a list) from a bad single one: ajv's type error is the same
 * for both, and until 2026-12-07 the page answered a repeated `search` with "it takes text of at most 128 characters".
 */
export function invalidRequestWording(error: unknown, schema: FastifySchema | undefined, sent: SentParts = {}): string | null {
  if (error instanceof NulInputError) return `${subject(error.where, error.field)} may not contain a NUL character (U+0000).`;
  const e = error as { validation?: FastifySchemaValidationError[]; validationContext?: string } | null;
  if (!e || typeof e !== 'object' || !Array.isArray(e.validation)) return null;
  const where = (e.validationContext ?? 'querystring') as Where;
  const first = e.validation[0];
  if (!first) return `${subject(where, null)} is not valid.`;
  const params = (first.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const name =
    first.keyword === 'required'
      ? (params.missingProperty ?? null)
      : first.keyword === 'additionalProperties'
        ? (params.additionalProperty ?? null)
        : (first.instancePath.split('/').filter(Boolean)[0] ?? null);
  if (first.keyword === 'additionalProperties') return `${subject(where, name)} is not one this page takes.`;
  const property = name === null ? undefined : propertyOf(schema?.[where], name);
  const takes = property ? accepts(property) : null;
  if (first.keyword === 'required') return `${subject(where, name)} is missing${takes ? `: it takes ${takes}` : ''}.`;
  // A list where the schema takes one value: every portal parameter and field is read once (a list is taken only
  // where the schema says so, the bulk revoke's ids), so a repeat is refused in these words, whichever it is.
  if (first.keyword === 'type' && name !== null && Array.isArray(sentValue(sent[where], name)))
    return `${subject(where, name)} was given more than once: it takes one value${takes ? `, ${takes}` : ''}.`;
  return `${subject(where, name)} is not valid${takes ? `: it takes ${takes}` : ''}.`;
}

/** What a parameter's schema takes, in words; null for a schema this module cannot word (the test says which). */
export function accepts(schema: PropertySchema): string | null {
  const choices = literalChoices(schema);
  if (choices) return oneOf(choices);
  if (schema.anyOf) {
    // A parameter that may be repeated: one value, or a list of them (the bulk revoke's ids).
    const single = schema.anyOf.find((branch) => branch.type !== 'array');
    const list = schema.anyOf.find((branch) => branch.type === 'array');
    const one = single && accepts(single);
    if (one && list && schema.anyOf.length === 2)
      return `${one}, given once or repeated${list.maxItems ? ` (at most ${list.maxItems} times)` : ''}`;
    return null;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const whole = schema.type === 'integer' ? 'a whole number' : 'a number';
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `${whole} from ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `${whole} of at least ${schema.minimum}`;
    if (schema.maximum !== undefined) return `${whole} of at most ${schema.maximum}`;
    return whole;
  }
  if (schema.type === 'string') {
    if (schema.pattern !== undefined) return patternWords(schema.pattern);
    if (schema.maxLength !== undefined) {
      return schema.minLength
        ? `text of ${schema.minLength} to ${schema.maxLength} characters`
        : `text of at most ${schema.maxLength} characters`;
    }
    return 'text';
  }
  return null;
}

function patternWords(pattern: string): string | null {
  const known = PATTERN_WORDS.get(pattern);
  if (known) return known;
  const digits = DIGITS.exec(pattern);
  if (digits) return `a whole number of at most ${digits[1]} digits`;
  const words = WORD_CHOICE.exec(pattern);
  if (words) return oneOf([...(words[2] ? [''] : []), ...words[1]!.split('|')]);
  return null;
}

function literalChoices(schema: PropertySchema): string[] | null {
  if (schema.const !== undefined) return [String(schema.const)];
  if (schema.enum) return schema.enum.map(String);
  if (schema.anyOf && schema.anyOf.length > 0) {
    const all = schema.anyOf.map(literalChoices);
    if (all.every((c): c is string[] => c !== null)) return all.flat();
  }
  return null;
}

function oneOf(choices: readonly string[]): string {
  const named = choices.filter((c) => c !== '').map((c) => `"${c}"`);
  const orNothing = named.length < choices.length ? ', or nothing' : '';
  return named.length === 1 ? `only ${named[0]}${orNothing}` : `one of ${named.join(', ')}${orNothing}`;
}

function sentValue(part: unknown, name: string): unknown {
  return part && typeof part === 'object' && Object.prototype.hasOwnProperty.call(part, name)
    ? (part as Record<string, unknown>)[name]
    : undefined;
}

function propertyOf(partSchema: unknown, name: string): PropertySchema | undefined {
  const properties = (partSchema as { properties?: Record<string, PropertySchema> } | undefined)?.properties;
  return properties && Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined;
}

/** `The address's "page" parameter`, `The id in the address`, `The form's "grace" field`. */
function subject(where: Where, name: string | null): string {
  // A name the sender made up (an extra field, a parameter holding a NUL) is quoted as sent, cut short after 40
  // characters (whole ones: a pair of surrogates is not split) and isolated: the page escapes it, and a bidi control
  // or right-to-left letters in it cannot reorder the rest of the sentence (until 2026-12-07 a link with `?\u202E...`
  // in a parameter's name made the 400 page's sentence read backwards after it).
  const characters = name === null ? [] : Array.from(name);
  const quoted = name === null ? null : `"${isolateText(characters.length > 40 ? `${characters.slice(0, 40).join('')}…` : name)}"`;
  switch (where) {
    case 'params':
      if (name === 'org') return 'The organization name in the address';
      return name !== null && /id$/i.test(name) ? 'The id in the address' : 'The address';
    case 'body':
      return quoted ? `The form's ${quoted} field` : 'The form';
    case 'headers':
      return quoted ? `The request's ${quoted} header` : "The request's headers";
    default:
      return quoted ? `The address's ${quoted} parameter` : "The address's parameters";
  }
}
