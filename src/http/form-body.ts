/**
 * `application/x-www-form-urlencoded` bodies, read by @fastify/formbody with this parser in place of its lenient
 * default: a body whose bytes were not UTF-8 (decoded to U+FFFD on the way in) or whose %-escapes are malformed or
 * decode to something other than UTF-8 is refused with a 400, as a JSON body is. The default stored such a value
 * altered without a word: a portal form posting `Zo\xEB` created a user named `Zo\uFFFD`, `Zo%EB` one named `Zo%EB`
 * (until 2026-12-05).
 *
 * Parsed into a null-prototype object whose keys are all own properties (a parameter named `__proto__` stays a
 * parameter), a repeated key into an array of its values: what the OAuth endpoints' folding expects
 * (oauth/index.ts). Linear in the body's length, however it repeats its keys. The token exchange's body has no `%` or `+`, so it is split and nothing is decoded.
 */
import { TesseraError } from '../domain/errors.js';

const REPLACEMENT = '\uFFFD';

function decodeComponent(raw: string): string {
  const spaced = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new TesseraError('BAD_REQUEST', 'The form body has a malformed %-escape, or one that is not UTF-8');
  }
}

export function parseFormBody(body: string): Record<string, string | string[]> {
  const text = withoutByteOrderMark(body);
  if (text.includes(REPLACEMENT)) throw new TesseraError('BAD_REQUEST', 'The request body is not valid UTF-8');
  const out: Record<string, string | string[]> = Object.create(null);
  // Walked with indexOf rather than split: every token exchange comes through here.
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      const key = decodeComponent(text.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(text.slice(eq + 1, end)) : '';
      // Appended in place: copying the array for every repeat (until 2026-12-05) made `a&a&a...` quadratic, and a
      // 64 KiB body of one key repeated held the event loop for 5 s, before any route or authentication.
      const seen = out[key];
      if (seen === undefined) out[key] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else out[key] = [seen, value];
    }
    start = end + 1;
  }
  return out;
}

/**
 * The body without one leading U+FEFF: a byte order mark that Windows tools (PowerShell 5's `Out-File`, Notepad)
 * write in front of a saved body, and RFC 8259 §8.1 lets a parser ignore. Kept, it made a form's first key
 * `\uFEFFgrant_type` ("grant_type is required") and a JSON body "not valid JSON" (until 2026-12-07).
 */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
