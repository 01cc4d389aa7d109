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
  const presented = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = Buffer.from(tag(key, body), 'base64url');
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
