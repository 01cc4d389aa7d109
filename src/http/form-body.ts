/**
 * `application/x-www-form-urlencoded` bodies, read by this parser (formContentParser, in place of @fastify/formbody's
 * lenient default): a body whose bytes were not UTF-8 (decoded to U+FFFD on the way in) or whose %-escapes are malformed or
 * decode to something other than UTF-8 is refused with a 400, as a JSON body is. The default stored such a value
 * altered without a word: a portal form posting `Zo\xEB` created a user named `Zo\uFFFD`, `Zo%EB` one named `Zo%EB`
 * (until 2026-12-05).
 *
 * Parsed into a null-prototype object whose keys are all own properties (a parameter named `__proto__` stays a
 * parameter), a repeated key into an array of its values: what the OAuth endpoints' folding expects
 * (oauth/index.ts). Linear in the body's length, however it repeats its keys. The token exchange's body has no `%` or `+`, so it is split and nothing is decoded.
 */
import type { FastifyRequest } from 'fastify';
import { TesseraError } from '../domain/errors.js';

const REPLACEMENT = '\uFFFD';

/** The form parser fastify runs for `application/x-www-form-urlencoded` (app.ts): its charset, then its fields. */
export function formContentParser(
  request: FastifyRequest,
  body: Buffer | string,
  done: (error: Error | null, body?: unknown) => void,
): void {
  try {
    refuseOtherCharset(request.headers['content-type'], body);
    done(null, parseFormBody(body.toString()));
  } catch (error) {
    done(error as Error, undefined);
  }
}

/** Charsets a form is read in as it is: UTF-8, and ASCII, which is a part of it. */
const READ_AS_IS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/**
 * A form is read as UTF-8 only, whatever charset its Content-Type declares; one that declares another
 * (`; charset=latin1`, `iso-8859-1`, `windows-1252`) and holds more than ASCII, as raw bytes or %-escapes, is a 415
 * that names that charset (until 2026-12-07: "not valid UTF-8", which did not say why UTF-8 was asked for).
 *
 * Why not read latin1: no VCD client is known to send it. govcd, pyvcloud and PowerCLI send ASCII or UTF-8; OAuth's
 * forms are UTF-8 by definition (RFC 6749 appendix B); a browser sends a portal form in the page's charset, UTF-8,
 * with no parameter; curl's `--data-urlencode` %-escapes the bytes it is given and declares no charset. A second
 * decoding would be read by nobody, and a label that does not match the bytes (a hand-added header over UTF-8 text)
 * would store the text altered without a word. An ASCII body reads the same in every charset a form is sent in, so it
 * is read whatever the label: Apache HttpClient's UrlEncodedFormEntity declares ISO-8859-1 on every form by default.
 */
function refuseOtherCharset(contentType: string | undefined, body: Buffer | string): void {
  const charset = otherCharset(contentType);
  if (charset === null || asciiOnly(body)) return;
  throw new TesseraError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The form is declared as charset=${charset} and holds characters beyond ASCII: forms are read as UTF-8 only. Send the text in UTF-8, with charset=utf-8 or no charset`,
  );
}

/**
 * Any other body (JSON, XML, text) that is not UTF-8 while its Content-Type declares another charset: a 415 naming
 * it, as for a form; null when none is declared, and the caller's plain "not valid UTF-8" stands. Until 2026-12-08 a
 * `text/plain; charset=latin1` body under /oauth got that plain line, which did not say why UTF-8 was asked for.
 * A body that is UTF-8 is read whatever its label (JSON is UTF-8 by definition, RFC 8259 §8.1).
 */
export function otherCharsetRefusal(contentType: string | undefined): TesseraError | null {
  const charset = otherCharset(contentType);
  if (charset === null) return null;
  return new TesseraError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The request body is declared as charset=${charset} and is not UTF-8: bodies are read as UTF-8 only. Send the text in UTF-8, with charset=utf-8 or no charset`,
  );
}

/** The charset a Content-Type declares when it is not one read as it is, printable (or said to be another); else null. */
function otherCharset(contentType: string | undefined): string | null {
  if (contentType === undefined || !contentType.includes(';')) return null;
  const charset = charsetOf(contentType);
  if (charset === null || READ_AS_IS.has(charset.toLowerCase())) return null;
  return /^[\x21-\x7e]{1,40}$/.test(charset) ? charset : 'another than UTF-8';
}

/** The `charset` parameter of a Content-Type, unquoted; null when it has none. */
function charsetOf(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? '') : null;
}

/** No byte above 0x7F and no %-escape of one: nothing whose meaning depends on the charset. */
function asciiOnly(body: Buffer | string): boolean {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  return !/[\u0080-\uffff]|%[89a-f]/i.test(text);
}

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
