/**
 * Compact HS256 JWS for Tessera's own access tokens, on one-shot SHA-256 digests (hmac-sha256.ts, ~1 µs) rather than
 * a general JOSE library: through WebCrypto each sign or verify cost ~180 µs here (bench/run.ts), on the hottest
 * path there is.
 * It is deliberately narrow: one algorithm, one key, and a protected header that must match ours byte for byte,
 * so `alg: none`, algorithm confusion and foreign `kid`s are refused before any parsing (ASVS 9.1.1-9.1.2).
 */
import { timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';

/** Payloads up to this many UTF-16 units are encoded through `payloadBytes`; longer ones through a Buffer of their own. */
const MAX_SCRATCH_PAYLOAD = 4_000;

export class Hs256Signer {
  private readonly mac: HmacSha256;
  private readonly encodedHeader: string;
  /**
   * The payload's UTF-8 on its way to base64url, reused: `Buffer.from(json)` allocated a Buffer per signature, one
   * of the native objects that cost the exchange more under load than in a loop (hmac-sha256.ts says how much).
   */
  private readonly payloadBytes = Buffer.alloc(MAX_SCRATCH_PAYLOAD * 3);

  constructor(secret: Buffer, kid: string) {
    if (secret.length < 32) throw new Error('HS256 key must be at least 256 bits');
    this.mac = new HmacSha256(secret);
    this.encodedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid })).toString('base64url');
  }

  sign(payload: object): string {
    const json = JSON.stringify(payload);
    const encodedPayload =
      json.length <= MAX_SCRATCH_PAYLOAD
        ? this.payloadBytes.toString('base64url', 0, this.payloadBytes.write(json, 0, 'utf8'))
        : Buffer.from(json).toString('base64url');
    const signingInput = `${this.encodedHeader}.${encodedPayload}`;
    return `${signingInput}.${this.mac.base64url(signingInput)}`;
  }

  /** The payload when the header is ours and the signature matches; otherwise null. Claims are not checked here. */
  verify(token: string): Record<string, unknown> | null {
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    if (firstDot <= 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) return null;
    if (token.slice(0, firstDot) !== this.encodedHeader) return null;
    // Compared as text, not as decoded bytes: base64url decoding ignores padding and a character's spare low
    // bits, so a byte comparison would accept many spellings of one signature. One canonical encoding only.
    const expected = Buffer.from(this.mac.base64url(token.slice(0, lastDot)));
    const presented = Buffer.from(token.slice(lastDot + 1));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    try {
      const payload = JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8')) as unknown;
      return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
}
