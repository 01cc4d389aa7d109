/**
 * A JSON value with an HMAC-SHA256 tag: `base64url(json).base64url(tag)`. Readable by the client, but any
 * change to it is detected. Used for the short-lived half-signed-in cookie.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signValue(key: Buffer, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${tag(key, body)}`;
}

/** The payload, or null when the value is malformed or its tag does not match. */
export function verifySignedValue(key: Buffer, value: string | undefined): unknown {
  if (typeof value !== 'string') return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const body = value.slice(0, dot);
  // The tag's text is compared, not its decoded bytes: base64url decoding skips stray characters and ignores the
  // last character's spare bits, so other spellings of the same bytes would verify too (as jwt-hs256.ts compares).
  const presented = Buffer.from(value.slice(dot + 1), 'latin1');
  const expected = Buffer.from(tag(key, body), 'latin1');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

function tag(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64url');
}
