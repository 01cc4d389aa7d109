/**
 * How a JSON request body is read, on every route (app.ts's parser) and for a registration sent as text/plain
 * (oauth/index.ts): valid JSON, every string a string of characters, and no key twice in one object.
 */
import { TesseraError } from '../domain/errors.js';
import { withoutByteOrderMark } from './form-body.js';

/**
 * Parses a request body's JSON text, or throws a 400 (BAD_REQUEST, which each area renders in its own format).
 *
 * Repeated keys are refused. JSON.parse keeps the last of `{"refresh_token":"a","refresh_token":"b"}`, a proxy or
 * a WAF in front of the server may read the first: the server would act on a value that the one in front never
 * checked (the form and query parsers refuse a repeat of an OAuth parameter for the same reason, RFC 6749 §3.2).
 * RFC 8259 §4 leaves such a body's meaning to the implementation; no client of VCD's API sends one.
 */
export function parseJsonBody(body: string, invalid: () => TesseraError): unknown {
  const text = withoutByteOrderMark(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, refuseIllFormedStrings);
  } catch (error) {
    throw error instanceof TesseraError ? error : invalid();
  }
  const repeated = repeatedJsonKey(text);
  if (repeated !== undefined) {
    throw new TesseraError('BAD_REQUEST', `The request body gives the key ${JSON.stringify(repeated)} twice in one object`);
  }
  return parsed;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON.parse's reviver: `"\ud800"` is valid JSON but no character (a lone surrogate), which SQLite stores as
 * U+FFFD and PostgreSQL refuses. Refused in any key or string value with a 400.
 */
function refuseIllFormedStrings(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
    throw new TesseraError(
      'BAD_REQUEST',
      'The request body holds a lone surrogate (a \\uD800-\\uDFFF escape without its pair), which is no character',
    );
  }
  return value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * The first key that appears twice within one object, at any depth, of a JSON text JSON.parse has accepted (so
 * the scan need not check the grammar), or undefined. One pass: each object keeps the set of its keys until it
 * closes. Keys compare as decoded (`"a"` and `"\u0061"` are one key, as JSON.parse takes them).
 */
export function repeatedJsonKey(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(end);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          end += 2;
        } else end += 1;
      }
      if (keyNext) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      objects.push(new Set());
      keyNext = true;
    } else if (c === OPEN_ARRAY) {
      objects.push(null);
      keyNext = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      objects.pop();
      keyNext = false;
    } else if (c === COMMA) {
      keyNext = objects[objects.length - 1] != null;
    }
  }
  return undefined;
}
